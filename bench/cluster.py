"""Serving and indexing on Ray against one machine's server, side by side in one run.

    .venv/bin/python -m bench.cluster --out bench-out      # about 20 minutes on 2 cores (needs .[cluster])

1. Load: plain ``qa serve`` against Ray Serve with 1 and with 2 answerers (every model with one thread), each
   asked by ``--clients`` concurrent clients for ``--seconds``: requests a second, p50 and p99 latency, errors,
   and how many of the machine's cores were busy.
2. Indexing: ``qa index`` against ``qa index --ray`` with 1 and 2 workers, on ``--articles`` articles of SQuAD
   v1.1's training set (written as text files; from the data folder).
3. Read-your-writes: from an upload to every answerer answering from it (the upload returns only then; the
   time is the upload's), over ``--rounds`` uploads.

Writes ``cluster.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from qa.datasets import squad_set
from qa.gold import squad_corpus
from qa.settings import PROJECT_ROOT, Settings

QUESTIONS = ["Who was indicted in 2020?", "How much is the reward for Maduro's arrest?",
             "Who is the U.S. Defense Secretary?", "What does the designation allow?"]
TOKEN = "a-long-enough-benchmark-token"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not start")


def _cpu_seconds() -> tuple[float, float]:
    """The machine's busy and total CPU seconds so far, all cores together (Linux's ``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def load(url: str, clients: int, seconds: float) -> dict:
    """``clients`` clients asking in a loop for ``seconds``: requests a second, p50, p99 (ms), errors, and how
    many of the machine's cores were busy meanwhile (the clients included)."""
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                reply = http.post("/ask", json={"question": QUESTIONS[number % len(QUESTIONS)], "top_k": 3})
                latencies.append((time.perf_counter() - started) * 1000)
                errors[0] += reply.status_code != 200

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    busy, total = _cpu_seconds()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    busy_after, total_after = _cpu_seconds()
    cores = os.cpu_count() or 1
    latencies.sort()
    return {"rps": round(len(latencies) / elapsed, 1), "p50": round(statistics.median(latencies), 1),
            "p99": round(latencies[int(0.99 * (len(latencies) - 1))], 1), "errors": errors[0],
            "requests": len(latencies), "cores_busy": round(cores * (busy_after - busy) / (total_after - total), 2)}


def _plain_server(folder: Path, port: int) -> subprocess.Popen:
    environment = {"QA_SEEDS_DIR": str(folder / "seeds"), "QA_STORE_DIR": str(folder / "store"),
                   "QA_MODEL_THREADS": "1", "QA_CACHE_SIZE": "0", "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--no-access-log"],
                            env=os.environ | environment, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def serving(args) -> tuple[list[tuple[str, dict]], list[float]]:
    import ray
    from ray import serve

    from ui.cluster import serve_on_ray

    rows, uploads = [], []
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        shutil.copytree(PROJECT_ROOT / "seeds", base / "seeds")
        port = _free_port()
        server = _plain_server(base, port)
        try:
            _wait(f"http://127.0.0.1:{port}")
            rows.append(("qa serve (one process)", load(f"http://127.0.0.1:{port}", args.clients, args.seconds)))
        finally:
            server.terminate()
            server.wait()
        for replicas in (1, 2):
            port = _free_port()
            settings = Settings(seeds_dir=base / "seeds", store_dir=base / f"ray-store-{replicas}", host="127.0.0.1",
                                port=port, cache_size=0, model_threads=1, admin_token=TOKEN)
            try:
                serve_on_ray(settings, None, replicas, blocking=False, access_log=False)  # as the plain server
                url = f"http://127.0.0.1:{port}"
                _wait(url)
                rows.append((f"Ray Serve, {replicas} answerer(s)", load(url, args.clients, args.seconds)))
                if replicas == 2:
                    for round_ in range(args.rounds):
                        data = f"# Note {round_}\n\nThe ferry number {round_} leaves at nine.\n".encode()
                        started = time.perf_counter()
                        reply = httpx.post(url + "/documents", files={"file": (f"note-{round_}.md", data)},
                                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
                        uploads.append(time.perf_counter() - started)
                        assert reply.status_code == 201, reply.text
            finally:
                serve.shutdown()
                ray.shutdown()
    return rows, uploads


def indexing(args) -> list[tuple[str, float]]:
    """Seconds to index ``args.articles`` articles: plain, and on Ray with 1 and 2 workers."""
    import ray

    from index.distributed import build_index_on_ray
    from index.documents import load_documents
    from index.embedder import SentenceEmbedder
    from index.store import build_index

    corpus = squad_corpus(squad_set("squad1-train", args.data or Settings().data_dir), "squad1-train")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for document in corpus.documents[: args.articles]:
            (folder / f"{document.doc_id}.txt").write_text(document.text, encoding="utf-8")
        files = sorted(folder.iterdir())
        started = time.perf_counter()
        embedder = SentenceEmbedder(Settings().model)
        plain = build_index(load_documents(folder), embedder)
        rows.append((f"qa index ({len(plain.passages)} passages)", time.perf_counter() - started))
        ray.init(include_dashboard=False)
        try:
            for workers in (1, 2):
                started = time.perf_counter()
                build_index_on_ray(files, Settings().model, workers=workers)
                rows.append((f"qa index --ray, {workers} worker(s)", time.perf_counter() - started))
        finally:
            ray.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    served, uploads = serving(args)
    indexed = indexing(args)
    plain = served[0][1]
    lines = [f"Ray against one machine's server, side by side (command: `.venv/bin/python -m bench.cluster`; "
             f"{args.clients} clients, {args.seconds:.0f} s each, every model with one thread).", "",
             f"| server | requests a second | p50 (ms) | p99 (ms) | errors | cores busy (of {os.cpu_count()}) | "
             "p50 / plain | throughput / 1 answerer |",
             "|---|---|---|---|---|---|---|---|"]
    one = next(row for name, row in served if "1 answerer" in name)
    for name, row in served:
        lines.append(f"| {name} | {row['rps']} | {row['p50']} | {row['p99']} | {row['errors']} | {row['cores_busy']} | "
                     f"{row['p50'] / plain['p50']:.2f} | {row['rps'] / one['rps']:.2f} |")
    lines += ["", f"An upload until every answerer answers from it (2 answerers, median of {len(uploads)}): "
              f"{statistics.median(uploads):.2f} s.", "", "| indexing | seconds | against qa index |", "|---|---|---|"]
    for name, seconds in indexed:
        lines.append(f"| {name} | {seconds:.1f} | {seconds / indexed[0][1]:.2f} |")
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cluster.md").write_text(report, encoding="utf-8")
    (args.out / "cluster.json").write_text(json.dumps({"serving": served, "uploads": uploads, "indexing": indexed},
                                                      indent=2), encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

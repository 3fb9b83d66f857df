"""The benchmark: everything measured side by side in one run, written as a markdown table.

    .venv/bin/python -m bench.run --out bench-out            # about 15 minutes on 2 cores
    .venv/bin/python -m bench.run --sizes 1000 --quick       # a smoke run

Sections: in-process ``ask`` vs the bare question encoding; HTTP ``/ask`` with 1, 4 and 16 clients on 1 and 2
workers; cold start and peak memory; index build and query latency as distractor passages are added (flat vs
HNSW). Caching is off everywhere (``QA_CACHE_SIZE=0``) so every request does the full work.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import httpx
import numpy as np

from bench.distractors import distractor_sentences
from index.documents import load_documents
from index.encoder import Encoder
from index.passages import split_passages
from index.store import HNSW_EF_SEARCH, SPLITTER_VERSION, STORE_FORMAT, Manifest, OpenedIndex, PassageIndex, open_index
from qa.evaluate import GoldItem, load_gold
from qa.pipeline import Pipeline
from qa.settings import PROJECT_ROOT, Settings

GOLD = PROJECT_ROOT / "gold" / "us-pressure-on-maduro.jsonl"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def gold_questions() -> list[GoldItem]:
    return [item for item in load_gold(GOLD) if not item.history]


# --- in-process ---------------------------------------------------------------------------------------------


def in_process(pipeline: Pipeline, questions: list[str], rounds: int) -> dict:
    """Interleave a bare encode and a full ask per question, so both see the same machine load."""
    encoder = pipeline.retriever.encoder
    for question in questions:  # warm caches of parses, tokenizer, allocator
        encoder.encode([question])
        pipeline.ask(question)
    encode_ms, ask_ms = [], []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            encoder.encode([question])
            encode_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            pipeline.ask(question)
            ask_ms.append((time.perf_counter() - started) * 1000)
    return {
        "encode_p50": percentile(encode_ms, 50), "encode_p95": percentile(encode_ms, 95),
        "ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95),
        "ratio_p50": percentile(ask_ms, 50) / percentile(encode_ms, 50),
    }


# --- HTTP -----------------------------------------------------------------------------------------------------


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen, str, float]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"QA_SEEDS_DIR": str(workdir / "seeds"), "QA_STORE_DIR": str(workdir / "store"),
                        "QA_CACHE_SIZE": "0", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = (workdir / f"server-{port}.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--workers", str(workers)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError((workdir / f"server-{port}.log").read_text()[-2000:])
        try:
            response = httpx.post(url + "/ask", json={"question": "Who was indicted in 2020?"}, timeout=2)
            if response.status_code == 200:
                return process, url, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.05)


def peak_memory_mb(process: subprocess.Popen) -> float:
    """Peak resident memory (VmHWM) of the server and its worker processes, summed."""
    pids = [process.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                                             text=True).stdout.split()]
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def http_load(url: str, questions: list[str], clients: int, requests: int) -> dict:
    work = [questions[i % len(questions)] for i in range(requests)]
    latencies: list[float] = []
    errors = 0

    def worker(chunk: list[str]) -> tuple[list[float], int]:
        times, failed = [], 0
        with httpx.Client(timeout=60) as client:
            for question in chunk:
                started = time.perf_counter()
                try:
                    ok = client.post(url + "/ask", json={"question": question}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                times.append((time.perf_counter() - started) * 1000)
                failed += not ok
        return times, failed

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for times, failed in pool.map(worker, [work[i::clients] for i in range(clients)]):
            latencies += times
            errors += failed
    elapsed = time.perf_counter() - started
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "rps": requests / elapsed,
            "errors": errors, "requests": requests}


# --- scale ----------------------------------------------------------------------------------------------------


def scale(encoder: Encoder, sizes: list[int], items: list[GoldItem], rounds: int) -> list[dict]:
    """Seed + N distractor passages: embed once, then time flat and HNSW search over the same vectors."""
    seed_documents = load_documents(PROJECT_ROOT / "seeds")
    seed_passages = [p for d in seed_documents for p in split_passages(d)]
    sentences = distractor_sentences(max(sizes))
    rows = []
    for size in sizes:
        from index.documents import Document

        filler = [Document(f"distractor-{i // 1000:04d}", "distractor", "\n".join(sentences[i : i + 1000]))
                  for i in range(0, size, 1000)]
        documents = seed_documents + filler
        passages = seed_passages + [p for d in filler for p in split_passages(d)][:size]
        started = time.perf_counter()
        vectors = encoder.encode([p.text for p in passages], show_progress=False)
        embed_seconds = time.perf_counter() - started
        for kind in ("flat", "hnsw"):
            started = time.perf_counter()
            if kind == "flat":
                index = faiss.IndexFlatIP(vectors.shape[1])
            else:
                index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
                index.hnsw.efConstruction, index.hnsw.efSearch = 80, HNSW_EF_SEARCH
            index.add(vectors)
            add_seconds = time.perf_counter() - started
            manifest = Manifest(
                store_format=STORE_FORMAT, splitter_version=SPLITTER_VERSION, model=encoder.model,
                dimension=vectors.shape[1], corpus_fingerprint="", documents=len(documents), passages=len(passages),
                index_kind=kind, checksums={}, build_seconds=0.0,
            )
            passage_index = PassageIndex({d.doc_id: d for d in documents}, passages, index, manifest)
            started = time.perf_counter()
            pipeline = Pipeline(OpenedIndex(passage_index, "built", "bench"), encoder, Settings(cache_size=0))
            warm_seconds = time.perf_counter() - started
            answerable = [i for i in items if i.answerable]
            found = sum(any(a in h.passage.text for a in i.answers) for i in answerable
                        for h in pipeline.search(i.question, 3)[:1])
            ask_ms = []
            for _ in range(rounds):
                for item in items:
                    started = time.perf_counter()
                    pipeline.ask(item.question)
                    ask_ms.append((time.perf_counter() - started) * 1000)
            rows.append({"passages": len(passages), "kind": kind, "embed_s": embed_seconds, "index_s": add_seconds,
                         "warm_up_s": warm_seconds, "hit1": 100 * found / len(answerable),
                         "ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95)})
            print(rows[-1], flush=True)
    return rows


# --- the report -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    args = parser.parse_args()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    rounds = 1 if args.quick else 3
    items = gold_questions()
    questions = [item.question for item in items]
    workdir = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    shutil.copytree(PROJECT_ROOT / "seeds", workdir / "seeds")
    settings = Settings(seeds_dir=workdir / "seeds", store_dir=workdir / "store", cache_size=0)
    encoder = Encoder(settings.model)
    started = time.perf_counter()
    opened = open_index(settings.seeds_dir, settings.store_dir, encoder)
    build_seconds = time.perf_counter() - started
    pipeline = Pipeline(opened, encoder, settings)
    local = in_process(pipeline, questions, rounds)
    print("in-process", local, flush=True)

    cold = []
    for _ in range(1 if args.quick else 3):
        process, url, seconds = start_server(workdir, 1)
        cold.append(seconds)
        process.terminate()
        process.wait()
    http_rows = []
    for workers in (1, 2):
        process, url, _ = start_server(workdir, workers)
        try:
            for clients in (1, 4, 16):
                requests = (60 if args.quick else 200) * max(1, clients // 2)
                row = http_load(url, questions, clients, requests) | {"workers": workers, "clients": clients}
                http_rows.append(row)
                print(row, flush=True)
            memory = peak_memory_mb(process)
        finally:
            process.terminate()
            process.wait()
        http_rows[-1]["memory_mb"] = memory
    scale_rows = scale(encoder, [int(s) for s in args.sizes.split(",") if s], items, rounds)
    args.out.mkdir(parents=True, exist_ok=True)
    report = render(local, cold, http_rows, scale_rows, build_seconds, len(questions))
    (args.out / "bench.md").write_text(report, encoding="utf-8")
    print(report)


def render(local: dict, cold: list[float], http_rows: list[dict], scale_rows: list[dict], build_s: float, n: int) -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    one_client = next(r for r in http_rows if r["workers"] == 1 and r["clients"] == 1)
    lines = [
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, torch threads "
        f"{__import__('torch').get_num_threads()}. Command: `.venv/bin/python -m bench.run`. Cache off.",
        "",
        f"**In process** ({n} gold questions x rounds, interleaved):",
        "",
        "| | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| bare question encoding (MiniLM) | {local['encode_p50']:.2f} | {local['encode_p95']:.2f} |",
        f"| full `ask` (retrieve + read + decide) | {local['ask_p50']:.2f} | {local['ask_p95']:.2f} |",
        f"| **ratio ask / encode (p50)** | **{local['ratio_p50']:.2f}x** | |",
        "",
        f"**HTTP `/ask`** (real uvicorn; 1-client p50 is {one_client['p50'] - local['ask_p50']:+.2f} ms vs in-process):",
        "",
        "| workers | clients | requests | errors | p50 ms | p95 ms | req/s |",
        "|---|---|---|---|---|---|---|",
        *[f"| {r['workers']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50']:.1f} | {r['p95']:.1f} | "
          f"{r['rps']:.1f} |" for r in http_rows],
        "",
        f"**Start-up**: index build (first run, model load included) {build_s:.1f} s; cold start, process start to "
        f"first answer with the index built and a warm disk cache: median {statistics.median(cold):.2f} s "
        f"(runs: {', '.join(f'{c:.2f}' for c in cold)}); peak memory "
        + ", ".join(f"{r['workers']} worker(s) {r['memory_mb']:.0f} MB" for r in http_rows if "memory_mb" in r) + ".",
        "",
        "**Scale** (seed + distractor passages of real English from installed packages' docs and licences; "
        "hit@1 = the gold answer's passage ranked first, answerable gold questions):",
        "",
        "| passages | FAISS | embed s | index s | warm-up s | hit@1 % | ask p50 ms | ask p95 ms |",
        "|---|---|---|---|---|---|---|---|",
        *[f"| {r['passages']} | {r['kind']} | {r['embed_s']:.1f} | {r['index_s']:.2f} | {r['warm_up_s']:.1f} | "
          f"{r['hit1']:.1f} | {r['ask_p50']:.1f} | {r['ask_p95']:.1f} |" for r in scale_rows],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

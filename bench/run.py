"""The benchmark: everything measured side by side in one run, written as a markdown table.

    .venv/bin/python -m bench.run --out bench-out            # about 30 minutes on 2 cores (100k distractors)
    .venv/bin/python -m bench.run --sizes 0                  # everything but the distractors: about 2 minutes
    .venv/bin/python -m bench.run --sizes 1000 --quick       # a smoke run

Sections: in-process ``ask`` vs the bare question encoding; one client's ``/ask`` and ``/health`` against the
in-process ``ask`` and the machine's floor (:mod:`bench.bare_server`); HTTP ``/ask`` with 1, 4 and 16 clients on
1 and 2 workers; cold start and peak memory; index build and query latency as distractor passages are added (flat, the
product-quantised index served from ``approximate_from`` passages, and HNSW for comparison). Caching is off everywhere
(``QA_CACHE_SIZE=0``) so every request does the full work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import faiss
import httpx
import numpy as np

from bench.distractors import distractor_sentences
from index.documents import Document, load_documents
from index.embedder import SentenceEmbedder, Embedder
from index.store import (
    PQ_CENTROIDS,
    SPLITTER_VERSION,
    STORE_FORMAT,
    Manifest,
    LoadedIndex,
    PassageIndex,
    vector_index,
)
from index.preparation import prepare_passages
from qa.gold import GoldItem, load_gold
from qa.library import load_configured_index
from qa.pipeline import AskResult, Pipeline
from qa.retrieve import CANDIDATES
from qa.settings import PROJECT_ROOT, Settings

GOLD = PROJECT_ROOT / "gold" / "seed-article.jsonl"
# The scale rows' third kind, not served: an HNSW index, for comparison with the product-quantised one served.
HNSW_LINKS, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 1024
SCALE_KINDS = ("flat", "pq-refine", "hnsw")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def gold_questions() -> list[GoldItem]:
    return [item for item in load_gold(GOLD) if not item.history]


def every_gold_question() -> list[GoldItem]:
    """The answerable single-turn questions of every gold file about the seed article, tuned on or not (about
    five times as many as the shipped set)."""
    files = [GOLD, *sorted((GOLD.parent / "tuned").glob("*.jsonl")), *sorted((GOLD.parent / "unseen").glob("*.jsonl"))]
    return [item for path in files for item in load_gold(path) if item.answerable and not item.history]


# --- in-process ---------------------------------------------------------------------------------------------


class TimedEncoder:
    """A question encoder that remembers how long its last call took, so an ``ask`` can be split into the encode
    and what follows it, call by call."""

    def __init__(self, encoder: Embedder) -> None:
        self.encoder = encoder
        self.model = encoder.model
        self.last_ms = 0.0

    def warm_up(self) -> None:
        self.encoder.warm_up()

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.encoder.encode(texts, show_progress=show_progress)
        self.last_ms = (time.perf_counter() - started) * 1000
        return vectors


class SentenceTransformersEncode:
    """The baseline: sentence-transformers' own ``encode`` of one question, as a naive pipeline calls it."""

    def __init__(self, encoder: SentenceEmbedder) -> None:
        self.model = encoder.model
        self.transformer = encoder.transformer

    def warm_up(self) -> None:
        pass

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        return self.transformer.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def in_process(pipelines: dict[str, Pipeline], encoders: dict[str, Embedder], questions: list[str], rounds: int) -> dict:
    """Time the bare encode of each encoder and the full ask of each pipeline, side by side in one run.

    Per round, each encoder gets two blocks: the bare encode of every question, then the full ask of every
    question with the pipeline of the same name (an encoder without one, like the baseline, only the first).
    Blocks alternate, so machine drift hits both. Calls of different encoders are not interleaved one by one:
    ONNX Runtime's threads spin for a moment after each call and measured sentence-transformers at 2.3x its
    time alone. An ask never directly follows the bare encode of the same question: that gave it a head start
    no client gets (probably ONNX Runtime reusing what it allocated for an input of that shape).

    "after encode" is each ask minus its own encode, paired call by call (the pipeline's encoder must be a
    :class:`TimedEncoder`): what retrieval, reading and deciding add, without the drift between two blocks.
    """
    samples: dict[str, list[float]] = {
        f"{kind} {name}": [] for name in encoders for kind in ("encode", "ask", "after encode")
    }
    for round_ in range(rounds + 1):  # round 0 warms caches of phrases, tokenizers, allocators
        for name in encoders:
            pipeline = pipelines.get(name)
            calls = [("encode", lambda q, n=name: encoders[n].encode([q]))] + ([("ask", pipeline.ask)] if pipeline else [])
            timed = pipeline.library.snapshot.retriever.encoder if pipeline else None
            for kind, call in calls:
                for question in questions:
                    started = time.perf_counter()
                    call(question)
                    if round_:
                        elapsed = (time.perf_counter() - started) * 1000
                        samples[f"{kind} {name}"].append(elapsed)
                        if kind == "ask" and isinstance(timed, TimedEncoder):
                            samples[f"after encode {name}"].append(elapsed - timed.last_ms)
    return {name: {"p50": percentile(ms, 50), "p95": percentile(ms, 95)} for name, ms in samples.items() if ms}


READ_COUNTS = (1, 2, 4, 6, 8, 10)


def reading_cost(opened: LoadedIndex, question_encoder: Embedder, baseline: Embedder, settings: Settings,
                 questions: list[str], rounds: int) -> dict[str, float]:
    """p50 of ``ask`` by how many retrieved passages the reader reads (with their neighbours), and of the bare
    sentence-transformers encode, in blocks of every question whose order rotates each round."""
    pipelines = {
        f"reads {n}": Pipeline.over(opened, question_encoder, settings.model_copy(update={"reader_passages": n}))
        for n in READ_COUNTS
    }
    calls = {"bare encode": lambda q: baseline.encode([q])} | {name: p.ask for name, p in pipelines.items()}
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(rounds + 1):  # round 0 warms up
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            for question in questions:
                started = time.perf_counter()
                calls[name](question)
                if round_:
                    samples[name].append((time.perf_counter() - started) * 1000)
    return {name: percentile(ms, 50) for name, ms in samples.items()}


# --- HTTP -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen, str, float, float]:
    """Start ``qa serve``; return it with the seconds to its first answer and to a chat page that loads."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"QA_SEEDS_DIR": str(workdir / "seeds"), "QA_STORE_DIR": str(workdir / "store"),
                        "QA_CACHE_SIZE": "0", "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    answered = None

    def chat_loads_after_an_answer() -> bool:
        nonlocal answered
        if answered is None:
            if httpx.post(url + "/ask", json={"question": "Who was indicted in 2020?"}, timeout=2).status_code != 200:
                return False
            answered = time.perf_counter() - started
        return httpx.get(url + "/ui/", timeout=2).status_code == 200

    process = _launched([sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--workers", str(workers)],
                        workdir / f"server-{port}.log", chat_loads_after_an_answer, env)
    return process, url, answered, time.perf_counter() - started


def start_bare_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start :mod:`bench.bare_server` on uvicorn as ``qa serve`` runs it (log level info: the access log on)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _launched([sys.executable, "-m", "uvicorn", "bench.bare_server:app", "--port", str(port),
                         "--log-level", "info"], workdir / f"bare-{port}.log",
                        lambda: httpx.get(url, timeout=2).status_code == 200)
    return process, url


def _launched(command: list[str], log_path: Path, ready, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``command`` (output to ``log_path``) and poll ``ready()`` until it holds. If the process exits
    first, raise with the log's tail; if the wait fails or is interrupted, leave no process behind."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(log_path.read_text()[-2000:])
            try:
                if ready():
                    return process
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    except BaseException:
        process.terminate()
        process.wait()
        raise


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


def one_client(url: str, bare_url: str, questions: list[str], rounds: int, pipeline: Pipeline) -> dict[str, float]:
    """p50s from one keep-alive client, in blocks that alternate round by round, so that machine drift hits all:
    per round, with the stdlib client and with httpx, a block of ``/ask`` over every question, a block of
    ``GET /health`` (what any endpoint costs before it does work), and a block each of ``GET`` and of ``POST``
    with ``/ask``'s body to the bare ASGI app at ``bare_url`` (:mod:`bench.bare_server`: the machine's floor);
    and a block of ``pipeline.ask`` in this process (the in-process figure in the same rounds). The order
    rotates each round. "pipeline" is the pipeline's own time inside the server (``timings_ms.total``) in the
    stdlib client's answers.

    Blocks, not requests interleaved one by one: between two processes taking turns on the same questions each
    ``ask`` runs after the other process's, which slowed both by 3-5 ms, a cost no client of a running server pays.
    """
    samples: dict[str, list[float]] = {}
    with (closing(http.client.HTTPConnection(*_host_port(url), timeout=60)) as server,
          closing(http.client.HTTPConnection(*_host_port(bare_url), timeout=60)) as bare,
          httpx.Client(timeout=60) as client):

        def stdlib_call(connection: http.client.HTTPConnection, method: str, path: str,
                        body: str | None = None) -> bytes:
            headers = {"content-type": "application/json"} if body else {}
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionError):  # idle past uvicorn's keep-alive (5 s)
                connection.close()
                connection.request(method, path, body, headers)
                response = connection.getresponse()
            content = response.read()
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}: {content[:200]!r}")
            return content

        def ask_body(question: str) -> str:
            return json.dumps({"question": question})

        blocks = {
            "ask in process": pipeline.ask,
            "ask stdlib": lambda q: stdlib_call(server, "POST", "/ask", ask_body(q)),
            "ask httpx": lambda q: client.post(url + "/ask", json={"question": q}).raise_for_status().content,
            "health stdlib": lambda q: stdlib_call(server, "GET", "/health"),
            "health httpx": lambda q: client.get(url + "/health").raise_for_status().content,
            "bare get stdlib": lambda q: stdlib_call(bare, "GET", "/"),
            "bare get httpx": lambda q: client.get(bare_url).raise_for_status().content,
            "bare post stdlib": lambda q: stdlib_call(bare, "POST", "/", ask_body(q)),
            "bare post httpx": lambda q: client.post(bare_url, json={"question": q}).raise_for_status().content,
        }
        names = list(blocks)
        for round_ in range(rounds + 1):  # round 0 warms both processes' caches
            for name in names[round_ % len(names):] + names[: round_ % len(names)]:
                for question in questions:
                    started = time.perf_counter()
                    result = blocks[name](question)
                    if round_:
                        samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                        if name == "ask stdlib":
                            samples.setdefault("pipeline", []).append(json.loads(result)["timings_ms"]["total"])
    return {name: percentile(times, 50) for name, times in samples.items()}


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


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


def cites_an_answer(response: AskResult, item: GoldItem) -> bool:
    return bool(response.citations) and any(a in response.citations[0].passage.text for a in item.answers)


def scale(encoder: SentenceEmbedder, question_encoder: Embedder, sizes: list[int], items: list[GoldItem], rounds: int,
          wider: list[GoldItem]) -> list[dict]:
    """Seed + N distractor passages: embed once, then time each of ``SCALE_KINDS`` over the same vectors. ``items``
    are timed and their citations counted every round; ``wider`` (answerable) questions are asked once, for a
    citation rate on more questions than the timed ones. Each round also times the article alone (flat), in
    blocks alternating with the size's, so that the ratio of the two is not the machine's drift between sizes."""
    seed_documents = load_documents(PROJECT_ROOT / "seeds")
    sentences = distractor_sentences(max(sizes))
    all_filler = [Document(f"distractor-{i // 1000:04d}", "distractor", "\n".join(sentences[i : i + 1000]))
                  for i in range(0, max(sizes), 1000)]
    started = time.perf_counter()
    all_passages, all_parses = prepare_passages(seed_documents + all_filler)  # as the index build does
    seed_ids = {d.doc_id for d in seed_documents}
    seed_count = sum(p.doc_id in seed_ids for p in all_passages)
    print(f"parsed {len(all_passages)} passages in {time.perf_counter() - started:.0f} s", flush=True)

    def pipeline_over(size: int, vectors: np.ndarray, kind: str) -> tuple[Pipeline, float, float]:
        """The pipeline over the seed and ``size`` distractor passages, with the seconds to add the vectors to
        the index and to warm it up."""
        passages = all_passages[: seed_count + size]
        documents = seed_documents + all_filler[: -(-size // 1000)]
        started = time.perf_counter()
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction, index.hnsw.efSearch = HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH
            index.add(vectors)
        else:
            index = vector_index(vectors, kind)
        add_seconds = time.perf_counter() - started
        manifest = Manifest(
            store_format=STORE_FORMAT, splitter_version=SPLITTER_VERSION, model=encoder.model, query_encoder="onnx",
            dimension=vectors.shape[1], corpus_fingerprint="", documents=len(documents), passages=len(passages),
            index_kind=kind, checksums={}, build_seconds=0.0,
        )
        passage_index = PassageIndex({d.doc_id: d for d in documents}, passages, index, manifest,
                                     all_parses[: len(passages)])
        started = time.perf_counter()
        pipeline = Pipeline.over(LoadedIndex(passage_index, "built", "bench"), question_encoder, Settings(cache_size=0))
        return pipeline, add_seconds, time.perf_counter() - started

    article_alone, *_ = pipeline_over(0, encoder.encode([p.search_text for p in all_passages[:seed_count]]), "flat")
    answerable = [i for i in items if i.answerable]
    question_vectors = np.vstack([question_encoder.encode([item.question]) for item in items])
    rows = []
    for size in sizes:
        started = time.perf_counter()
        vectors = encoder.encode([p.search_text for p in all_passages[: seed_count + size]], show_progress=False)
        embed_seconds = time.perf_counter() - started
        for kind in SCALE_KINDS if len(vectors) >= PQ_CENTROIDS else ("flat",):  # quantisers need passages to train on
            pipeline, add_seconds, warm_seconds = pipeline_over(size, vectors, kind)
            found = sum(any(a in h.passage.text for a in i.answers) for i in answerable
                        for h in pipeline.search(i.question, 3)[:1])
            ask_ms, article_ms, cited = [], [], 0
            for round_ in range(rounds):
                blocks = [(pipeline, ask_ms), (article_alone, article_ms)]
                for timed, samples in blocks if round_ % 2 == 0 else blocks[::-1]:
                    for item in items:
                        started = time.perf_counter()
                        response = timed.ask(item.question)
                        samples.append((time.perf_counter() - started) * 1000)
                        if timed is pipeline:
                            cited += item.answerable and cites_an_answer(response, item)
            wider_cited = sum(cites_an_answer(pipeline.ask(item.question), item) for item in wider)
            search_ms = []  # FAISS alone, on the questions' vectors: where flat search stops being cheap
            for _ in range(rounds):
                for vector in question_vectors:
                    started = time.perf_counter()
                    pipeline.library.snapshot.index.dense_search(vector[None], CANDIDATES)
                    search_ms.append((time.perf_counter() - started) * 1000)
            rows.append({"passages": seed_count + size, "kind": kind, "embed_s": embed_seconds,
                         "index_s": add_seconds, "warm_up_s": warm_seconds, "hit1": 100 * found / len(answerable),
                         "cited1": 100 * cited / (len(answerable) * rounds),
                         "wider_cited1": 100 * wider_cited / max(1, len(wider)), "wider": len(wider),
                         "search_p50": percentile(search_ms, 50),
                         "ask_p50": percentile(ask_ms, 50), "ask_p95": percentile(ask_ms, 95),
                         "article_p50": percentile(article_ms, 50)})
            print(rows[-1], flush=True)
    return rows


# --- the report -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--sizes", default="0,1000,10000,100000", help="distractor passages; 0 = the article alone")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    args = parser.parse_args()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    # `kill` (SIGTERM) unwinds like Ctrl-C, so the `finally` blocks stop the servers this run started
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    rounds = 1 if args.quick else 3
    items = gold_questions()
    questions = [item.question for item in items]
    workdir = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    shutil.copytree(PROJECT_ROOT / "seeds", workdir / "seeds")
    settings = Settings(seeds_dir=workdir / "seeds", store_dir=workdir / "store", cache_size=0)
    started = time.perf_counter()
    opened, question_encoder = load_configured_index(settings)
    build_seconds = time.perf_counter() - started
    encoder = SentenceEmbedder(settings.model)  # torch: embeds the passages; one question goes straight through its network
    encoders = {"sentence-transformers": SentenceTransformersEncode(encoder), "torch": encoder, "onnx": question_encoder}
    pipelines = {
        "torch": Pipeline.over(opened, TimedEncoder(encoder), settings),
        "onnx": Pipeline.over(opened, TimedEncoder(question_encoder), settings),
    }
    local = in_process(pipelines, encoders, questions, rounds)
    print("in-process", local, flush=True)
    reading = reading_cost(opened, question_encoder, encoders["sentence-transformers"], settings, questions, rounds)
    print("reading", reading, flush=True)

    cold = []
    for _ in range(1 if args.quick else 3):
        process, url, answered, chat_ready = start_server(workdir, 1)
        try:
            cold.append((answered, chat_ready))
        finally:
            process.terminate()
            process.wait()
    http_rows = []
    for workers in (1, 2):
        process, url, *_ = start_server(workdir, workers)
        try:
            if workers == 1:
                in_this_process = Pipeline.over(opened, question_encoder, settings)
                bare, bare_url = start_bare_server(workdir)
                try:
                    single = one_client(url, bare_url, questions, rounds + 2, in_this_process)
                finally:
                    bare.terminate()
                    bare.wait()
                print("one client", single, flush=True)
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
    sizes = [int(s) for s in args.sizes.split(",") if s]
    scale_rows = scale(encoder, question_encoder, sizes, items, rounds, every_gold_question())
    args.out.mkdir(parents=True, exist_ok=True)
    report = render(local, reading, cold, http_rows, scale_rows, build_seconds, len(questions), rounds, single)
    (args.out / "bench.md").write_text(report, encoding="utf-8")
    print(report)


LABELS = {
    "encode sentence-transformers": "bare question encoding, `SentenceTransformer.encode` (torch): the baseline",
    "encode torch": "bare question encoding, the torch encoder (the same network, one text straight through it)",
    "ask torch": "full `ask` with the torch encoder (retrieve + read + decide)",
    "after encode torch": "… of which after its encode (paired per call)",
    "encode onnx": "bare question encoding, ONNX Runtime copy",
    "ask onnx": "full `ask` as served (ONNX encoder)",
    "after encode onnx": "… of which after its encode (paired per call), as served",
}


def render(local: dict, reading: dict[str, float], cold: list[tuple[float, float]], http_rows: list[dict],
           scale_rows: list[dict], build_s: float, n: int, rounds: int, single: dict[str, float]) -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    baseline = local["encode sentence-transformers"]["p50"]
    lines = [
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}. "
        "Command: `.venv/bin/python -m bench.run`. Cache off.",
        "",
        f"**In process** ({n} gold questions x {rounds} rounds; per round, each encoder a block of bare encodes, then a block of asks):",
        "",
        "| | p50 ms | p95 ms | p50 / bare sentence-transformers encode |",
        "|---|---|---|---|",
        *[f"| {LABELS[name]} | {row['p50']:.2f} | {row['p95']:.2f} | {row['p50'] / baseline:.2f}x |"
          for name, row in local.items()],
        "",
        f"**What reading costs** (`ask` as served by how many retrieved passages the reader reads, each with its "
        f"neighbours; blocks of every question in an order rotating each round, with the bare encode; the default "
        f"reads {Settings().reader_passages}):",
        "",
        "| passages read | `ask` p50 ms | / bare sentence-transformers encode | ms per passage over the row before |",
        "|---|---|---|---|",
        *[f"| {n} | {reading[f'reads {n}']:.2f} | {reading[f'reads {n}'] / reading['bare encode']:.2f}x | "
          + (f"{(reading[f'reads {n}'] - reading[f'reads {m}']) / (n - m):+.2f} |" if m else "– |")
          for m, n in zip((0, *READ_COUNTS), READ_COUNTS)],
        f"| bare encode, same rounds | {reading['bare encode']:.2f} | 1.00x | |",
        "",
        f"**One client, 1 worker** (keep-alive; p50 ms over {rounds + 2} rounds, each a block of every question "
        "per row, the blocks alternating; the in-process `ask` timed in the same rounds):",
        "",
        "| | stdlib `http.client` | httpx |",
        "|---|---|---|",
        f"| `POST /ask` | {single['ask stdlib']:.2f} | {single['ask httpx']:.2f} |",
        f"| `GET /health` (a trivial endpoint) | {single['health stdlib']:.2f} | {single['health httpx']:.2f} |",
        f"| the machine's floor: `GET` to a bare ASGI app on the same uvicorn (`bench/bare_server.py`) | "
        f"{single['bare get stdlib']:.2f} | {single['bare get httpx']:.2f} |",
        f"| … `POST` with `/ask`'s body to it | {single['bare post stdlib']:.2f} | {single['bare post httpx']:.2f} |",
        f"| `/ask` minus in-process `ask` in the same rounds ({single['ask in process']:.2f}) | "
        f"{single['ask stdlib'] - single['ask in process']:+.2f} | "
        f"{single['ask httpx'] - single['ask in process']:+.2f} |",
        f"| `/ask` minus the pipeline's own time in the same requests ({single['pipeline']:.2f}) | "
        f"{single['ask stdlib'] - single['pipeline']:+.2f} | {single['ask httpx'] - single['pipeline']:+.2f} |",
        "",
        "**HTTP `/ask` under load** (real uvicorn, httpx clients in threads):",
        "",
        "| workers | clients | requests | errors | p50 ms | p95 ms | req/s |",
        "|---|---|---|---|---|---|---|",
        *[f"| {r['workers']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50']:.1f} | {r['p95']:.1f} | "
          f"{r['rps']:.1f} |" for r in http_rows],
        "",
        f"**Start-up**: index build (first run, model load and ONNX export included) {build_s:.1f} s; cold start, "
        "process start to first answer with the index built and a warm disk cache: median "
        f"{statistics.median(c[0] for c in cold):.2f} s (runs: {', '.join(f'{c[0]:.2f}' for c in cold)}); "
        f"to the chat page: median {statistics.median(c[1] for c in cold):.2f} s; peak memory "
        + ", ".join(f"{r['workers']} worker(s) {r['memory_mb']:.0f} MB" for r in http_rows if "memory_mb" in r) + ".",
        "",
        "**Scale** (seed + distractor passages of real English from installed packages' docs and licences; "
        "search hit@1 = `search` ranks a passage holding a gold answer first; `ask` cited@1 = the first "
        "passage `ask` cites holds one; answerable questions of the shipped gold set, and of every gold file "
        f"({scale_rows[0]['wider'] if scale_rows else 0} questions)):",
        "",
        ("| passages | FAISS | embed s | index s | warm-up s | search hit@1 % | `ask` cited@1 % | every gold file: "
         "cited@1 % | FAISS search p50 ms | ask p50 ms | ask p95 ms | article alone, same rounds: p50 ms | "
         "ask p50 / article alone |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[f"| {r['passages']} | {r['kind']} | {r['embed_s']:.1f} | {r['index_s']:.2f} | {r['warm_up_s']:.1f} | "
          f"{r['hit1']:.1f} | {r['cited1']:.1f} | {r['wider_cited1']:.1f} | {r['search_p50']:.2f} | "
          f"{r['ask_p50']:.1f} | "
          f"{r['ask_p95']:.1f} | {r['article_p50']:.1f} | {r['ask_p50'] / r['article_p50']:.2f}x |" for r in scale_rows],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

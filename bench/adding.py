"""What adding a document costs: a real 55-page PDF (NIST's Cybersecurity Framework 1.1) added to a running
index, against indexing that PDF alone and against rebuilding the whole index with it, side by side, over indexes
of two sizes.

    .venv/bin/python -m bench.adding --out bench-out      # about 5 minutes on 2 cores

The PDF is read from where it lives (``--pdf``; by default the shared documents folder beside the data folder);
without it, a 50-page PDF of the machine's package documentation is made instead. Each way is timed ``--rounds``
times in turn (median quoted). "Added" is :meth:`DocumentLibrary.add` from the file's bytes to the new index
serving, its store written (its reader's worker process already started; the first add, which starts it, is
reported apart); "the PDF alone" is reading it and building an index of it alone; "rebuilt" is building an index
of every document, the PDF included. All three embed with the same encoder (the ONNX copy that serves
questions). Writes ``adding.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.distractors import distractor_sentences
from index.documents import load_documents, read_document
from index.store import build_index
from qa.datasets import squad_set
from qa.gold import squad_corpus
from qa.pipeline import Pipeline
from qa.settings import PROJECT_ROOT, Settings

PAGES = 50  # of the PDF made when the real one is not at hand
SENTENCES_PER_PAGE = 14
REAL_PDF = "nist-cybersecurity-framework-v1-1.pdf"  # in the shared documents folder (55 pages, a public report)
HELDOUT = "squad2-heldout"  # a set of qa.datasets, read from the data folder (QA_DATA_DIR)


def fifty_page_pdf(pages: int = PAGES) -> bytes:
    """A PDF of ``pages`` pages of real English prose (the machine's package documentation), with a text layer."""
    from fpdf import FPDF

    sentences = distractor_sentences(pages * SENTENCES_PER_PAGE)
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for page in range(pages):
        pdf.add_page()
        chunk = sentences[page * SENTENCES_PER_PAGE : (page + 1) * SENTENCES_PER_PAGE]
        text = " ".join(chunk).encode("latin-1", errors="replace").decode("latin-1")
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def measure(seeds: Path, store: Path, extra_documents, data: bytes, rounds: int) -> dict[str, list[float]]:
    settings = Settings(seeds_dir=seeds, store_dir=store, cache_size=0)
    pipeline = Pipeline.from_settings(settings, documents=extra_documents)
    before = pipeline.library.snapshot.index
    times: dict[str, list[float]] = {"added": [], "the PDF alone": [], "rebuilt": []}
    started = time.perf_counter()
    added = pipeline.library.add("report.pdf", data)  # starts the reader's worker process
    times["first added"] = [time.perf_counter() - started]
    pipeline.library.remove(added.doc_id)
    for _ in range(rounds):
        started = time.perf_counter()
        added = pipeline.library.add("report.pdf", data)
        times["added"].append(time.perf_counter() - started)
        pipeline.library.remove(added.doc_id)
        started = time.perf_counter()
        document = read_document("report.pdf", data)
        build_index([document], pipeline.library.embedder)
        times["the PDF alone"].append(time.perf_counter() - started)
        started = time.perf_counter()
        document = read_document("report.pdf", data)
        build_index([*before.documents.values(), document], pipeline.library.embedder)
        times["rebuilt"].append(time.perf_counter() - started)
    times["passages before"] = [len(before.passages)]
    times["pdf passages"] = [len(build_index([read_document("report.pdf", data)], pipeline.library.embedder).passages)]
    pipeline.library.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pdf", type=Path, default=Settings().data_dir.parent / "documents" / REAL_PDF)
    args = parser.parse_args()
    if args.pdf.is_file():
        data, what = args.pdf.read_bytes(), f"the {len(read_document(args.pdf.name, args.pdf.read_bytes()).pages)}-page PDF {args.pdf.name}"
    else:
        data, what = fifty_page_pdf(), f"a {PAGES}-page PDF of package documentation ({args.pdf} not found)"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        seeds = Path(scratch) / "seeds"
        shutil.copytree(PROJECT_ROOT / "seeds", seeds)
        seed_documents = load_documents(seeds)
        heldout = squad_corpus(squad_set(HELDOUT, Settings().data_dir), HELDOUT).documents
        for label, documents in (("the seed article", None),
                                 ("the seed article and 3 SQuAD articles", seed_documents + heldout)):
            times = measure(seeds, Path(scratch) / f"store-{len(rows)}", documents, data, args.rounds)
            rows.append((label, times))
    lines = [
        f"Adding {what} ({len(data) / 1e3:.0f} kB) to a running index, median of {args.rounds} "
        "(command: `.venv/bin/python -m bench.adding`).",
        "",
        "| index before | its passages | PDF passages | first added (s) | added (s) | the PDF alone (s) | "
        "rebuilt with it (s) | added / alone | rebuilt / added |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, times in rows:
        added, alone, rebuilt = (statistics.median(times[k]) for k in ("added", "the PDF alone", "rebuilt"))
        lines.append(f"| {label} | {times['passages before'][0]} | {times['pdf passages'][0]} | "
                     f"{times['first added'][0]:.2f} | {added:.2f} | {alone:.2f} | {rebuilt:.2f} | "
                     f"{added / alone:.2f} | {rebuilt / added:.2f} |")
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "adding.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

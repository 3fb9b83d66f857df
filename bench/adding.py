"""What adding a document costs: a 50-page PDF added to a running index, against indexing that PDF alone and
against rebuilding the whole index with it, side by side, over indexes of two sizes.

    .venv/bin/python -m bench.adding --out bench-out      # about 5 minutes on 2 cores

Each way is timed ``--rounds`` times in turn (median quoted). "Added" is :meth:`DocumentLibrary.add` from the
file's bytes to the new index serving, its store written; "the PDF alone" is reading it and building an index of
it alone; "rebuilt" is building an index of every document, the PDF included. All three embed with the same
encoder (the ONNX copy that serves questions). Writes ``adding.md`` (and prints it).
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

PAGES = 50
SENTENCES_PER_PAGE = 14
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
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = fifty_page_pdf()
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
        f"Adding a {PAGES}-page PDF ({len(data) / 1e3:.0f} kB) to a running index, median of {args.rounds} "
        "(command: `.venv/bin/python -m bench.adding`).",
        "",
        "| index before | its passages | PDF passages | added (s) | the PDF alone (s) | rebuilt with it (s) | "
        "added / alone | rebuilt / added |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, times in rows:
        added, alone, rebuilt = (statistics.median(times[k]) for k in ("added", "the PDF alone", "rebuilt"))
        lines.append(f"| {label} | {times['passages before'][0]} | {times['pdf passages'][0]} | {added:.2f} | "
                     f"{alone:.2f} | {rebuilt:.2f} | {added / alone:.2f} | {rebuilt / added:.2f} |")
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "adding.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

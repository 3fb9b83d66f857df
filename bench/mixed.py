"""Documents must not hurt each other: the seed article alone, then in one corpus with the held-out articles.

    .venv/bin/python -m bench.mixed --out bench-out      # about 3 minutes on 2 cores

For the seed article's shipped gold set, the figures alone and in the mix side by side; for every answerable
question of both sets asked in the mix, how often the first citation comes from the question's own document.
Writes ``mixed.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from index.documents import load_documents
from qa.evaluate import ItemResult, metrics, run
from qa.datasets import squad_set
from qa.gold import load_gold, squad_corpus
from qa.pipeline import Pipeline
from qa.settings import PROJECT_ROOT, Settings

SEED_GOLD = PROJECT_ROOT / "gold" / "seed-article.jsonl"
HELDOUT = "squad2-heldout"  # a set of qa.datasets, read from the data folder (QA_DATA_DIR)
KEYS = (("HasAns F1", "HasAns_f1"), ("HasAns EM", "HasAns_exact"), ("unanswerable refused %", "NoAns_exact"),
        ("answerable wrongly refused %", "wrongly_refused"), ("F1", "f1"), ("cited top-1 %", "hit@1"),
        ("cited top-3 %", "hit@3"), ("verbatim %", "verbatim"))


def right_document(results: list[ItemResult], expected: dict[str, str]) -> tuple[int, int]:
    """Answerable questions whose first citation is from their own document, and how many were asked."""
    answerable = [r for r in results if r.item.answerable]
    right = sum(bool(r.response.citations) and r.response.citations[0].passage.doc_id == expected[r.item.id]
                for r in answerable)
    return right, len(answerable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    seeds = load_documents(PROJECT_ROOT / "seeds")
    seed_items = load_gold(SEED_GOLD)
    heldout = squad_corpus(squad_set(HELDOUT, Settings().data_dir), HELDOUT)
    expected = {item.id: seeds[0].doc_id for item in seed_items}
    expected |= {item.id: item.spans[0].doc_id for item in heldout.items if item.spans}
    with tempfile.TemporaryDirectory() as scratch:
        alone = Pipeline.from_settings(Settings(store_dir=Path(scratch) / "alone", cache_size=0), documents=seeds)
        seed_alone = run(alone, seed_items, progress=True)
        mixed = Pipeline.from_settings(Settings(store_dir=Path(scratch) / "mixed", cache_size=0),
                                       documents=seeds + heldout.documents)
        seed_mixed = run(mixed, seed_items, progress=True)
        heldout_mixed = run(mixed, heldout.items, progress=True)
    before, after = metrics(seed_alone), metrics(seed_mixed)
    right_seed, asked_seed = right_document(seed_mixed, expected)
    right_heldout, asked_heldout = right_document(heldout_mixed, expected)
    lines = [
        f"Seed article alone, then with the {len(heldout.documents)} held-out articles in one corpus "
        "(command: `.venv/bin/python -m bench.mixed`).",
        "",
        f"| `{SEED_GOLD.relative_to(PROJECT_ROOT)}` | alone | in the mix | change |",
        "|---|---|---|---|",
        *[f"| {label} | {before[key]} | {after[key]} | {after[key] - before[key]:+.2f} |" for label, key in KEYS],
        "",
        f"First citation from the question's own document, answerable questions asked in the mix: seed article "
        f"{right_seed} of {asked_seed}, held-out articles {right_heldout} of {asked_heldout}: "
        f"{100 * (right_seed + right_heldout) / (asked_seed + asked_heldout):.1f}%.",
        "",
    ]
    report = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mixed.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

"""Training throughput by design choice, side by side: bfloat16 against float32, batch size, length bucketing,
and window length.

    .venv/bin/python -m bench.training --out bench-out      # about 10 minutes on 2 cores

Each choice trains on the examples of the same ``--questions`` questions of SQuAD v1.1's training articles (the
set ``squad1-train``, read from the data folder), ``--steps`` steps at a time, for ``--rounds`` rounds taken in turn
(the first two steps of each block not timed); the report gives each one's median examples a second, its mean
word pieces per example, and its ratio to the shipped settings. Without bucketing, batches are drawn in random
order instead of being packed by length (so they carry more padding). What the choices teach is measured by
training (docs/experiments.md); this is their cost. Writes ``training.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from unittest import mock

from index.embedder import BUNDLED_MODEL, resolve_model
from qa.datasets import squad_set
from qa.gold import squad_corpus
from qa.reader import ReaderConfig
from qa.settings import Settings
from train import fit as fitting
from train.fit import Hyperparameters, features, fit, load_tokenizer
from train.run import WINDOW_SET
from train.windows import MAX_WINDOW_CHARS, MIN_WINDOW_CHARS, window_examples

SHIPPED = Hyperparameters()
SHORT = (MIN_WINDOW_CHARS, MAX_WINDOW_CHARS)
# name: (window characters, hyperparameters, length bucketing)
CHOICES = {
    f"shipped: bfloat16, batches of {SHIPPED.batch_size}, bucketed, windows of {SHORT[0]}-{SHORT[1]}":
        (SHORT, SHIPPED, True),
    "float32": (SHORT, replace(SHIPPED, bf16=False), True),
    f"batches of {2 * SHIPPED.batch_size}": (SHORT, replace(SHIPPED, batch_size=2 * SHIPPED.batch_size), True),
    "no length bucketing": (SHORT, SHIPPED, False),
    "windows of 500-800 characters (about a passage)": ((500, 800), SHIPPED, True),
}


def _unsorted(groups, size):
    """:func:`train.fit._packed` without sorting by length: batches in the order the questions were shuffled."""
    batches = [[]]
    for group in groups:
        if batches[-1] and len(batches[-1]) + len(group) > size:
            batches.append([])
        batches[-1] += group
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--data", type=Path, default=None, help="the folder holding the SQuAD files")
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Path(resolve_model(BUNDLED_MODEL))
    tokenizer = load_tokenizer(base / "tokenizer.json")
    corpus = squad_corpus(squad_set(WINDOW_SET, args.data or Settings().data_dir), WINDOW_SET)
    prepared = {}
    for name, (chars, settings, bucketed) in CHOICES.items():
        examples, _ = window_examples(corpus, max_questions=args.questions, seed=13, progress=False,
                                      window_chars=chars)
        labelled = features(examples, tokenizer, ReaderConfig())
        tokens = statistics.mean(len(f.slice.ids) for f in labelled)
        prepared[name] = (labelled, settings, bucketed, tokens)
    rates: dict[str, list[float]] = {name: [] for name in CHOICES}
    for round_ in range(args.rounds):
        for name, (labelled, settings, bucketed, _) in prepared.items():
            stamps = []
            batching = nullcontext() if bucketed else mock.patch.object(fitting, "_packed", _unsorted)
            with batching:
                fit(base, labelled, replace(settings, seed=13 + round_), max_steps=args.steps, progress=False,
                    on_step=lambda step, loss: stamps.append(time.perf_counter()))
            seconds = stamps[-1] - stamps[1]
            rates[name].append(settings.batch_size * (len(stamps) - 2) / seconds)
    shipped = statistics.median(next(iter(rates.values())))
    lines = [
        f"Training throughput, {args.questions} questions' examples, median of {args.rounds} blocks of "
        f"{args.steps} steps (command: `.venv/bin/python -m bench.training`).",
        "",
        "| choice | word pieces per example | examples a second | against the shipped settings |",
        "|---|---|---|---|",
    ]
    for name, (_, _, _, tokens) in prepared.items():
        rate = statistics.median(rates[name])
        lines.append(f"| {name} | {tokens:.0f} | {rate:.1f} | {rate / shipped:.2f} |")
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "training.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

"""Training throughput by design choice, side by side: how many examples a second the reader trains on with
short windows, windows as long as a passage, whole paragraphs, and short windows with the word embeddings frozen.

    .venv/bin/python -m bench.training --out bench-out      # about 5 minutes on 2 cores

Each choice makes the examples of the same ``--questions`` questions of ``data/squad1/train.json.gz``; the
choices then train in turn, ``--steps`` steps at a time, for ``--rounds`` rounds (the first two steps of each
block not timed), and the report gives each one's median examples a second, its mean tokens per example, and its
ratio to the short windows. What the examples teach is measured by training (docs/design.md); this is the cost.
Writes ``training.md`` (and prints it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from index.encoder import BUNDLED_MODEL, resolve_model
from qa.reader import ReaderConfig
from train.fit import Hyperparameters, features, fit, load_tokenizer
from train.reader import WINDOW_FILE
from train.windows import MAX_WINDOW_CHARS, MIN_WINDOW_CHARS, window_examples

CHOICES = {
    f"windows of {MIN_WINDOW_CHARS}-{MAX_WINDOW_CHARS} characters (shipped)": ((MIN_WINDOW_CHARS, MAX_WINDOW_CHARS), False),
    "windows of 500-800 characters (about a passage)": ((500, 800), False),
    "whole paragraphs": ((100_000, 100_000), False),
    f"windows of {MIN_WINDOW_CHARS}-{MAX_WINDOW_CHARS}, word embeddings frozen": ((MIN_WINDOW_CHARS, MAX_WINDOW_CHARS), True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Path(resolve_model(BUNDLED_MODEL))
    tokenizer = load_tokenizer(base / "tokenizer.json")
    config = ReaderConfig()
    prepared = {}
    for name, (chars, frozen) in CHOICES.items():
        examples, _ = window_examples(WINDOW_FILE, max_questions=args.questions, seed=13, progress=False,
                                      window_chars=chars)
        labelled = features(examples, tokenizer, config)
        tokens = statistics.mean(len(f.slice.ids) for f in labelled)
        prepared[name] = (labelled, Hyperparameters(freeze_embeddings=frozen), tokens)
    rates: dict[str, list[float]] = {name: [] for name in CHOICES}
    for round_ in range(args.rounds):
        for name, (labelled, settings, _) in prepared.items():
            stamps = []
            fit(base, labelled, replace(settings, seed=13 + round_), max_steps=args.steps, progress=False,
                on_step=lambda step, loss: stamps.append(time.perf_counter()))
            seconds = stamps[-1] - stamps[1]
            rates[name].append(settings.batch_size * (len(stamps) - 2) / seconds)
    shipped = statistics.median(next(iter(rates.values())))
    lines = [
        f"Training throughput, {args.questions} questions' examples, batches of 32, median of {args.rounds} blocks of "
        f"{args.steps} steps (command: `.venv/bin/python -m bench.training`).",
        "",
        "| choice | word pieces per example | examples a second | against the shipped windows |",
        "|---|---|---|---|",
    ]
    for name, (_, _, tokens) in prepared.items():
        rate = statistics.median(rates[name])
        lines.append(f"| {name} | {tokens:.0f} | {rate:.1f} | {rate / shipped:.2f} |")
    report = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "training.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

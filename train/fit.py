"""Fine-tune a span head and an answerability head on the bundled MiniLM, and export both to ONNX (int8) for serving.

The model is transformers' ``BertForQuestionAnswering`` on the weights of all-MiniLM-L6-v2 (the embedding
model this project already ships): a linear layer turns each token's vector into a start and an end logit.
Training minimises the cross-entropy of the gold start and end tokens; "no answer" is the ``[CLS]`` token.
Beside it, a linear layer on the ``[CLS]`` token's vector says whether the slice holds the answer at all (the
"sketchy reading" of Zhang et al. 2021, Retro-Reader, sharing the encoder so that serving pays one model call):
a binary cross-entropy, weighted by ``answerable_weight``.

The reader compares spans across passages (the best span of all that it read wins), but each slice's softmax
alone does not make one passage's scores comparable with another's. So a question's passages are also scored
together (the shared normalisation of Clark and Gardner 2018, "Simple and Effective Multi-Paragraph Reading
Comprehension"): one softmax over the text tokens of all the slices read for that question, whose target is the
gold answer's tokens, teaches the answer's passage to outscore the passages that do not hold it.

The forward and backward passes run in bfloat16 where the CPU has matrix units for it (``bf16``; weights and
the optimiser stay in float32): 1.5x the examples a second on these machines (``bench.training``).
"""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.reader import CONFIG_FILE, MODEL_FILE, OUTPUTS, TOKENIZER_FILE, ReaderConfig, Slice, encode_pairs, model_inputs
from train.examples import Example


@dataclass(frozen=True, slots=True)
class Feature:
    """One model input with its labels: the answer's first and last token, both 0 for "no answer". ``group``
    numbers the question whose slices are scored together (one question read on several passages)."""

    slice: Slice
    first: int
    last: int
    group: int = 0


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_share: float = 0.1
    seed: int = 13
    shared_norm: float = 1.0  # weight of the loss over a question's passages scored together (0: off)
    answerable_weight: float = 1.0  # weight of the answerability head's loss (0: the head is not trained)
    bf16: bool = True  # autocast the passes to bfloat16


def load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(path))


def features(examples: Sequence[Example], tokenizer, config: ReaderConfig) -> list[Feature]:
    """Tokenise every example as the served reader does and label each slice. The slices of one question (the
    same id and wording; a repeated example's copies are told apart by their count) share a group."""
    made, groups, seen = [], {}, Counter()
    for example in examples:
        key = (example.question_id, example.question, example.text, example.answer)
        copy, seen[key] = seen[key], seen[key] + 1
        group = groups.setdefault((example.question_id, example.question, copy), len(groups))
        for piece in encode_pairs(tokenizer, example.question, [example.text], config):
            made.append(Feature(piece, *_token_span(piece, example.answer), group))
    return made


def _token_span(piece: Slice, answer: tuple[int, int] | None) -> tuple[int, int]:
    """The answer's first and last token in ``piece``, or ``(0, 0)`` when it is not wholly inside the slice."""
    if answer is None:
        return 0, 0
    start, end = answer
    context = [(i, offset) for i, offset in enumerate(piece.offsets) if offset is not None]
    if not context or context[0][1][0] > start or context[-1][1][1] < end:
        return 0, 0
    first = max(i for i, (s, _) in context if s <= start)
    last = min(i for i, (_, e) in context if e >= end)
    return (first, last) if first <= last else (0, 0)


def fit(
    base_model: Path, training: Sequence[Feature], settings: Hyperparameters, *, max_steps: int | None = None,
    progress: bool = True, on_step: Callable[[int, float], None] | None = None,
    on_epoch: Callable[[object, int], None] | None = None, checkpoint: Path | None = None,
    checkpoint_minutes: float = 10.0, initial: dict | None = None,
):
    """Fine-tune ``BertForQuestionAnswering`` from ``base_model`` on ``training``; returns the model (eval mode).

    Batches hold a question's slices together, of similar length, padded to the longest; the loss adds
    :func:`shared_loss` weighted by ``settings.shared_norm``. ``on_step(step, loss)`` is called after every
    optimiser step (and, on resuming, for the steps the checkpoint recorded), ``on_epoch(model, epoch)`` after
    every epoch.

    With ``checkpoint`` (a file), the run's state (weights, optimiser, schedule, step, losses) is saved there
    every ``checkpoint_minutes`` and the run resumes from it when it was saved by the same run (the same
    settings and features): the batches are drawn from the seed, so the resumed run skips the steps already
    taken and goes on as the interrupted one would have. The finished run is saved there too, so that a run
    started again after it (a later stage failed) returns its model at once.

    ``initial``, a state dict of this model, is where fine-tuning starts instead of ``base_model``'s weights with
    new heads (a second pass over other data); it is part of what a checkpoint must match.
    """
    import torch
    from tqdm import tqdm
    from transformers import get_linear_schedule_with_warmup

    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    model = reader_model(base_model)
    if initial is not None:
        model.load_state_dict(initial)
    model.train()
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": settings.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=settings.learning_rate)
    rng = random.Random(settings.seed)
    epochs = [_batches(training, settings.batch_size, rng) for _ in range(settings.epochs)]
    total = sum(map(len, epochs)) if max_steps is None else min(max_steps, sum(map(len, epochs)))
    scheduler = get_linear_schedule_with_warmup(optimizer, int(settings.warmup_share * total), total)
    step, smoothed, losses = 0, None, []
    key = _run_key(settings, training, total, _state_digest(initial) if initial is not None else "")
    if checkpoint is not None and checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("key") == key:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            step, smoothed, losses = state["step"], state["smoothed"], state["losses"]
            torch.set_rng_state(state["rng"])  # dropout's random numbers go on as they would have
            for at, value in enumerate(losses, start=1):
                if on_step:
                    on_step(at, value)
            print(f"Resuming from {checkpoint} at step {step} of {total}.", flush=True)
    resumed_finished = step >= total
    saved_at = time.monotonic()
    bar = tqdm(total=total, initial=step, desc="Training the reader", unit="step", disable=not progress)
    taken = 0
    for epoch, batches in enumerate(epochs, start=1):
        for batch in batches:
            if taken < step:  # taken before the checkpoint
                taken += 1
                continue
            if step >= total:
                break
            loss = batch_loss(model, batch, settings)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            value = float(loss.detach())
            taken += 1
            losses.append(value)
            smoothed = value if smoothed is None else 0.98 * smoothed + 0.02 * value
            bar.update(1)
            bar.set_postfix(loss=f"{smoothed:.3f}")
            if on_step:
                on_step(step, value)
            if checkpoint is not None and time.monotonic() - saved_at > checkpoint_minutes * 60 and step < total:
                _save_checkpoint(checkpoint, _run_state(key, step, smoothed, losses, model, optimizer, scheduler))
                saved_at = time.monotonic()
        if on_epoch and taken >= sum(map(len, epochs[:epoch])):
            on_epoch(model, epoch)
    bar.close()
    if checkpoint is not None and not resumed_finished:
        _save_checkpoint(checkpoint, _run_state(key, step, smoothed, losses, model, optimizer, scheduler))
    return model.eval()


def reader_model(base_model: Path):
    """``BertForQuestionAnswering`` from ``base_model`` (its span head new) with an answerability head on
    ``[CLS]``: called on the three input arrays, it returns the start, end and answerable logits."""
    import torch
    from transformers import BertForQuestionAnswering

    class ReaderModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.span = BertForQuestionAnswering.from_pretrained(str(base_model))
            self.answerable = torch.nn.Linear(self.span.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.span.bert(input_ids=input_ids, attention_mask=attention_mask,
                                    token_type_ids=token_type_ids).last_hidden_state
            start, end = self.span.qa_outputs(hidden).split(1, dim=-1)
            return start.squeeze(-1), end.squeeze(-1), self.answerable(hidden[:, 0]).squeeze(-1)

    return ReaderModel()


def batch_loss(model, batch: Sequence[Feature], settings: Hyperparameters):
    """The training loss of one batch: the span cross-entropy, plus :func:`shared_loss` and the answerability
    head's binary cross-entropy, each by its weight."""
    import torch
    import torch.nn.functional as functional

    inputs = {name: torch.from_numpy(array) for name, array in model_inputs([f.slice for f in batch]).items()}
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
        start_logits, end_logits, answerable_logits = model(**inputs)
    start_logits, end_logits, answerable_logits = start_logits.float(), end_logits.float(), answerable_logits.float()
    firsts = torch.tensor([f.first for f in batch])
    lasts = torch.tensor([f.last for f in batch])
    loss = (functional.cross_entropy(start_logits, firsts) + functional.cross_entropy(end_logits, lasts)) / 2
    if settings.shared_norm:
        loss = loss + settings.shared_norm * shared_loss(batch, start_logits, end_logits)
    if settings.answerable_weight:
        answered = (firsts > 0).float()
        loss = loss + settings.answerable_weight * functional.binary_cross_entropy_with_logits(answerable_logits, answered)
    return loss


def _run_key(settings: Hyperparameters, training: Sequence[Feature], total: int, start: str = "") -> str:
    """What a checkpoint must match to be resumed: the settings, the steps, the features and, for a run that
    starts from trained weights, their digest."""
    digest = hashlib.sha256(repr((asdict(settings), total, len(training))).encode())
    if start:
        digest.update(start.encode())
    for feature in training:
        digest.update(repr((feature.slice.ids, feature.first, feature.last, feature.group)).encode())
    return digest.hexdigest()


def _run_state(key: str, step: int, smoothed, losses: list[float], model, optimizer, scheduler) -> dict:
    """What a checkpoint holds: enough to go on as if never stopped (dropout's random numbers included)."""
    import torch

    return {"key": key, "step": step, "smoothed": smoothed, "losses": losses, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state()}


def _state_digest(state: dict) -> str:
    digest = hashlib.sha256()
    for name, tensor in state.items():
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()


def _save_checkpoint(path: Path, state: dict) -> None:
    """Write ``state`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    partial.replace(path)


def shared_loss(batch: Sequence[Feature], start_logits, end_logits):
    """The cross-entropy of the gold start and end over the text tokens of all of a question's slices together,
    averaged over the batch's questions with an answer and more than one slice (0 when there are none)."""
    import torch

    by_group: dict[int, list[int]] = {}
    for row, feature in enumerate(batch):
        by_group.setdefault(feature.group, []).append(row)
    losses = []
    for rows in by_group.values():
        if len(rows) < 2 or not any(batch[row].first for row in rows):
            continue
        scores, starts, ends = [], [], []
        for row in rows:
            feature = batch[row]
            tokens = [i for i, offset in enumerate(feature.slice.offsets) if offset is not None]
            scores.append((start_logits[row, tokens], end_logits[row, tokens]))
            starts += [i == feature.first for i in tokens]
            ends += [i == feature.last for i in tokens]
        start_scores = torch.cat([start for start, _ in scores])
        end_scores = torch.cat([end for _, end in scores])
        gold_starts, gold_ends = torch.tensor(starts), torch.tensor(ends)
        losses.append(
            (torch.logsumexp(start_scores, 0) - torch.logsumexp(start_scores[gold_starts], 0)
             + torch.logsumexp(end_scores, 0) - torch.logsumexp(end_scores[gold_ends], 0)) / 2
        )
    return torch.stack(losses).mean() if losses else start_logits.new_zeros(())


def _batches(training: Sequence[Feature], size: int, rng: random.Random) -> list[list[Feature]]:
    """Shuffled batches of similar length that keep each question's slices together: shuffle the questions, pack
    runs of about 50 batches' worth into batches (:func:`_packed`), shuffle the batches."""
    groups: dict[int, list[Feature]] = {}
    for feature in training:
        groups.setdefault(feature.group, []).append(feature)
    order = list(groups.values())
    rng.shuffle(order)
    batches: list[list[Feature]] = []
    run: list[list[Feature]] = []
    in_run = 0
    for group in order:
        run.append(group)
        in_run += len(group)
        if in_run >= 50 * size:
            batches += _packed(run, size)
            run, in_run = [], 0
    if run:
        batches += _packed(run, size)
    rng.shuffle(batches)
    return batches


def _packed(groups: list[list[Feature]], size: int) -> list[list[Feature]]:
    """``groups`` sorted by their longest slice, cut into batches of at most ``size`` slices (or one group)."""
    batches: list[list[Feature]] = [[]]
    for group in sorted(groups, key=lambda g: max(len(f.slice.ids) for f in g)):
        if batches[-1] and len(batches[-1]) + len(group) > size:
            batches.append([])
        batches[-1] += group
    return batches


def logits(model, slices: Sequence[Slice], batch_size: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end and answerable logits of ``slices`` from the torch model (padded per batch, so rows are of equal
    length)."""
    import torch

    length = max(len(s.ids) for s in slices)
    starts, ends, answerable = [], [], []
    for at in range(0, len(slices), batch_size):
        batch = list(slices[at : at + batch_size])
        inputs = model_inputs(batch)
        with torch.inference_mode():
            start, end, head = model(**{name: torch.from_numpy(array) for name, array in inputs.items()})
        pad = length - inputs["input_ids"].shape[1]
        starts.append(np.pad(start.numpy(), ((0, 0), (0, pad)), constant_values=-1e4))
        ends.append(np.pad(end.numpy(), ((0, 0), (0, pad)), constant_values=-1e4))
        answerable.append(head.numpy())
    return np.concatenate(starts), np.concatenate(ends), np.concatenate(answerable)


def export(model, tokenizer_file: Path, config: ReaderConfig, out: Path, *, quantize: bool = True) -> None:
    """Write ``reader.onnx`` (start, end and answerable logits; int8 weights, one scale per output channel,
    unless ``quantize`` is off), ``tokenizer.json`` and ``reader.json``."""
    import json
    import tempfile
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    example = {
        "input_ids": torch.ones((2, 16), dtype=torch.long),
        "attention_mask": torch.ones((2, 16), dtype=torch.long),
        "token_type_ids": torch.zeros((2, 16), dtype=torch.long),
    }
    names = list(example)
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "reader-fp32.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model.eval(), tuple(example.values()), str(full), input_names=names,
                output_names=list(OUTPUTS), opset_version=17, dynamo=False,
                dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in [*names, *OUTPUTS[:2]]},
                              OUTPUTS[2]: {0: "batch"}},
            )
        if quantize:
            # One scale per output channel: a single scale per matrix changed the best span of 42% of
            # validation questions against the float model, per channel 19%, at the same speed (docs/performance.md).
            quantize_dynamic(str(full), str(out / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
        else:
            shutil.copyfile(full, out / MODEL_FILE)
    shutil.copyfile(tokenizer_file, out / TOKENIZER_FILE)
    (out / CONFIG_FILE).write_text(json.dumps(config.saved(), indent=2) + "\n", encoding="utf-8")

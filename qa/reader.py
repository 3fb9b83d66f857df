"""The learned extractive reader: a MiniLM span model, run by ONNX Runtime, reading retrieved passages.

Method (as the field writes it; transformers' ``utils_qa.postprocess_qa_predictions``):

1. :func:`encode_pairs` pairs the question with each passage (``[CLS] question [SEP] passage [SEP]``); a passage
   longer than the model's ``max_tokens`` is read in overlapping slices.
2. One ONNX call scores every token as the start and as the end of the answer. Candidate spans pair the
   ``N_BEST`` best starts with the ``N_BEST`` best ends, at most ``max_answer_tokens`` long; a span scores
   ``start_logit + end_logit``.
3. The null score of a slice is the score of its ``[CLS]`` token as start and end; a second head on the ``[CLS]``
   token gives the slice's answerable logit.
4. The margin ``span - null`` of the best span's slice, its answerable logit and a few more signals of the reading
   (:data:`FEATURES`) go through :class:`Decision`, a logistic model fitted on validation articles, into the
   no-answer probability that the pipeline compares with ``no_answer_threshold``.
5. Reading costs about 0.16 ms per word piece on two cores (a passage and question: about 20 ms), so the first
   retrieved passage is read alone, and the next ones (up to ``passages_read``) only when ``sigmoid(margin)`` of
   the first one's span is below ``read_on_below``.
6. Spans of different passages compete by their score minus ``rank_prior * log(1 + rank)``, ``rank`` counting
   retrieved passages from 0: the retriever's ranking as a prior beside the reader's score, as BERTserini (Yang
   et al. 2019) combines its retriever's and reader's scores.
7. The span's quotation marks and brackets are balanced (:func:`balanced`): an opening mark whose closing one
   follows shortly in the passage takes it in; otherwise the mark is left out (``“nothing is off the table`` ->
   ``nothing is off the table``).

Every answer is ``document.text[start:end]``: token offsets map back into the passage's text, and the passage's
own offsets into its document (its text is the document's at those offsets).

The model is trained by ``qa train`` (the ``train`` package, which serving never imports) and ships in
``models/reader/`` with its model card.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.errors import ReaderModelError
from qa.retrieve import Hit

MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE = "reader.onnx", "tokenizer.json", "reader.json"
OUTPUTS = ("start_logits", "end_logits", "answerable_logits")
N_BEST = 20
# What a reading knows about whether it answers the question, by name (see Reading.features)
FEATURES = ("margin", "answerable", "top_answerable", "span", "retrieval")


@dataclass(frozen=True, slots=True)
class Decision:
    """The probability that the passages read do not answer: ``1 - sigmoid(sum(weight * feature) + intercept)``
    over the reading's :data:`FEATURES` named in ``weights``. ``qa train`` fits it (a logistic regression) on the
    validation articles. With the margin alone it is Platt's scaling of the span head's own judgement."""

    weights: tuple[tuple[str, float], ...] = (("margin", 1.0),)
    intercept: float = 0.0

    def no_answer(self, features: dict[str, float]) -> float:
        return 1.0 - sigmoid(sum(weight * features[name] for name, weight in self.weights) + self.intercept)

    def saved(self) -> dict:
        return {"weights": dict(self.weights), "intercept": self.intercept}

    @classmethod
    def read(cls, saved: dict) -> Decision:
        if "slope" in saved:  # a reader calibrated on its margin alone
            return cls((("margin", float(saved["slope"])),), float(saved.get("intercept", 0.0)))
        weights = tuple((str(name), float(weight)) for name, weight in saved.get("weights", {"margin": 1.0}).items())
        unknown = [name for name, _ in weights if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown decision feature {unknown[0]!r}")
        return cls(weights, float(saved.get("intercept", 0.0)))


MAX_QUESTION_TOKENS = 64  # word pieces of the question read, as the Hugging Face QA pipeline's max_question_len


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """How the model was trained to read; stored beside it in ``reader.json`` and used unchanged to serve."""

    max_tokens: int = 160  # question + passage + 3 special tokens
    stride: int = 48  # tokens shared by consecutive slices of a long passage
    max_answer_tokens: int = 30
    decision: Decision = Decision()

    @classmethod
    def read(cls, path: Path) -> ReaderConfig:
        saved = json.loads(path.read_text(encoding="utf-8"))
        sizes = {name: int(saved[name]) for name in ("max_tokens", "stride", "max_answer_tokens") if name in saved}
        return cls(**sizes, decision=Decision.read(saved.get("decision", saved.get("calibration", {}))))

    def saved(self) -> dict:
        """What ``reader.json`` holds: :meth:`read` gives this config back."""
        return {"max_tokens": self.max_tokens, "stride": self.stride, "max_answer_tokens": self.max_answer_tokens,
                "decision": self.decision.saved()}


@dataclass(frozen=True, slots=True)
class Answer:
    """A verbatim answer: ``text == documents[doc_id].text[start:end]``, inside the passage ``passage_id`` (its
    text is the passage's text at the same offsets)."""

    text: str
    doc_id: str
    passage_id: str
    start: int
    end: int
    score: float  # 1 - no_answer_score
    no_answer_score: float  # the calibrated probability that the passages do not answer: 0 = surely answered
    margin: float = 0.0  # the reader's raw judgement: best span score minus its slice's null score
    read_passages: tuple[str, ...] = ()  # the ids of the passages read, by their best span, the answer's first
    features: tuple[tuple[str, float], ...] = ()  # what the decision weighed (FEATURES)


@dataclass(frozen=True, slots=True)
class Slice:
    """One model input: the question and (part of) a text, with each token's character span in the text (``None``
    for the question and special tokens)."""

    source: int  # which of the encoded texts
    ids: list[int]
    type_ids: list[int]
    offsets: list[tuple[int, int] | None]


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate answer of one slice: tokens ``first..last``, characters ``start..end`` of its text."""

    slice: int
    first: int
    last: int
    start: int
    end: int
    score: float  # start logit + end logit


def encode_pairs(tokenizer, question: str, texts: Sequence[str], config: ReaderConfig) -> list[Slice]:
    """Pair ``question`` (its first :data:`MAX_QUESTION_TOKENS` word pieces, fewer if the slices are too short for
    them) with each text; a text too long for
    ``config.max_tokens`` becomes several slices overlapping by ``config.stride`` tokens. ``tokenizer`` is a
    ``tokenizers.Tokenizer`` (WordPiece)."""
    tokenizer.no_padding()
    # a long question must leave the text more room than the stride; a word piece holds at least one character,
    # so only a question longer than the cap in characters is tokenized to be measured
    most = min(MAX_QUESTION_TOKENS, config.max_tokens - config.stride - 4)
    if len(question) > most:
        tokenizer.no_truncation()
        pieces = tokenizer.encode(question, add_special_tokens=False).offsets
        if len(pieces) > most:
            question = question[: pieces[most - 1][1]]
    tokenizer.enable_truncation(config.max_tokens, stride=config.stride, strategy="only_second")
    slices = []
    for number, encoding in enumerate(tokenizer.encode_batch([(question, text) for text in texts])):
        for part in (encoding, *encoding.overflowing):
            offsets = [
                offset if sequence == 1 else None
                for offset, sequence in zip(part.offsets, part.sequence_ids, strict=True)
            ]
            slices.append(Slice(number, list(part.ids), list(part.type_ids), offsets))
    return slices


def model_inputs(slices: Sequence[Slice]) -> dict[str, np.ndarray]:
    """The slices padded into ``input_ids``, ``attention_mask`` and ``token_type_ids`` arrays."""
    length = max(len(s.ids) for s in slices)
    ids = np.zeros((len(slices), length), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for row, piece in enumerate(slices):
        ids[row, : len(piece.ids)] = piece.ids
        types[row, : len(piece.ids)] = piece.type_ids
        mask[row, : len(piece.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def best_spans(number: int, piece: Slice, start_logits: np.ndarray, end_logits: np.ndarray,
               config: ReaderConfig) -> list[Span]:
    """The slice's candidate spans, best first: ``N_BEST`` starts x ``N_BEST`` ends inside the text, end not
    before start, at most ``config.max_answer_tokens`` long."""
    context = [i for i, offset in enumerate(piece.offsets) if offset is not None]
    if not context:
        return []
    starts = sorted(context, key=lambda i: -start_logits[i])[:N_BEST]
    ends = sorted(context, key=lambda i: -end_logits[i])[:N_BEST]
    spans = [
        Span(number, first, last, piece.offsets[first][0], piece.offsets[last][1],
             float(start_logits[first] + end_logits[last]))
        for first in starts
        for last in ends
        if first <= last < first + config.max_answer_tokens
    ]
    return sorted(spans, key=lambda s: -s.score)


def null_score(start_logits: np.ndarray, end_logits: np.ndarray) -> float:
    """The slice's no-answer score: its ``[CLS]`` token as both start and end."""
    return float(start_logits[0] + end_logits[0])


def best_per_text(
    slices: Sequence[Slice], start_logits: np.ndarray, end_logits: np.ndarray, config: ReaderConfig
) -> dict[int, tuple[Span, float]]:
    """For each encoded text with a candidate span: its best span over its slices and that slice's null score."""
    best: dict[int, tuple[Span, float]] = {}
    for number, piece in enumerate(slices):
        spans = best_spans(number, piece, start_logits[number], end_logits[number], config)
        if spans and (piece.source not in best or spans[0].score > best[piece.source][0].score):
            best[piece.source] = (spans[0], null_score(start_logits[number], end_logits[number]))
    return best


def best_answer(
    slices: Sequence[Slice], start_logits: np.ndarray, end_logits: np.ndarray, config: ReaderConfig
) -> tuple[Span, float] | None:
    """The best span over all slices and the null score of its slice."""
    found = best_per_text(slices, start_logits, end_logits, config).values()
    return max(found, key=lambda pair: pair[0].score, default=None)


PAIRS = (("“", "”"), ("(", ")"), ("[", "]"), ("«", "»"))
STRAIGHT = '"'
REACH = 120  # characters an answer may be extended by to take in its closing (or opening) mark


def balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` with its quotation marks and brackets balanced: extended to the matching mark when it
    lies within ``REACH`` characters, else without the unmatched mark (at its edge) or cut before it (inside)."""
    for opening, closing in (*PAIRS, (STRAIGHT, STRAIGHT)):
        span = text[start:end]
        if opening == closing:
            if span.count(opening) % 2 == 0:
                continue
            after = text.find(opening, end, end + REACH)
            if after >= 0 and "\n" not in text[end:after]:
                end = after + 1
            elif span.startswith(opening):
                start += 1
            elif span.endswith(opening):
                end -= 1
            else:
                end = start + span.rindex(opening)
        elif span.count(opening) > span.count(closing):
            after = text.find(closing, end, end + REACH)
            if after >= 0 and "\n" not in text[end:after] and opening not in text[end:after]:
                end = after + 1
            elif span.startswith(opening):
                start += 1
            else:
                end = start + span.rindex(opening)
        elif span.count(closing) > span.count(opening):
            before = text.rfind(opening, max(0, start - REACH), start)
            if before >= 0 and "\n" not in text[before:start] and closing not in text[before:start]:
                start = before
            elif span.endswith(closing):
                end -= 1
            else:
                start += span.index(closing) + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    return start, end


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


class SpanModel:
    """The ONNX span model in a folder, with its tokenizer and reading settings. :meth:`load` reads them once.

    Raises ReaderModelError (on load) when the folder is missing a file or holds a damaged one.
    """

    def __init__(self, folder: Path, threads: int = 0) -> None:
        self.folder = folder
        self.threads = threads  # 0: onnxruntime decides
        self.config = ReaderConfig()
        self.tokenizer = None
        self._session = None
        self._outputs = list(OUTPUTS)

    def load(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        shown = f"{self.folder.name}/"
        missing = [n for n in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE) if not (self.folder / n).is_file()]
        if missing:
            raise ReaderModelError(f"The reader model {shown} has no {missing[0]}; run `qa train` or restore it from git.")
        try:
            self.config = ReaderConfig.read(self.folder / CONFIG_FILE)
            self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            self._session = onnxruntime.InferenceSession(
                str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            given = {output.name for output in self._session.get_outputs()}
            self._outputs = [name for name in OUTPUTS if name in given]
            self.logits("Is this model whole?", ["It is."])
        except Exception as exc:  # JSON, tokenizers and onnxruntime each raise their own types for a damaged file
            self._session = None
            raise ReaderModelError(
                f"The reader model {shown} is damaged ({type(exc).__name__}); run `qa train` or restore it from git."
            ) from None

    def logits(self, question: str, texts: Sequence[str]) -> tuple[list[Slice], np.ndarray, np.ndarray, np.ndarray]:
        """The slices of ``question`` paired with each text, and their start, end and answerable logits (one ONNX
        call; a model without the answerable head gives zeros)."""
        self.load()
        slices = encode_pairs(self.tokenizer, question, texts, self.config)
        outputs = self._session.run(self._outputs, model_inputs(slices))
        answerable = outputs[2] if len(outputs) > 2 else np.zeros(len(slices), dtype=np.float32)
        return slices, outputs[0], outputs[1], answerable


class Reader:
    """Reads the best answer span from retrieved passages. Cheap to construct; :meth:`warm_up` loads the model.

    Raises ReaderModelError (on warm-up) when the model folder is missing a file or holds a damaged one.
    """

    def __init__(self, model_dir: Path, passages_read: int, read_on_below: float = 1.0, rank_prior: float = 0.0,
                 threads: int = 0, balance_marks: bool = True) -> None:
        self.model = SpanModel(model_dir, threads)
        self.passages_read = passages_read
        self.read_on_below = read_on_below
        self.rank_prior = rank_prior
        self.balance_marks = balance_marks

    @property
    def name(self) -> str:
        return self.model.folder.name

    def warm_up(self) -> None:
        """Load the tokenizer and the ONNX model once, and run one question through them."""
        self.model.load()

    def answer(self, question: str, hits: list[Hit]) -> Answer | None:
        """The best span of :meth:`reading`, as a verbatim answer in its passage's document; ``None`` if no passage
        has a span."""
        reading = self.reading(question, hits)
        if reading is None:
            return None
        passage = reading.hit.passage
        features = reading.features
        no_answer = self.model.config.decision.no_answer(features)
        start, end = reading.span.start, reading.span.end
        if self.balance_marks:
            start, end = balanced(passage.text, start, end)
            if start >= end:  # nothing but marks: the span as read
                start, end = reading.span.start, reading.span.end
        return Answer(
            text=passage.text[start:end],
            doc_id=passage.doc_id,
            passage_id=passage.passage_id,
            start=passage.start + start,
            end=passage.start + end,
            score=round(1.0 - no_answer, 4),
            no_answer_score=round(no_answer, 4),
            margin=round(reading.margin, 4),
            read_passages=reading.ranked_passages,
            features=tuple((name, round(value, 4)) for name, value in features.items()),
        )

    def reading(self, question: str, hits: list[Hit]) -> Reading | None:
        """The best span of the first hit, or of the first ``passages_read`` hits when sigmoid of the first one's
        margin is below ``read_on_below``."""
        reading = self._best_span(question, hits[:1])
        if self.passages_read > 1 and len(hits) > 1 and (
                reading is None or sigmoid(reading.margin) < self.read_on_below):
            more = self._best_span(question, hits[1 : self.passages_read], first_rank=1)
            reading = more if reading is None else reading.joined(more)
        return reading

    def _best_span(self, question: str, hits: list[Hit], first_rank: int = 0) -> Reading | None:
        """The best span of these hits' passages (one model call); ``hits[0]`` is retrieved at ``first_rank``."""
        if not hits:
            return None
        slices, start_logits, end_logits, answerable = self.model.logits(question, [hit.passage.text for hit in hits])
        found = best_per_text(slices, start_logits, end_logits, self.model.config)
        if not found:
            return None
        ranked = {
            text: best.score - self.rank_prior * math.log1p(first_rank + text) for text, (best, _) in found.items()
        }
        source = max(ranked, key=ranked.__getitem__)
        span, null = found[source]
        scores = tuple((hits[text].passage.passage_id, score) for text, score in ranked.items())
        return Reading(span, hits[source], null, scores, float(answerable[span.slice]), float(answerable.max()))


@dataclass(frozen=True, slots=True)
class Reading:
    """What one or two model calls found: the best span, its hit and its slice's null score, and the best span
    score of every passage read (by passage id), less the prior of its retrieval rank."""

    span: Span
    hit: Hit
    null: float
    scores: tuple[tuple[str, float], ...]
    answerable: float = 0.0  # the answerable logit of the best span's slice
    top_answerable: float = 0.0  # the highest answerable logit of every slice read

    @property
    def ranked(self) -> float:
        """The best span's score less the prior of its passage's retrieval rank."""
        return dict(self.scores)[self.hit.passage.passage_id]

    @property
    def ranked_passages(self) -> tuple[str, ...]:
        """The ids of the passages read, best span first."""
        return tuple(passage_id for passage_id, _ in sorted(self.scores, key=lambda pair: -pair[1]))

    @property
    def margin(self) -> float:
        return self.span.score - self.null

    @property
    def features(self) -> dict[str, float]:
        """What :class:`Decision` weighs, by name (:data:`FEATURES`)."""
        return {"margin": self.margin, "answerable": self.answerable, "top_answerable": self.top_answerable,
                "span": self.span.score, "retrieval": self.hit.dense_score}

    def joined(self, other: Reading | None) -> Reading:
        """The better of two readings, knowing the passages of both."""
        if other is None:
            return self
        better = self if self.ranked >= other.ranked else other
        return replace(better, scores=self.scores + other.scores,
                       top_answerable=max(self.top_answerable, other.top_answerable))

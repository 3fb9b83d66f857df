"""A neural extractive reader: any Hugging Face ``AutoModelForQuestionAnswering`` (e.g. a SQuAD 2.0 model).

transformers >= 5.3 has no "question-answering" pipeline, so this calls the model directly: question and
passage are encoded as a pair, the best start/end pair within the passage is chosen, and its token offsets map
back to character offsets in the original document. The model's null ([CLS]) score feeds the no-answer score.
"""

from __future__ import annotations

import math

from index.errors import IndexStoreError
from index.store import PassageIndex
from qa.read import PASSAGES_READ, Answer
from qa.retrieve import Hit

MAX_ANSWER_TOKENS = 30
MAX_SEQUENCE = 384
STRIDE = 128


class NeuralReader:
    """Reads spans with a transformer QA model. Construction is cheap; :meth:`warm_up` loads the model."""

    def __init__(self, model: str, index: PassageIndex) -> None:
        self.model_name = model
        self.index = index
        self._model = None
        self._tokenizer = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_name)
            self._model = AutoModelForQuestionAnswering.from_pretrained(self.model_name).eval()
        except (OSError, ValueError) as exc:
            raise IndexStoreError(f"Cannot load the reader model {self.model_name!r}: {type(exc).__name__}.") from None

    def read(self, question: str, hits: list[Hit], *, context_stems: frozenset[str] = frozenset()) -> Answer | None:
        """The best span over the first passages; ``no_answer_score`` is sigmoid(null score - best span score)."""
        import torch

        self.warm_up()
        best: tuple[float, float, Hit, int, int] | None = None  # (span score, null score, hit, start, end)
        for hit in hits[:PASSAGES_READ]:
            encoded = self._tokenizer(
                question, hit.passage.text, truncation="only_second", max_length=MAX_SEQUENCE, stride=STRIDE,
                return_overflowing_tokens=True, return_offsets_mapping=True, padding=True, return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping")
            encoded.pop("overflow_to_sample_mapping", None)
            with torch.inference_mode():
                output = self._model(**{k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")})
            for feature in range(output.start_logits.shape[0]):
                sequence_ids = encoded.sequence_ids(feature)
                passage_tokens = [i for i, s in enumerate(sequence_ids) if s == 1]
                if not passage_tokens:
                    continue
                start_logits = output.start_logits[feature].tolist()
                end_logits = output.end_logits[feature].tolist()
                null = start_logits[0] + end_logits[0]
                span = _best_span(start_logits, end_logits, passage_tokens)
                if span is None:
                    continue
                score, first, last = span
                start, end = int(offsets[feature][first][0]), int(offsets[feature][last][1])
                if start < end and (best is None or score > best[0]):
                    best = (score, null, hit, start, end)
        if best is None:
            return None
        score, null, hit, start, end = best
        passage = hit.passage
        return Answer(
            text=passage.text[start:end],
            doc_id=passage.doc_id,
            passage_id=passage.passage_id,
            start=passage.start + start,
            end=passage.start + end,
            score=round(1.0 / (1.0 + math.exp(-(score - null))), 4),
            level="span",
            answer_type="neural",
            coverage=1.0,
            no_answer_score=round(1.0 / (1.0 + math.exp(score - null)), 4),
        )


def _best_span(start_logits: list[float], end_logits: list[float], tokens: list[int]) -> tuple[float, int, int] | None:
    """Highest start+end logit pair with start <= end, both in the passage, at most MAX_ANSWER_TOKENS apart."""
    allowed = set(tokens)
    top_starts = sorted(tokens, key=lambda i: start_logits[i], reverse=True)[:20]
    top_ends = sorted(tokens, key=lambda i: end_logits[i], reverse=True)[:20]
    best = None
    for first in top_starts:
        for last in top_ends:
            if first <= last < first + MAX_ANSWER_TOKENS and last in allowed:
                score = start_logits[first] + end_logits[last]
                if best is None or score > best[0]:
                    best = (score, first, last)
    return best

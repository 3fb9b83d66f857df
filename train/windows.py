"""Training examples from many articles cheaply: each question read in a short window of its paragraph.

SQuAD v1.1's 428 training articles (the set ``squad1-train`` of :mod:`qa.datasets`) hold 82,264 answerable
questions, ten times what the SQuAD 2.0 articles give. Reading them through the product's retriever, as
:mod:`train.examples` does for the few SQuAD 2.0 articles, would cost an index of every article and a search per
question; and a whole passage per example costs twice the tokens of a window around its answer. At a fixed
training budget, more distinct questions beat more passes over fewer (docs/experiments.md), so each question here
makes:

- ``answer``: the answer's sentence(s) and, while they fit in a window of ``window_chars`` characters (drawn
  between ``MIN_WINDOW_CHARS`` and ``MAX_WINDOW_CHARS`` for each question, so the reader sees windows of every
  length up to a short passage), the sentences before and after it in its paragraph, labelled with the span;
- ``retrieved``: the window of the same article that BM25 ranks first for the question among those that do not
  hold an answer's text and do not overlap the answer's window, labelled "no answer" (a retrieved passage
  without the answer, as the product's reader will meet it);
- for ``PERTURBED_SHARE`` of the questions, an unanswerable copy (:mod:`train.perturb`) paired with the answer's
  window, labelled "no answer".
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from index.documents import Document
from index.passages import split_sentences
from qa.gold import PARAGRAPH_SEPARATOR, GoldCorpus, GoldItem
from qa.terms import stems
from train.examples import Example, entity_pool, entity_tagger, perturbed_question

MIN_WINDOW_CHARS, MAX_WINDOW_CHARS = 200, 500
NEGATIVE_SHARE = 1.0  # questions that also get a retrieved window without the answer
PERTURBED_SHARE = 0.3  # questions that also get an unanswerable copy


@dataclass(frozen=True, slots=True)
class Window:
    """Characters ``start..end`` of a document: whole sentences of one paragraph."""

    doc_id: str
    start: int
    end: int


def window_examples(
    corpus: GoldCorpus, *, max_questions: int | None, seed: int, progress: bool = True,
    window_chars: tuple[int, int] = (MIN_WINDOW_CHARS, MAX_WINDOW_CHARS),
) -> tuple[list[Example], int]:
    """The examples of up to ``max_questions`` questions of the SQuAD ``corpus`` (drawn at random for
    ``seed``, all when ``None``), and how many questions they came from. ``window_chars`` bounds the answer's
    window (drawn between the two for each question)."""
    from tqdm import tqdm

    rng = random.Random(seed)
    items = [item for item in corpus.items if item.spans]
    if max_questions is not None and max_questions < len(items):
        items = rng.sample(items, max_questions)
    by_document = defaultdict(list)
    for item in items:
        by_document[item.spans[0].doc_id].append(item)
    documents = {document.doc_id: document for document in corpus.documents if document.doc_id in by_document}
    tagger = entity_tagger()
    pools = {}
    if PERTURBED_SHARE:
        texts = (documents[doc_id].text for doc_id in by_document)
        found = tagger.pipe(texts, batch_size=4, n_process=2)
        pools = dict(zip(by_document, (entity_pool(tagger, parsed) for parsed in found), strict=True))
    examples: list[Example] = []
    bar = tqdm(total=len(items), desc="Making window examples", unit="question", disable=not progress)
    for doc_id, questions in by_document.items():
        document = documents[doc_id]
        sentences = paragraph_sentences(document)
        candidates = negative_windows(document, sentences)
        ranking = _Ranking([document.text[w.start : w.end] for w in candidates])
        pool = pools.get(doc_id, {})
        for item in questions:
            window = answer_window(item, sentences, rng.randint(*window_chars))
            text = document.text[window.start : window.end]
            span = item.spans[0]
            examples.append(Example(item.question, text, (span.start - window.start, span.end - window.start),
                                    "answer", item.id))
            if rng.random() < NEGATIVE_SHARE:
                negative = _best_negative(item, window, candidates, ranking, document)
                if negative is not None:
                    examples.append(Example(item.question, document.text[negative.start : negative.end], None,
                                            "retrieved", item.id))
            if rng.random() < PERTURBED_SHARE:
                made = perturbed_question(item, text, pool, tagger, rng)
                if made is not None:
                    examples.append(Example(made[0], text, None, made[1], item.id))
            bar.update(1)
    bar.close()
    return examples, len(items)


def paragraph_sentences(document: Document) -> list[list[tuple[int, int]]]:
    """Each paragraph's sentences as document offsets (the title, before the first separator, is left out)."""
    paragraphs, at = [], document.text.find(PARAGRAPH_SEPARATOR)
    while at >= 0:
        start = at + len(PARAGRAPH_SEPARATOR)
        at = document.text.find(PARAGRAPH_SEPARATOR, start)
        end = len(document.text) if at < 0 else at
        paragraph = document.text[start:end]
        paragraphs.append([(start + s, start + e) for s, e in split_sentences(paragraph)] or [(start, end)])
    return paragraphs


def answer_window(item: GoldItem, paragraphs: Sequence[list[tuple[int, int]]], limit: int) -> Window:
    """The sentences of the answer's paragraph that hold its first span, widened by one sentence at a time, the
    one before first, while the window stays within ``limit`` characters."""
    span = item.spans[0]
    sentences = next(p for p in paragraphs if p[0][0] <= span.start and span.end <= p[-1][1] + 1)
    covering = [i for i, (s, e) in enumerate(sentences) if s < span.end and e > span.start] or [0]
    first, last = covering[0], covering[-1]
    grew = True
    while grew:
        grew = False
        for side in (-1, 1):
            i, j = (first - 1, last) if side < 0 else (first, last + 1)
            if 0 <= i and j < len(sentences) and sentences[j][1] - sentences[i][0] <= limit:
                first, last, grew = i, j, True
    start, end = sentences[first][0], max(sentences[last][1], span.end)
    return Window(span.doc_id, min(start, span.start), end)


def negative_windows(document: Document, paragraphs: Sequence[list[tuple[int, int]]]) -> list[Window]:
    """Candidate windows for "no answer": each pair of consecutive sentences of a paragraph (a paragraph of one
    sentence is one window)."""
    windows = []
    for sentences in paragraphs:
        pairs = zip(sentences, sentences[1:]) if len(sentences) > 1 else [(sentences[0], sentences[0])]
        windows += [Window(document.doc_id, a[0], b[1]) for a, b in pairs]
    return windows


class _Ranking:
    """BM25 over one article's candidate windows, on the retriever's stems."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        self.bm25 = bm25s.BM25()
        self.bm25.index([stems(text) or [""] for text in texts], show_progress=False)

    def order(self, question: str) -> list[int]:
        import numpy as np

        terms = stems(question)
        if not terms:
            return []
        return [int(i) for i in np.argsort(-self.bm25.get_scores(terms), kind="stable")]


def _best_negative(item: GoldItem, window: Window, candidates: list[Window], ranking: _Ranking,
                   document: Document) -> Window | None:
    for row in ranking.order(item.question)[:20]:
        candidate = candidates[row]
        if candidate.end <= window.start or candidate.start >= window.end:
            text = document.text[candidate.start : candidate.end]
            if not any(answer in text for answer in item.answers):
                return candidate
    return None

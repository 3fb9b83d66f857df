"""Hybrid retrieval: BM25 over stemmed terms fused with dense MiniLM/FAISS search by reciprocal rank.

Measured on the seed article, BM25 ranks the evidence first more often than MiniLM, while MiniLM catches
paraphrases that share no word with the text; reciprocal-rank fusion keeps the strengths of both.
Misspelled question words that are not in the corpus vocabulary are mapped to their closest corpus word first.
With several documents, the passages of the documents nearest the question (by their mean passage vector) gain
a little rank credit, so that one stray sentence of an unrelated document cannot outrank the article.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz.distance import Levenshtein

from index.embedder import Embedder
from index.passages import Passage
from index.store import PassageIndex
from qa.spelling import Vocabulary
from qa.terms import stems

RRF_K = 5  # small: with few passages, rank 1 vs 2 should matter more than rank 10 vs 11 (flat for 2-60 on the tune half)
LEXICAL_WEIGHT = 1.0
DENSE_WEIGHT = 1.0
CANDIDATES = 50
CONTEXT_WEIGHT = 0.75  # earlier conversation turns count three quarters as much as the question itself
# Rank credit for a passage's document, documents ranked by question vs mean passage vector (several documents only).
# Chosen on the tuned question sets at 100k distractor passages (0.25/0.5/1.0; docs/performance.md).
DOCUMENT_WEIGHT = 0.5


def best_positive(scores: np.ndarray, k: int) -> list[int]:
    """The rows of the ``k`` highest positive ``scores``, best first, ties in row order. Sorts only the rows
    scoring at least the k-th best, not every positive one (most of 100k passages may share a common word)."""
    scored = np.flatnonzero(scores > 0)
    if len(scored) > k > 0:
        scored = scored[scores[scored] >= np.partition(scores[scored], len(scored) - k)[len(scored) - k]]
    return sorted(scored.tolist(), key=lambda row: (-scores[row], row))[:k]


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage with its fused score and the evidence behind it."""

    passage: Passage
    score: float
    dense_score: float
    lexical_score: float
    dense_rank: int | None
    lexical_rank: int | None


class Retriever:
    """Ranks the passages of a :class:`PassageIndex` for a question. Call :meth:`warm_up` once before use."""

    def __init__(self, index: PassageIndex, encoder: Embedder) -> None:
        self.index = index
        self.encoder = encoder
        self._bm25: bm25s.BM25 | None = None
        self._vocabulary = Vocabulary(())
        self._centroids: np.ndarray | None = None  # one row per document, when there are several
        self._document_of = np.zeros(0, dtype=np.int64)
        self._known: frozenset[str] = frozenset()
        self.idf: dict[str, float] = {}

    def warm_up(self) -> None:
        if self._bm25 is not None:
            return
        self.encoder.warm_up()
        corpus = [stems(p.search_text) or [""] for p in self.index.passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        document_frequency: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                document_frequency[term] = document_frequency.get(term, 0) + 1
        total = len(corpus)
        self.idf = {t: float(np.log(1 + (total - n + 0.5) / (n + 0.5))) for t, n in document_frequency.items()}
        self._known = frozenset(document_frequency)
        self._vocabulary = Vocabulary(self._known)
        passages = self.index.passages
        if len({p.doc_id for p in passages}) > 1:
            self._document_of, self._centroids = self.index.document_centroids()

    def _lexical_scores(self, text: str) -> np.ndarray:
        terms = self.correct(stems(text))
        if not terms:
            return np.zeros(len(self.index.passages), dtype=np.float32)
        return self._bm25.get_scores(terms).astype(np.float32)

    def _dense_scores(self, text: str, pool: int, also: set[int]) -> tuple[dict[int, float], np.ndarray]:
        """Dense scores of the ``pool`` nearest passages and of the rows in ``also`` wherever they rank; and the
        query vector."""
        query = self.encoder.encode([text])
        scores, rows = self.index.dense_search(query, pool)
        dense = {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}
        missing = sorted(also.difference(dense))
        if missing:
            dense.update(zip(missing, self.index.dense_scores(query[0], missing), strict=True))
        return dense, query[0]

    def _add_document_credit(self, fused: dict[int, float], document_similarity: np.ndarray) -> None:
        """Add ``DOCUMENT_WEIGHT`` reciprocal-rank credit to each candidate for its document's rank among the
        candidates' documents, ranked by ``document_similarity``."""
        order = sorted({int(self._document_of[row]) for row in fused}, key=lambda d: (-document_similarity[d], d))
        credit = {d: DOCUMENT_WEIGHT / (RRF_K + rank) for rank, d in enumerate(order, start=1)}
        for row in fused:
            fused[row] += credit[int(self._document_of[row])]

    def unseen_idf(self) -> float:
        """The weight of a term no passage contains: as rare as a term can be."""
        total = len(self.index.passages)
        return float(np.log(1 + (total + 0.5) / 0.5))

    def correct(self, terms: list[str]) -> list[str]:
        """Replace stems unknown to the corpus by a corpus stem one or two edits away ("rewrd" -> "reward")."""
        corrected = []
        for term in terms:
            if term in self._known or len(term) < 4 or term.isdigit():
                corrected.append(term)
                continue
            limit = 1 if len(term) < 6 else 2
            near = self._vocabulary.within(term, limit, Levenshtein.distance)
            corrected.append(min(near, key=lambda found: (found[1], found[0]))[0] if near else term)
        return corrected

    def retrieve(self, question: str, k: int, *, context: str = "") -> list[Hit]:
        """Return the ``k`` best passages for ``question``, best first.

        ``context`` (earlier turns of a conversation) is added to the query with a lower weight, so that
        "What did he say about strikes?" finds the passage about the person asked about before.
        """
        self.warm_up()
        n = len(self.index.passages)
        pool = min(n, max(CANDIDATES, k))
        lexical = self._lexical_scores(question)
        if context:
            lexical = lexical + CONTEXT_WEIGHT * self._lexical_scores(context)
        lexical_rows = best_positive(lexical, pool)
        # Lexical candidates get their exact dense score even when the dense search did not reach them, so
        # thousands of loosely similar distractors cannot push the evidence out of the fusion.
        also = set(lexical_rows)
        dense, query = self._dense_scores(question, pool, also)
        if context:
            context_dense, context_query = self._dense_scores(context, pool, also)
            for row, score in context_dense.items():
                dense[row] = dense.get(row, 0.0) + CONTEXT_WEIGHT * score
            query = query + CONTEXT_WEIGHT * context_query
        dense_order = sorted(dense, key=lambda row: (-dense[row], row))
        dense_rank = {row: rank for rank, row in enumerate(dense_order, start=1)}
        fused = {row: DENSE_WEIGHT / (RRF_K + rank) for row, rank in dense_rank.items()}
        lexical_rank = {}
        for rank, row in enumerate(lexical_rows, start=1):
            lexical_rank[row] = rank
            fused[row] = fused.get(row, 0.0) + LEXICAL_WEIGHT / (RRF_K + rank)
        if self._centroids is not None:
            self._add_document_credit(fused, self._centroids @ query)
        best = sorted(fused, key=lambda row: (-fused[row], row))[:k]
        return [
            Hit(
                passage=self.index.passages[row],
                score=round(fused[row], 6),
                dense_score=round(dense.get(row, 0.0), 6),
                lexical_score=round(float(lexical[row]), 6),
                dense_rank=dense_rank.get(row),
                lexical_rank=lexical_rank.get(row),
            )
            for row in best
        ]

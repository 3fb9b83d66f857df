"""The retriever's document credit, over hand-made vectors so that every rank is known in advance."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from index.passages import Passage
from index.store import Manifest, PassageIndex
from qa import retrieve
from qa.retrieve import Retriever

SHIPPED_WEIGHT = retrieve.DOCUMENT_WEIGHT
QUESTION = "zzz"  # no word in common with any passage: the ranking is the dense one alone


class FixedEncoder:
    """Encodes every text as the first axis: the question's vector, known in advance."""

    model = "fixed"

    def warm_up(self) -> None:
        pass

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        return np.tile(np.eye(1, 4, 0, dtype=np.float32), (len(texts), 1))


def unit(*components: float) -> list[float]:
    vector = np.array(components, dtype=np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def passage_index(rows: list[tuple[str, list[float]]]) -> PassageIndex:
    passages = [Passage(doc_id, f"{doc_id}-{i}", 0, 5, f"text{i}") for i, (doc_id, _) in enumerate(rows)]
    vectors = faiss.IndexFlatIP(4)
    vectors.add(np.array([vector for _, vector in rows], dtype=np.float32))
    manifest = Manifest(store_format=0, splitter_version=0, model="fixed", dimension=4, corpus_fingerprint="",
                        documents=len({d for d, _ in rows}), passages=len(rows), index_kind="flat", checksums={},
                        build_seconds=0.0)
    return PassageIndex({}, passages, vectors, manifest, [])


# Passage ids are "<document>-<row>". Dense order for the question (the first axis): near-0, far-1, near-2,
# middle-3, far-4, far-5. By their mean vectors the documents rank near, middle, far.
ROWS = [
    ("near", unit(0.95, 0.31, 0, 0)),
    ("far", unit(0.90, 0, 0.44, 0)),
    ("near", unit(0.85, 0.53, 0, 0)),
    ("middle", unit(0.80, 0, 0, 0.60)),
    ("far", unit(0, 0, 1, 0)),
    ("far", unit(0, 0, 0.6, 0.8)),
]


def ranked_ids(weight: float, monkeypatch) -> list[str]:
    monkeypatch.setattr(retrieve, "DOCUMENT_WEIGHT", weight)
    retriever = Retriever(passage_index(ROWS), FixedEncoder())
    return [hit.passage.passage_id for hit in retriever.retrieve(QUESTION, 3)]


def test_a_stray_passage_of_a_far_document_falls_behind_the_nearest_documents_passages(monkeypatch):
    assert ranked_ids(0.0, monkeypatch) == ["near-0", "far-1", "near-2"]  # dense order alone
    assert ranked_ids(SHIPPED_WEIGHT, monkeypatch) == ["near-0", "near-2", "far-1"]


def test_one_document_gets_no_document_credit(monkeypatch):
    rows = [("only", vector) for _, vector in ROWS]
    retriever = Retriever(passage_index(rows), FixedEncoder())
    retriever.warm_up()
    assert retriever._centroids is None
    hits = retriever.retrieve(QUESTION, 2)
    assert [h.score for h in hits] == pytest.approx([1 / (retrieve.RRF_K + 1), 1 / (retrieve.RRF_K + 2)], abs=1e-6)


def test_document_centroids_are_unit_mean_vectors_read_in_chunks():
    index = passage_index(ROWS)
    document_of, centroids = index.document_centroids(chunk=4)  # a chunk boundary inside the "middle"/"far" rows
    assert document_of.tolist() == [0, 1, 0, 2, 1, 1]  # near, far, middle: numbered as they first appear
    for number, doc_id in enumerate(["near", "far", "middle"]):
        mean = np.mean([vector for d, vector in ROWS if d == doc_id], axis=0)
        np.testing.assert_allclose(centroids[number], mean / np.linalg.norm(mean), rtol=1e-5)


SCORES = arrays(np.float32, st.integers(1, 60), elements=st.sampled_from([0.0, 0.0, 0.5, 1.0, 1.5, 2.25]))  # ties


@given(SCORES, st.integers(1, 70))
def test_best_positive_is_the_full_sort_cut_to_k(scores, k):
    full_sort = sorted(range(len(scores)), key=lambda row: (-scores[row], row))
    assert retrieve.best_positive(scores, k) == [row for row in full_sort if scores[row] > 0][:k]

"""The ONNX question encoder stored with the index, and the torch encoder's direct path for one question, give
the same vectors, and so the same answers, as sentence-transformers' own ``encode``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from index.embedder import ONNX_TOLERANCE, OnnxEmbedder
from index.store import question_embedder, read_manifest
from tests.conftest import GOLD

pytestmark = pytest.mark.integration
GOLD_QUESTIONS = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines()]


def sentence_transformers_encode(encoder, texts: list[str]) -> np.ndarray:
    return encoder.transformer.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture(scope="module")
def onnx_encoder(pipeline, settings):
    assert read_manifest(settings.store_dir).query_encoder == "onnx"
    return OnnxEmbedder(pipeline.library.snapshot.retriever.encoder.model, settings.store_dir)


def test_the_configured_pipeline_encodes_questions_with_the_onnx_copy(pipeline):
    assert isinstance(pipeline.library.snapshot.retriever.encoder, OnnxEmbedder)


def test_onnx_vectors_match_sentence_transformers_on_the_gold_questions(onnx_encoder, encoder):
    batch = GOLD_QUESTIONS[:16]
    expected = sentence_transformers_encode(encoder, batch)
    assert np.abs(onnx_encoder.encode(batch) - expected).max() <= ONNX_TOLERANCE
    one_at_a_time = np.vstack([onnx_encoder.encode([q]) for q in batch])  # padding must not change a vector
    assert np.abs(one_at_a_time - expected).max() <= ONNX_TOLERANCE


def test_one_question_through_the_torch_network_matches_sentence_transformers(encoder):
    assert encoder._direct is not None  # MiniLM is mean-pooled: one text takes the direct path
    one_at_a_time = np.vstack([encoder.encode([q]) for q in GOLD_QUESTIONS])
    assert np.abs(one_at_a_time - sentence_transformers_encode(encoder, GOLD_QUESTIONS)).max() <= 1e-6
    assert encoder.encode(GOLD_QUESTIONS[:1]).dtype == np.float32


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=1500))
def test_onnx_and_direct_vectors_match_on_arbitrary_text(onnx_encoder, encoder, text):
    expected = sentence_transformers_encode(encoder, [text])
    assert np.abs(onnx_encoder.encode([text]) - expected).max() <= ONNX_TOLERANCE
    assert np.abs(encoder.encode([text]) - expected).max() <= 1e-6


def test_turning_the_onnx_encoder_off_gives_the_torch_encoder(settings, encoder):
    manifest = read_manifest(settings.store_dir)
    assert question_embedder(settings.store_dir, manifest, encoder, onnx=False) is encoder
    assert isinstance(question_embedder(settings.store_dir, manifest, encoder), OnnxEmbedder)


def test_only_mean_pooled_models_are_taken_apart(encoder):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    from index.embedder import _DirectPath

    transformer = encoder.transformer
    cls_pooled = SentenceTransformer(
        modules=[transformer[0], Pooling(transformer.get_embedding_dimension(), pooling_mode="cls"), Normalize()],
        device="cpu",
    )
    assert _DirectPath.of(transformer) is not None
    assert _DirectPath.of(cls_pooled) is None  # its questions are encoded by sentence-transformers, as its passages

"""The ONNX question encoder stored with the index gives the same vectors, and so the same answers, as
sentence-transformers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from index.encoder import ONNX_TOLERANCE, OnnxEncoder
from index.store import question_encoder, read_manifest
from tests.conftest import GOLD

pytestmark = pytest.mark.integration
GOLD_QUESTIONS = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def onnx_encoder(pipeline, settings):
    assert read_manifest(settings.store_dir).query_encoder == "onnx"
    return OnnxEncoder(pipeline.retriever.encoder.model, settings.store_dir)


def test_the_configured_pipeline_encodes_questions_with_the_onnx_copy(pipeline):
    assert isinstance(pipeline.retriever.encoder, OnnxEncoder)


def test_onnx_vectors_match_sentence_transformers_on_the_gold_questions(onnx_encoder, encoder):
    batch = GOLD_QUESTIONS[:16]
    assert np.abs(onnx_encoder.encode(batch) - encoder.encode(batch)).max() <= ONNX_TOLERANCE
    one_at_a_time = np.vstack([onnx_encoder.encode([q]) for q in batch])  # padding must not change a vector
    assert np.abs(one_at_a_time - encoder.encode(batch)).max() <= ONNX_TOLERANCE


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=1500))
def test_onnx_vectors_match_on_arbitrary_text(onnx_encoder, encoder, text):
    assert np.abs(onnx_encoder.encode([text]) - encoder.encode([text])).max() <= ONNX_TOLERANCE


def test_turning_the_onnx_encoder_off_gives_the_torch_encoder(settings, encoder):
    manifest = read_manifest(settings.store_dir)
    assert question_encoder(settings.store_dir, manifest, encoder, onnx=False) is encoder
    assert isinstance(question_encoder(settings.store_dir, manifest, encoder), OnnxEncoder)

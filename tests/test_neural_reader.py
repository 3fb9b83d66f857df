"""The neural reader's real loading and span mapping, on a tiny random BERT the test builds itself.

No SQuAD model can be downloaded here, so answers are arbitrary; what is tested is that any span it returns is
a verbatim slice of the document at the offsets it reports, and that it plugs into the pipeline by setting.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tiny_qa_model(tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    from index.encoder import BUNDLED_MODEL, resolve_model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-qa")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(BUNDLED_MODEL))  # a real WordPiece vocabulary
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_neural_reader_spans_are_verbatim_document_slices(tiny_qa_model, pipeline):
    from qa.neural_reader import NeuralReader

    reader = NeuralReader(str(tiny_qa_model), pipeline.opened.index)
    for question in ["Who was indicted in 2020?", "How much is the reward?", "¿Qué? 🤔"]:
        hits = pipeline.search(question, 5)
        answer = reader.read(question, hits)
        assert answer is not None
        document = pipeline.document(answer.doc_id)
        assert document.text[answer.start : answer.end] == answer.text
        cited = next(h.passage for h in hits if h.passage.passage_id == answer.passage_id)
        assert cited.start <= answer.start < answer.end <= cited.end
        assert 0.0 <= answer.no_answer_score <= 1.0


def test_pipeline_uses_the_reader_model_setting(tiny_qa_model, settings):
    from qa.neural_reader import NeuralReader
    from qa.pipeline import Pipeline

    pipeline = Pipeline.from_settings(settings.model_copy(update={"reader_model": str(tiny_qa_model)}))
    assert isinstance(pipeline.reader, NeuralReader)
    response = pipeline.ask("Who is the U.S. Defense Secretary?")
    assert response.abstained == (response.answer is None)


def test_unloadable_reader_model_is_a_clear_error(settings, tmp_path):
    from index.errors import IndexStoreError
    from qa.pipeline import Pipeline

    with pytest.raises(IndexStoreError, match="Cannot load the reader model"):
        Pipeline.from_settings(settings.model_copy(update={"reader_model": str(tmp_path / "missing")}))

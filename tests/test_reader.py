"""The learned reader: windows around retrieved passages, span decoding, verbatim answers, clear model errors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa.errors import ReaderModelError
from index.passages import Passage
from qa.reader import ReaderConfig, Slice, SpanModel, best_answer, best_spans
from tests.conftest import ROOT


class _Model:
    """A stand-in span model for the two-stage reading: each text's best span is fixed by the test."""

    def __init__(self, spans: dict[str, tuple[int, int, float, float]]) -> None:
        self.spans = spans  # text -> (start, end, span score, null score)
        self.calls: list[list[str]] = []
        self.config = ReaderConfig(max_tokens=64, stride=16)

    def logits(self, question, texts):
        self.calls.append(list(texts))
        slices, starts, ends = [], [], []
        for number, text in enumerate(texts):
            start, end, score, null = self.spans[text]
            offsets = [None, None, (start, end), None]
            slices.append(Slice(number, [0, 0, 0, 0], [0, 0, 1, 1], offsets))
            starts.append([null / 2, -9, score / 2, -9])
            ends.append([null / 2, -9, score / 2, -9])
        answerable = np.zeros(len(slices), dtype=np.float32)
        return slices, np.array(starts, dtype=np.float32), np.array(ends, dtype=np.float32), answerable


def _hits(*texts: str):
    from qa.retrieve import Hit

    hits, at = [], 0
    for row, text in enumerate(texts):
        hits.append(Hit(Passage("doc", f"doc#{row}", at, at + len(text), text), 1.0, 1.0, 1.0, row + 1, row + 1))
        at += len(text) + 1
    return hits


def _reader(hits, spans, *, passages_read=3, sure=0.9, rank_prior=0.0):
    from qa.reader import Reader

    reader = Reader(ROOT, passages_read, sure, rank_prior)
    reader.model = _Model(spans)
    return reader


def test_a_sure_answer_in_the_first_passage_stops_the_reading():
    hits = _hits("Pete Hegseth is the secretary.", "Nothing here at all.", "Hegseth said more.")
    reader = _reader(hits, {hits[0].passage.text: (0, 12, 8.0, 0.0), hits[1].passage.text: (0, 7, 1.0, 5.0),
                            hits[2].passage.text: (0, 7, 9.0, 0.0)})
    answer = reader.answer("Who is the secretary?", hits)
    assert reader.model.calls == [[hits[0].passage.text]]  # sigmoid(8) > 0.9: one call
    assert answer.text == "Pete Hegseth" and answer.passage_id == "doc#0" and answer.score > 0.99


def test_an_unsure_first_passage_reads_the_next_ones_in_one_call_and_the_best_span_wins():
    hits = _hits("Maybe Maduro.", "The answer is Cabello.", "Or nobody.", "Never read.")
    spans = {hits[0].passage.text: (6, 12, 0.5, 0.0), hits[1].passage.text: (14, 21, 6.0, 1.0),
             hits[2].passage.text: (0, 2, -1.0, 3.0), hits[3].passage.text: (0, 5, 50.0, 0.0)}
    reader = _reader(hits, spans)
    answer = reader.answer("Who?", hits)
    assert reader.model.calls == [[hits[0].passage.text], [hits[1].passage.text, hits[2].passage.text]]
    assert answer.text == "Cabello" and answer.passage_id == "doc#1"
    assert answer.start == hits[1].passage.start + 14  # offsets into the document
    assert answer.no_answer_score == pytest.approx(1 - 1 / (1 + np.exp(-5.0)), abs=1e-4)
    assert answer.read_passages == ("doc#1", "doc#0", "doc#2")  # every passage read, by its best span: the reader re-ranks them


def test_the_retrieval_rank_prior_lets_a_close_span_of_a_higher_passage_win():
    hits = _hits("Maybe Maduro.", "Perhaps Cabello.", "The answer is Padrino.")
    # span scores 3.0 (rank 0), 3.5 (rank 1), 4.0 (rank 2); the first passage is unsure, so all three are read
    spans = {hits[0].passage.text: (6, 12, 3.0, 2.9), hits[1].passage.text: (8, 15, 3.5, 0.0),
             hits[2].passage.text: (14, 21, 4.0, 0.0)}
    assert _reader(hits, spans).answer("Who?", hits).text == "Padrino"  # no prior: the best span wins
    # a prior of 1: 3.0 - 0, 3.5 - log 2 = 2.81, 4.0 - log 3 = 2.90: the first passage's span
    answer = _reader(hits, spans, rank_prior=1.0).answer("Who?", hits)
    assert answer.text == "Maduro" and answer.read_passages == ("doc#0", "doc#2", "doc#1")
    assert answer.margin == pytest.approx(0.1, abs=1e-3)  # the no-answer judgement is still span - null
    # a prior of 0.5: 3.0, 3.15, 3.45: the third passage's span, not enough to change the order
    assert _reader(hits, spans, rank_prior=0.5).answer("Who?", hits).text == "Padrino"


def test_the_reader_orders_the_citations_of_what_it_read():
    from qa.pipeline import cited_first

    hits = _hits("Maybe Maduro.", "Or nobody.", "The answer is Cabello.", "Never read.", "Nor this.")
    spans = {hits[0].passage.text: (6, 12, 0.5, 0.0), hits[1].passage.text: (0, 2, -1.0, 3.0),
             hits[2].passage.text: (14, 21, 6.0, 1.0), hits[3].passage.text: (0, 5, 50.0, 0.0)}
    answer = _reader(hits, spans).answer("Who?", hits)
    assert [hit.passage.passage_id for hit in cited_first(hits, answer)] == ["doc#2", "doc#0", "doc#1", "doc#3", "doc#4"]
    assert [hit.passage.passage_id for hit in cited_first(hits, None)] == ["doc#0", "doc#1", "doc#2", "doc#3", "doc#4"]


def _slice(offsets: list[tuple[int, int] | None]) -> Slice:
    return Slice(0, list(range(len(offsets))), [0] * len(offsets), offsets)


def test_spans_keep_to_the_text_and_the_answer_length():
    # [CLS] q [SEP] then five words of the text, [SEP]
    piece = _slice([None, None, None, (0, 5), (6, 11), (12, 17), (18, 23), (24, 29), None])
    start = np.array([9, 0, 0, 1, 5, 4, 0, 0, 0], dtype=np.float32)
    end = np.array([9, 0, 0, 0, 5, 0, 0, 3, 0], dtype=np.float32)
    spans = best_spans(0, piece, start, end, ReaderConfig(max_answer_tokens=30))
    assert (spans[0].start, spans[0].end) == (6, 11)  # "word2" alone: start 5 + end 5
    assert all(s.first <= s.last and piece.offsets[s.first] is not None for s in spans)
    short = best_spans(0, piece, start, end, ReaderConfig(max_answer_tokens=1))
    assert all(s.first == s.last for s in short)
    best, null = best_answer([piece], start[None], end[None], ReaderConfig())
    assert (best.start, best.end) == (6, 11) and null == 18.0  # [CLS] as start and end


def test_no_context_tokens_means_no_span():
    assert best_spans(0, _slice([None, None]), np.zeros(2), np.zeros(2), ReaderConfig()) == []


@pytest.mark.integration
def test_answers_are_verbatim_slices_of_their_cited_passage(pipeline):
    for question in ("Who was indicted in 2020?", "How much is the reward?", "¿Qué? 🤔", "Who won the election?"):
        response = pipeline.ask(question)
        answer = response.reader_answer
        assert answer is not None
        assert pipeline.document(answer.doc_id).text[answer.start : answer.end] == answer.text
        cited = response.citations[0].passage
        assert cited.passage_id == answer.passage_id and cited.start <= answer.start < answer.end <= cited.end
        assert 0.0 <= answer.no_answer_score <= 1.0 and answer.score == pytest.approx(1 - answer.no_answer_score)


@pytest.mark.integration
@pytest.mark.parametrize(("question", "history"), [
    ("中" * 150, None),  # one word piece a character
    ("1 " * 140, None),
    ("Who was indicted in 2020 " + "- " * 120 + "?", None),
    ("What did he say?", [("user", "Who is the U.S. Defense Secretary?"), ("assistant", "Pete Hegseth " * 40)]),
])
def test_a_question_of_many_word_pieces_is_read_by_its_first_ones(pipeline, question, history):
    response = pipeline.ask(question, history=history)
    assert response.abstained == (response.answer is None) and response.citations


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["missing folder", "missing model", "truncated model", "bad config"])
def test_a_missing_or_damaged_reader_is_one_clear_error(tmp_path, settings, damage):
    folder = tmp_path / "reader"
    shutil.copytree(settings.reader_model, folder)
    if damage == "missing folder":
        shutil.rmtree(folder)
    elif damage == "missing model":
        (folder / "reader.onnx").unlink()
    elif damage == "truncated model":
        data = (folder / "reader.onnx").read_bytes()
        (folder / "reader.onnx").write_bytes(data[: len(data) // 3])
    else:
        (folder / "reader.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderModelError, match="reader model reader/") as raised:
        SpanModel(folder).load()
    assert str(tmp_path) not in str(raised.value)


@pytest.mark.integration
def test_serve_stops_in_one_line_when_the_reader_is_damaged(tmp_path, workdir):
    folder = tmp_path / "reader"
    shutil.copytree(ROOT / "models" / "reader", folder)
    (folder / "reader.onnx").write_bytes(b"not a model")
    environment = {"QA_SEEDS_DIR": str(workdir / "seeds"), "QA_STORE_DIR": str(tmp_path / "store"),
                   "QA_READER_MODEL": str(folder), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "ui.cli", "serve", "--port", "1"], capture_output=True, text=True,
                            timeout=120, cwd=ROOT, env=environment)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Error: The reader model reader/ is damaged (InvalidProtobuf); "
                                                  "run `qa train` or restore it from git."]
    assert not (tmp_path / "store").exists()

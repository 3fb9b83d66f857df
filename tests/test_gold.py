"""SQuAD v2.0 files as documents and gold spans: offsets map back exactly; bad files get one clear error."""

from __future__ import annotations

import json

import pytest

from index.passages import Passage
from qa.evaluate import holds_answer
from qa.gold import GoldFormatError, GoldItem, GoldSpan, load_gold, load_squad_corpus
from qa.pipeline import Citation
from qa.retrieve import Hit
from tests.squad_files import small_squad, write

def test_every_answer_maps_back_exactly_into_its_document(tmp_path):
    path = write(small_squad(), tmp_path / "small.json")
    corpus = load_squad_corpus(path)
    documents = {d.doc_id: d for d in corpus.documents}
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert len(corpus.documents) == len(raw["data"])
    assert len(corpus.items) == sum(len(p["qas"]) for a in raw["data"] for p in a["paragraphs"])
    for item in corpus.items:
        assert len(item.spans) == len(item.answers)
        for span in item.spans:
            assert documents[span.doc_id].text[span.start : span.end] == span.text
        paragraph = item.paragraph  # the paragraph it was written on, where it lies in the document
        assert documents[paragraph.doc_id].text[paragraph.start : paragraph.end] == paragraph.text
        assert all(paragraph.start <= span.start and span.end <= paragraph.end for span in item.spans)
    for article, document in zip(raw["data"], corpus.documents, strict=True):
        assert document.text.splitlines()[0] == document.title == article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            assert f"\n\n{paragraph['context']}" in document.text


def test_duplicate_titles_get_distinct_ids(tmp_path):
    path = _squad(tmp_path, [("Same", "First text.", []), ("Same", "Second text.", [])])
    assert [d.doc_id for d in load_squad_corpus(path).documents] == ["Same", "Same-2"]


def test_unanswerable_questions_keep_where_their_writers_pointed(tmp_path):
    context = "Spectre is the twenty-fourth James Bond film."
    qas = [
        {"id": "a", "question": "What is the thirty-fourth Bond film?", "answers": [], "is_impossible": True,
         "plausible_answers": [{"text": "Spectre", "answer_start": 0}]},
        {"id": "b", "question": "Who directed it?", "answers": [], "is_impossible": True,
         "plausible_answers": [{"text": "Mendes", "answer_start": 3}]},  # points elsewhere: dropped, not an error
    ]
    corpus = load_squad_corpus(_squad(tmp_path, [("Spectre", context, qas)]))
    (document,), (pointed, astray) = corpus.documents, corpus.items
    (span,) = pointed.plausible
    assert document.text[span.start : span.end] == "Spectre" and span.start > 0  # after the title line
    assert not pointed.answerable and astray.plausible == ()


def _hit(doc_id: str, start: int, end: int) -> Citation:
    passage = Passage(doc_id, f"{doc_id}#0", start, end, "x" * (end - start))
    return Citation(Hit(passage, 1.0, 1.0, 1.0, 1, 1), "A document")


def test_hit_rule_is_span_coverage_not_substring():
    item = GoldItem("q", "When?", ["2006"], spans=(GoldSpan("doc", 100, 104, "2006"),))
    assert holds_answer(_hit("doc", 90, 120), item)
    assert holds_answer(_hit("doc", 100, 104), item)
    assert not holds_answer(_hit("doc", 101, 120), item)  # cuts the answer
    assert not holds_answer(_hit("doc", 0, 99), item)  # the same text elsewhere does not count
    assert not holds_answer(_hit("other", 90, 120), item)
    without_offsets = GoldItem("q", "When?", ["xx"])  # JSONL gold: the answer's text in the passage
    assert holds_answer(_hit("doc", 0, 5), without_offsets)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("   \n", "is empty"),
        ('{"version": "v2.0"}', "not SQuAD v2.0 JSON"),
        ('{"data": [{"title": "T"}]}', "article 1 has no 'paragraphs'"),
        ('{"data": [{"title": "T", "paragraphs": [{"context": "abc", "qas": [{"id": "q", "question": "?", '
         '"answers": [{"text": "abd", "answer_start": 0}]}]}]}]}', "answer_start 0 does not point at its answer 'abd'"),
        ('{"data": [{"title": "T", "paragraphs": [{"context": "abc", "qas": [{"id": "q", "question": "?", '
         '"answers": [{"text": "abc", "answer_start": "0"}]}]}]}]}', "'answer_start' of the wrong type"),
        ('{"data": []}', "holds no questions"),
    ],
)
def test_bad_squad_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "gold.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFormatError, match=message):
        load_squad_corpus(path)


def test_jsonl_is_still_read_and_bad_lines_are_explained(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "Who?", "answers": ["X"]}\n', encoding="utf-8")
    assert load_gold(path)[0].answers == ["X"]
    path.write_text('{"id": "a", "answers": []}\n', encoding="utf-8")
    with pytest.raises(GoldFormatError, match="has no 'question'"):
        load_gold(path)


ROW = '{"id": "%s", "question": "Who?", "answers": []}'


@pytest.mark.parametrize(("name", "text", "message"), [
    ("bad.jsonl", '{"question": "no id"}\n', "'bad.jsonl', line 1 has no 'id'."),
    ("bad.jsonl", f"{ROW % 'a'}\n{ROW % 'b'}\n{{broken\n", "'bad.jsonl', line 3 is not JSON"),
    ("bad.jsonl", f"{ROW % 'a'}\n\n{ROW % 'a'}\n", "'bad.jsonl', line 3: the id 'a' is also on line 1"),
    ("bad.jsonl", '{"id": "a", "question": "  ", "answers": []}', "'bad.jsonl', line 1: the question is empty."),
    ("bad.jsonl", '{"id": "a", "question": "Who?", "answers": [], "history": "Who is he?"}',
     "'bad.jsonl', line 1: 'history' is not a list"),
    ("bad.json", '{"data": [1, 2,]}', "'bad.json' is not valid JSON (Expecting value at line 1, column 16)."),
    ("list.json", "[1, 2, 3]", "'list.json' is not SQuAD v2.0 JSON (expected an object with a 'data' list)."),
    ("object.json", '{"version": "v2.0"}', "'object.json' is not SQuAD v2.0 JSON (expected an object with a 'data'"),
    ("lines.json", f"{ROW % 'a'}\n{{broken\n", "'lines.json', line 2 is not JSON"),  # JSON Lines, named .json
])
def test_a_bad_gold_file_is_one_sentence_naming_the_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoldFormatError) as raised:
        load_gold(path)
    assert message in str(raised.value)


ADA = "Ada Lovelace wrote the first program in 1843."


@pytest.mark.parametrize(("qas", "message"), [
    (({"id": "q", "question": "Who?", "answers": [{"text": "Ada Lovelace", "answer_start": 0}]},
      {"id": "q", "question": "When?", "answers": []}), "the question id 'q' is used twice"),
    (({"id": "q", "question": " ", "answers": []},), "the question is empty"),
    (({"id": "q", "question": "When?", "answers": [{"text": "1843", "answer_start": -5}]},),  # [-5:-1] is "1843"
     "answer_start -5 does not point at its answer"),
])
def test_a_bad_squad_file_is_one_sentence(tmp_path, qas, message):
    with pytest.raises(GoldFormatError, match=message):
        load_gold(_squad(tmp_path, [("Ada", ADA, list(qas))]))


def test_a_squad_question_with_answers_is_answerable_as_the_official_evaluation_counts_it(tmp_path):
    answered = {"id": "q", "question": "Who?", "is_impossible": True,
                "answers": [{"text": "Ada Lovelace", "answer_start": 0}]}
    path = _squad(tmp_path, [("Ada", ADA, [answered])])
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")  # a byte-order mark is read past
    (item,) = load_gold(path)
    assert item.answerable and item.answers == ["Ada Lovelace"]


def _squad(tmp_path, articles: list[tuple[str, str, list[dict]]]):
    data = {"version": "v2.0", "data": [
        {"title": title, "paragraphs": [{"context": context, "qas": qas or [
            {"id": f"{title}-{len(context)}", "question": "What?", "answers": [], "is_impossible": True}]}]}
        for title, context, qas in articles
    ]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path

"""The stored parses answer every question the reader asks of a parse exactly as spaCy's own Doc does."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from index.documents import load_documents
from index.parses import SPACY_MODEL, ParsedText, parse_texts
from index.passages import split_passages
from tests.conftest import SEEDS

pytestmark = pytest.mark.integration
TOKEN_ATTRIBUTES = ("text", "idx", "pos_", "dep_", "lemma_", "ent_type_", "is_alpha", "like_num", "is_punct", "is_space")


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(SPACY_MODEL)


def assert_same_parse(spacy_doc, stored: ParsedText) -> None:
    assert len(stored) == len(spacy_doc)
    for ours, theirs in zip(stored, spacy_doc, strict=True):
        assert [getattr(ours, a) for a in TOKEN_ATTRIBUTES] == [getattr(theirs, a) for a in TOKEN_ATTRIBUTES]
        assert len(ours) == len(theirs)
        for relation in ("head", "left_edge", "right_edge"):
            assert getattr(ours, relation).i == getattr(theirs, relation).i, relation
        for relation in ("lefts", "rights", "children", "conjuncts"):
            assert [t.i for t in getattr(ours, relation)] == [t.i for t in getattr(theirs, relation)], relation
    assert [(e.start, e.end, e.label_) for e in stored.ents] == [(e.start, e.end, e.label_) for e in spacy_doc.ents]
    for first in range(len(spacy_doc)):
        for last in range(first + 1, len(spacy_doc) + 1):
            ours, theirs = stored[first:last], spacy_doc[first:last]
            assert (ours.root.i, ours.text, len(ours)) == (theirs.root.i, theirs.text, len(theirs))
            assert [(e.start, e.end) for e in ours.ents] == [(e.start, e.end) for e in theirs.ents]


def test_stored_parses_of_the_seed_article_match_spacy(nlp):
    passages = [p.text for d in load_documents(SEEDS) for p in split_passages(d)]
    for text, stored in zip(passages, parse_texts(passages), strict=True):
        assert_same_parse(nlp(text), ParsedText.from_json(text, stored))


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab Xy,.$5%-\n'é"), max_size=60))
def test_stored_parses_of_arbitrary_text_match_spacy(nlp, text):
    assert_same_parse(nlp(text), ParsedText.from_json(text, parse_texts([text])[0]))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(1, 40))
def test_token_range_matches_spacy_char_span_expand(nlp, start, length):
    text = "The U.S. offered $50 million, about 5% of it, to the gang Tren de Aragua."
    start = min(start, len(text) - 1)
    end = min(len(text), start + length)
    if text[start].isspace() or text[end - 1].isspace():
        return  # the reader only asks about regex matches, which start and end on characters
    expected = nlp(text).char_span(start, end, alignment_mode="expand")
    found = ParsedText.from_json(text, parse_texts([text])[0]).token_range(start, end)
    assert found == (expected.start, expected.end)

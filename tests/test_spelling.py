"""Typos in questions are corrected towards the documents' words, and only typos are."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.spelling import Speller

DOCUMENTS = [
    "Defense Secretary Pete Hegseth spoke; Interior Minister Diosdado Cabello was named.",
    "The Trump administration has indicated a reluctance; Trump expressed satisfaction.",
    "Terrorist organizations were designated; the president said so.",
]


@pytest.mark.parametrize(
    "question, corrected",
    [
        ("Which organizatin was designated?", "Which organizations was designated?"),  # 2 edits, long word
        ("What is Hegset's job?", "What is Hegseth's job?"),  # a name, its possessive and capital kept
        ("Who is Cabelo?", "Who is Cabello?"),
        ("Who expressed satisfcation?", "Who expressed satisfaction?"),  # a swap is one edit
        ("Who was indcted?", "Who was indcted?"),  # 2 edits from "indicated" is too far for 7 letters
        ("Who won the Nobel prize?", "Who won the Nobel prize?"),  # English words stay, in the documents or not
        ("Who is the presdent?", "Who is the president?"),
        ("Who led in 2020?", "Who led in 2020?"),  # short words and numbers stay
    ],
)
def test_unknown_words_are_corrected_towards_the_documents(question, corrected):
    assert Speller(DOCUMENTS).correct(question) == corrected


def test_a_misspelt_question_gets_the_answer_of_the_spelt_one(pipeline):
    plain = pipeline.ask("Which organization published the report Maduro cites?")
    misspelt = pipeline.ask("Which organizatin published the report Maduro cites?")
    assert plain.answer is not None and misspelt.answer is not None
    assert (misspelt.answer.text, misspelt.answer.start) == (plain.answer.text, plain.answer.start)
    assert misspelt.question == "Which organizatin published the report Maduro cites?"  # as sent


def test_words_for_kinds_of_answer_are_corrected_to_even_where_the_documents_lack_them():
    from qa.question import ANSWER_KIND_WORDS

    speller = Speller(["Only approximately 5% of the cocaine transits through Venezuela."], also=ANSWER_KIND_WORDS)
    assert speller.correct("What percetnage of the cocaine transits?") == "What percentage of the cocaine transits?"
    assert Speller(DOCUMENTS).correct("What percetnage?") == "What percetnage?"  # without them: nothing near



@given(st.lists(st.text("abcde", min_size=1, max_size=9), max_size=40), st.text("abcde", min_size=1, max_size=9),
       st.integers(0, 2))
def test_vocabulary_finds_what_a_scan_of_every_word_finds(words, word, edits):
    from rapidfuzz.distance import OSA

    from qa.spelling import Vocabulary

    scan = {(w, OSA.distance(word, w)) for w in words if OSA.distance(word, w) <= edits}
    assert set(Vocabulary(words).within(word, edits, OSA.distance)) == scan

"""Content terms: what retrieval and reading match on."""

from __future__ import annotations

from qa.terms import content_terms, stems


def test_words_about_the_document_are_not_content():
    # Measured at 100k distractor passages: "mention" matched "Mention the above new test files." and pushed
    # the article's election sentence out of the top ranks (README, "Scale").
    assert stems("Which election does the article mention?") == ["elect"]
    assert stems("What election is mentioned in the text, according to the report?") == ["elect", "text", "report"]
    assert stems("What did Hegseth say?") == ["hegseth"]


def test_terms_keep_their_offsets_into_the_question():
    question = "Who indicted Nicolás Maduro?"
    assert [(question[t.start : t.end], t.stem) for t in content_terms(question)] == [
        ("indicted", "indict"), ("Nicolás", "nicola"), ("Maduro", "maduro")
    ]

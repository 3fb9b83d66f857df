"""Opening pronouns resolved at index time: who "He" is, where it stands, and what search reads instead."""

from __future__ import annotations

from index.antecedents import resolve_pronouns
from index.documents import Document
from index.parses import ParsedText, parse_texts
from index.passages import split_passages


def resolved(*texts: str) -> list:
    """The passages of ``texts`` (one document each) with their antecedents; a line of its own is a passage."""
    passages = [p for i, text in enumerate(texts) for p in split_passages(Document(f"doc{i}", "", text))]
    stored = parse_texts([p.text for p in passages])
    return resolve_pronouns(passages, [ParsedText.from_json(p.text, s) for p, s in zip(passages, stored, strict=True)])


def test_an_opening_he_is_the_previous_passage_s_subject():
    denied, points, report = resolved(
        "Maduro has denied the charges.\nHe points to a United Nations report.\nThe report was published in 2020."
    )
    assert denied.antecedent == "" and report.antecedent == ""
    assert points.antecedent == "Maduro"
    assert points.text[points.pronoun_start : points.pronoun_end] == "He"
    assert points.search_text == "Maduro points to a United Nations report."
    assert points.text == "He points to a United Nations report."  # the passage itself never changes


def test_chains_carry_the_person_and_possessives_become_possessives():
    _, first, second = resolved(
        "Defense Secretary Pete Hegseth spoke on Monday.\nHe said nothing was off the table.\nHis aides agreed."
    )
    assert first.antecedent == "Pete Hegseth"
    assert second.antecedent == "Pete Hegseth’s" and second.search_text.startswith("Pete Hegseth’s aides")


def test_no_antecedent_without_a_person_before_or_with_a_name_first():
    _, he, named = resolved(
        "The treaty was signed in 2016.\nHe left the country.\nIn Caracas, Maduro said he would stay."
    )
    assert he.antecedent == ""  # the sentence before names nobody
    assert named.antecedent == ""  # a name comes before the pronoun: nothing to resolve


def test_a_new_document_starts_with_nobody_in_mind():
    _, first_of_next = resolved("Maduro has denied the charges.", "He points to a report.")
    assert first_of_next.antecedent == ""

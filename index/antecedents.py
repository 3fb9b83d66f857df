"""Who a sentence's opening "he" or "she" is, worked out when the index is built.

A passage is one sentence, so "He points to a United Nations report …" says nothing of Maduro on its own: a
question about Maduro's report finds it neither by its words nor by its embedding. In news prose a sentence that
refers to someone by a pronoun before naming anyone continues the previous sentence's subject (the centering
rule coreference systems start from), so that subject is taken as the antecedent when it is a person's name;
otherwise the first person the previous sentence names. Chains carry over ("Maduro … He … He …").

Only "he", "she", "his" and "her" are resolved: "they" and "it" stand for groups and things, which are often not
the previous subject, and the seed has no such sentence to check a rule on. The passage text never changes;
search reads the sentence with the name in the pronoun's place (:attr:`Passage.search_text`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from index.parses import ParsedText, ParsedToken
from index.passages import Passage

SUBJECT_PRONOUNS = frozenset({"he", "she"})
POSSESSIVE_PRONOUNS = frozenset({"his", "her"})
SUBJECTS = frozenset({"nsubj", "nsubjpass"})
NOT_PEOPLE = frozenset({"GPE", "LOC", "NORP", "FAC", "DATE", "TIME", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"})


def resolve_pronouns(passages: list[Passage], parses: list[ParsedText]) -> list[Passage]:
    """``passages`` with the antecedent of each sentence-opening "he"/"she"/"his"/"her" filled in."""
    resolved = []
    previous_person = ""  # the person the previous sentence of the same document is about, if any
    for index, (passage, parse) in enumerate(zip(passages, parses, strict=True)):
        if index and passages[index - 1].doc_id != passage.doc_id:
            previous_person = ""
        pronoun = _opening_pronoun(parse)
        if pronoun is not None and previous_person:
            name = previous_person + ("’s" if pronoun.text.lower() in POSSESSIVE_PRONOUNS else "")
            passage = replace(
                passage, antecedent=name, pronoun_start=pronoun.idx, pronoun_end=pronoun.idx + len(pronoun.text)
            )
        resolved.append(passage)
        subject = _subject_name(parse)
        if subject:
            previous_person = subject
        elif pronoun is None or not previous_person:
            previous_person = _first_person(parse)
        # else: "He …" without a name of its own keeps talking about the same person
    return resolved


def _opening_pronoun(parse: ParsedText) -> ParsedToken | None:
    """The first "he"/"she" (as a subject) or "his"/"her" (as an owner), if no name comes before it."""
    for token in parse:
        if token.pos_ == "PROPN" or token.ent_type_ == "PERSON":
            return None
        word = token.text.lower()
        if (word in SUBJECT_PRONOUNS and token.dep_ in SUBJECTS) or (word in POSSESSIVE_PRONOUNS and token.dep_ == "poss"):
            return token
    return None


def _subject_name(parse: ParsedText) -> str:
    """The main clause's subject when it is a name that may be a person's: "Maduro has denied the charges" ->
    "Maduro". The small English model often labels a person ORG (it does "Maduro" here), so any name but a
    place's or a nationality's counts."""
    for token in parse:
        if token.head.i == token.i:  # the sentence root
            for child in token.children:
                if child.dep_ in SUBJECTS and child.pos_ == "PROPN" and child.ent_type_ not in NOT_PEOPLE:
                    return _name(parse, child)
    return ""


def _first_person(parse: ParsedText) -> str:
    return next((entity.text for entity in parse.ents if entity.label_ == "PERSON"), "")


def _name(parse: ParsedText, token: ParsedToken) -> str:
    """The whole name around ``token``: the entity that holds it, else the proper nouns in front of it."""
    entity = next((e for e in parse.ents if e.start <= token.i < e.end), None)
    if entity is not None:
        return entity.text
    first = token.i
    while first > 0 and parse[first - 1].pos_ == "PROPN" and parse[first - 1].dep_ == "compound":
        first -= 1
    return parse[first : token.i + 1].text


def names_a_person(name: str, parses: Iterable[ParsedText]) -> bool:
    """Whether any of ``parses`` labels ``name`` a person, whole or as the last word of a longer name ("Cabello" of
    "Diosdado Cabello"): the small English model labels the same name a person in one sentence and an organisation
    in the next ("Maduro"), so a follow-up's antecedent is judged by the documents, not by one short question."""
    return any(entity.label_ == "PERSON" and (entity.text == name or entity.text.endswith(" " + name))
               for parse in parses for entity in parse.ents)

"""Unanswerable questions made from answerable ones, the ways SQuAD 2.0's writers made theirs.

Rajpurkar et al. (2018) list how crowd workers turned a paragraph's questions into ones it cannot answer: a
swapped entity or number, an antonym, a negation. Each function here makes one such change and returns the new
question, or ``None`` when the change does not apply. The caller checks that what was put in is absent from the
window the question is paired with, so the window cannot answer the new question.
"""

from __future__ import annotations

import random
import re

# General English opposites (both directions). Not tied to any article.
ANTONYMS = dict(
    pair
    for a, b in [
        ("first", "last"), ("largest", "smallest"), ("highest", "lowest"), ("most", "least"), ("before", "after"),
        ("increase", "decrease"), ("increased", "decreased"), ("earliest", "latest"), ("best", "worst"),
        ("older", "younger"), ("oldest", "youngest"), ("north", "south"), ("east", "west"), ("more", "less"),
        ("won", "lost"), ("win", "lose"), ("began", "ended"), ("start", "end"), ("rise", "fall"),
        ("positive", "negative"), ("major", "minor"), ("maximum", "minimum"), ("longest", "shortest"),
        ("strongest", "weakest"), ("early", "late"), ("inside", "outside"), ("above", "below"),
        ("open", "closed"), ("success", "failure"), ("successful", "unsuccessful"), ("accepted", "rejected"),
        ("allowed", "banned"), ("public", "private"), ("domestic", "foreign"), ("higher", "lower"),
        ("larger", "smaller"), ("bigger", "smaller"), ("longer", "shorter"), ("cheaper", "dearer"),
        ("modern", "ancient"), ("legal", "illegal"), ("male", "female"), ("born", "died"), ("join", "leave"),
        ("joined", "left"), ("gained", "lost"), ("bought", "sold"), ("buy", "sell"), ("import", "export"),
        ("imports", "exports"), ("supported", "opposed"), ("support", "oppose"), ("agreed", "refused"),
        ("common", "rare"), ("popular", "unpopular"), ("wealthy", "poor"), ("rich", "poor"),
    ]
    for pair in ((a, b), (b, a))
)
AUXILIARIES = re.compile(r"\b(is|was|are|were|did|does|do|has|have|had|can|could|will|would)\b(?! not\b| never\b)", re.I)
NUMBER = re.compile(r"\b\d[\d,.]*\b")


def swap_entity(question: str, question_entities: list[tuple[str, str]], pool: dict[str, list[str]],
                rng: random.Random) -> tuple[str, str] | None:
    """Replace one named entity of the question by another of the same kind from ``pool`` (label -> texts).
    Returns the new question and what was put in."""
    candidates = [(text, label) for text, label in question_entities if len(pool.get(label, ())) > 1]
    if not candidates:
        return None
    text, label = rng.choice(candidates)
    replacements = [other for other in pool[label] if other.lower() != text.lower() and other.lower() not in question.lower()]
    if not replacements:
        return None
    replacement = rng.choice(replacements)
    return question.replace(text, replacement, 1), replacement


def swap_number(question: str, rng: random.Random) -> tuple[str, str] | None:
    """Change one number of the question (a year moves by a few years, another number by a factor)."""
    numbers = list(NUMBER.finditer(question))
    if not numbers:
        return None
    match = rng.choice(numbers)
    digits = match.group().replace(",", "")
    if not digits.isdigit():
        return None
    value = int(digits)
    if 1000 <= value <= 2100:
        changed = value + rng.choice([-7, -5, -3, -2, 2, 3, 5, 7])
    else:
        changed = max(2, value * rng.choice([2, 3, 10]) + rng.choice([0, 1]))
    new = str(changed)
    return question[: match.start()] + new + question[match.end() :], new


def swap_antonym(question: str, rng: random.Random) -> tuple[str, str] | None:
    """Replace one word by its opposite ("first" -> "last")."""
    words = [m for m in re.finditer(r"[A-Za-z]+", question) if m.group().lower() in ANTONYMS]
    if not words:
        return None
    match = rng.choice(words)
    opposite = ANTONYMS[match.group().lower()]
    if match.group()[0].isupper():
        opposite = opposite.capitalize()
    return question[: match.start()] + opposite + question[match.end() :], opposite


def negate(question: str, rng: random.Random) -> tuple[str, str] | None:
    """Put "not" or "never" after the question's first auxiliary verb ("Who was indicted" -> "Who was not …")."""
    match = AUXILIARIES.search(question)
    if not match or match.start() > 30:
        return None
    word = rng.choice(["not", "never"])
    return question[: match.end()] + f" {word}" + question[match.end() :], word

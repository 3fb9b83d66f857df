"""Typos in a question: a word that is neither in the documents nor an English word (simplemma's dictionary) is
replaced by the nearest word of the documents, one or two edits away ("organizatin" -> "organizations").

A misspelt word stems to something else ("organizatin" is no "organ" to Snowball), so it would miss the passages
that hold it; docs/experiments.md has what the correction changed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import simplemma
from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.terms import WORD, fold

SHORTEST_CORRECTED = 5  # letters; shorter words have too many neighbours one edit away


class Vocabulary:
    """Words grouped by length, so that the words a few edits from one are looked for only among those whose
    length is within that many letters of it (an edit changes the length by one at most). With 100k passages of
    distractors the words of the right lengths are about a third of them."""

    def __init__(self, words: Iterable[str]) -> None:
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(set(words)):
            self._by_length[len(word)].append(word)

    def within(self, word: str, edits: int, distance: Callable[..., int]) -> list[tuple[str, int]]:
        """The words at most ``edits`` away from ``word`` by ``distance`` (a rapidfuzz distance's ``distance``),
        with their distances, in no particular order."""
        return [
            (found, score)
            for length in range(len(word) - edits, len(word) + edits + 1)
            for found, score, _ in process.extract(
                word, self._by_length.get(length, ()), scorer=distance, score_cutoff=edits, limit=None
            )
        ]


class Speller:
    """Corrects a question's words towards the words of ``texts`` (the documents' passages) and ``also``."""

    def __init__(self, texts: Iterable[str], also: Iterable[str] = ()) -> None:
        """``also``: words to correct towards though the documents may not use them (the question kinds' words)."""
        self._counts = Counter(fold(word) for text in texts for word in WORD.findall(text))
        for word in also:
            self._counts.setdefault(word, 0)
        self._candidates = Vocabulary(w for w in self._counts if len(w) >= SHORTEST_CORRECTED - 1 and w.isalpha())

    def correct(self, question: str) -> str:
        """``question`` with each unknown word replaced by its nearest document word, if one is near enough."""
        return WORD.sub(lambda match: self._corrected(match.group()), question)

    def _corrected(self, word: str) -> str:
        stem_part, possessive = (word[:-2], word[-2:]) if word.endswith(("'s", "’s")) else (word, "")
        folded = fold(stem_part)
        if (
            len(folded) < SHORTEST_CORRECTED or not folded.isalpha() or folded in self._counts
            or simplemma.is_known(folded, lang="en")
        ):
            return word
        # one edit (a swap counts as one) below 8 letters: two would reach other words ("indcted" -> "indicated")
        limit = 1 if len(folded) < 8 else 2
        near = self._candidates.within(folded, limit, OSA.distance)
        if not near:
            return word
        best = min(near, key=lambda found: (found[1], -self._counts[found[0]], found[0]))[0]
        return (best.capitalize() if stem_part[0].isupper() else best) + possessive

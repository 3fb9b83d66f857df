"""Passages of whole sentences that keep their character offsets into the original document.

A passage is a run of consecutive sentences of one paragraph (line), at most ``PASSAGE_CHARS`` characters long
unless a single sentence is longer: about one reading window of the reader, and the unit that is retrieved and
cited. Retrieval finds the answer's passage far more often than its single sentence (docs/experiments.md).

Invariant (tested): ``document.text[p.start:p.end] == p.text`` for every passage ``p``; passages are in order and
do not overlap. A heading is never a passage of its own: it is the context of the passages under it (their
``heading``, which search reads with them), so between passages lie only whitespace and headings.

The splitter is rule-based because the available ones each break this corpus: measured on the seed article,
pysbd and spaCy's parser merge "…by the CIA.A senior official…" and "…to the U.S. U.S. authorities…",
and sentencex glues the headline to the first sentence and misses the second trap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents import Document

# Words that end with a period but rarely end a sentence (compared case-insensitively, without the period).
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr gen sen rep gov lt col sgt capt cmdr adm pres inc co corp ltd llc vs etc no nos "
    "jan feb mar apr jun jul aug sep sept oct nov dec mt ft approx dept univ fig al e.g i.e a.m p.m".split()
)
# Capitalised words that usually open a sentence; after a dotted abbreviation such as "U.S." they mark a boundary.
SENTENCE_OPENERS = frozenset(
    "the a an this that these those he she it they we i you his her its their our my there here but and yet so "
    "however meanwhile historically despite in on at after before while when as if although also according "
    "some many most one two several officials".split()
)
TERMINATOR = re.compile(r"[.!?]+[\"'”’»)\]]*")
DOTTED_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}$")
MAX_PASSAGE_CHARS = 1000  # a longer sentence is cut at clause breaks
PASSAGE_CHARS = 600  # sentences are joined into passages up to this length
CLAUSE_BREAK = re.compile(r"[;:,]\s+")


@dataclass(frozen=True, slots=True)
class Passage:
    """Consecutive sentences of a document. ``start``/``end`` index the document's original text.

    ``antecedent`` is who an opening "he"/"she" at ``text[pronoun_start:pronoun_end]`` refers to, when the index
    worked that out (see :mod:`index.antecedents`); "" otherwise.
    """

    doc_id: str
    passage_id: str
    start: int
    end: int
    text: str
    antecedent: str = ""
    pronoun_start: int = 0
    pronoun_end: int = 0
    heading: str = ""  # the path of headings the passage sits under ("Installation › macOS requirements")

    @property
    def search_text(self) -> str:
        """The text search reads: its headings first, and the antecedent in the pronoun's place ("Maduro points
        to …")."""
        text = self.text
        if self.antecedent:
            text = text[: self.pronoun_start] + self.antecedent + text[self.pronoun_end :]
        return f"{self.heading}: {text}" if self.heading else text


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` character spans of the sentences of ``text``, whitespace trimmed.

    Line breaks always end a sentence (headlines, paragraphs). Within a line a sentence ends at ``.``/``!``/``?``
    (with any closing quotes) unless the word before is an abbreviation or the next word starts in lower case;
    a period glued to a capitalised word ("CIA.A senior") ends one when the word before it is not dotted.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end in _sentence_ends(line.group(), line.start()):
            spans.extend(_trimmed_pieces(text, start, end))
            start = end
        spans.extend(_trimmed_pieces(text, start, line.end()))
    return spans


def split_passages(document: Document) -> list[Passage]:
    """Split a document into numbered passages of whole sentences; ids look like ``"<doc_id>#<n>"``. Headings
    (the first line of each section) are not passages but the ``heading`` of the passages under them."""
    headings = {section.start for section in document.sections}
    # a PDF's lines are its layout's (table cells, short lines): passages run on over them within a page
    across_lines = document.format == "pdf"
    spans = [(start, end) for start, end in join_sentences(document.text, split_sentences(document.text),
                                                           across_lines=across_lines)
             if not (start in headings and "\n" not in document.text[start:end]
                     and document.text.find("\n", start) in (end, -1))]
    return [
        Passage(document.doc_id, f"{document.doc_id}#{number}", start, end, document.text[start:end],
                heading=document.section_at(start) or "")
        for number, (start, end) in enumerate(spans)
    ]


def join_sentences(text: str, sentences: list[tuple[int, int]], limit: int = PASSAGE_CHARS, *,
                   across_lines: bool = False) -> list[tuple[int, int]]:
    """Join consecutive sentence spans of one line of ``text`` (``across_lines``: of one block of lines, not
    across a blank line) into spans of at most ``limit`` characters."""
    joined: list[tuple[int, int]] = []
    stop = "\n\n" if across_lines else "\n"
    for start, end in sentences:
        if joined:
            first, last = joined[-1]
            if end - first <= limit and stop not in text[last:start]:
                joined[-1] = (first, end)
                continue
        joined.append((start, end))
    return joined


def _sentence_ends(line: str, offset: int) -> list[int]:
    ends = []
    for match in TERMINATOR.finditer(line):
        after = match.end()
        if after >= len(line):
            continue  # the line end closes the sentence anyway
        if _is_boundary(line, match.start(), after):
            ends.append(offset + after)
    return ends


WORD_BEFORE = re.compile(r"[\w.]{0,40}$")
GLUED_CAPITAL = re.compile(r"[A-Z](?:[a-z]*\s|\s)")
NEXT_WORD = re.compile(r"\s+[\"'“‘(\[]*([\w.]*)")


def _is_boundary(line: str, stop: int, after: int) -> bool:
    # Look-behind and look-ahead are bounded and anchored, so long lines with many periods stay linear.
    word_before = WORD_BEFORE.search(line, max(0, stop - 40), stop).group()
    if line[stop] in "!?":
        return line[after].isspace()
    if not line[after].isspace():
        # "CIA.A senior": glued to a capitalised word that is not part of a dotted abbreviation ("U.S.in").
        glued = GLUED_CAPITAL.match(line, after)
        return bool(glued) and len(word_before) >= 2 and "." not in word_before and word_before.isalpha()
    next_word = NEXT_WORD.match(line, after).group(1)
    if not next_word or next_word[0].islower():
        return False
    if word_before.lower() in ABBREVIATIONS or (len(word_before) == 1 and word_before.isalpha()):
        return False
    if DOTTED_ABBREVIATION.search(word_before + "."):
        # "U.S. Defense Secretary" continues; "…to the U.S. U.S. authorities" and "…the U.S. The…" do not.
        return next_word.lower() in SENTENCE_OPENERS or bool(DOTTED_ABBREVIATION.match(next_word))
    return True


def _trimmed_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Trim whitespace from ``text[start:end]``; cut a run-on sentence at clause breaks so passages stay short."""
    pieces = []
    while True:
        while start < end and text[start].isspace():
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if start == stop:
            return pieces
        if stop - start <= MAX_PASSAGE_CHARS:
            pieces.append((start, stop))
            return pieces
        cut = _last_break_before(text, start, start + MAX_PASSAGE_CHARS)
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut


def _last_break_before(text: str, start: int, limit: int) -> int:
    """Where to cut a long piece: the last clause break, else the last space, in the second half of the window."""
    half = start + MAX_PASSAGE_CHARS // 2
    breaks = [m.end() for m in CLAUSE_BREAK.finditer(text, half, limit)]
    if breaks:
        return breaks[-1]
    spaces = [m.end() for m in re.compile(r"\s+").finditer(text, half, limit)]
    return spaces[-1] if spaces else limit

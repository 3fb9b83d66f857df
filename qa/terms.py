"""Content terms: the lower-cased, stemmed, stop-word-free words that retrieval and reading both match on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
import Stemmer

WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours according article say said tell mention mentioned""".split()
)
_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True, slots=True)
class Term:
    """A content word of a text: its stem and where it stands (character offsets into that text)."""

    stem: str
    start: int
    end: int


@lru_cache(maxsize=65536)  # the reader folds the same passage words for every question
def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching (never for output): "López" -> "lopez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = fold(word)
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace(".", "")
    # simplemma capitalises the proper nouns it knows ("colombia" -> "Colombia"): fold again
    return _stemmer.stemWord(simplemma.lemmatize(word, lang="en").casefold() if word else word)


def content_terms(text: str) -> list[Term]:
    """The content terms of ``text`` in order; offsets index ``text`` itself."""
    terms = []
    for match in WORD.finditer(text):
        word = match.group()
        if fold(word) in STOPWORDS:
            continue
        terms.append(Term(stem(word), match.start(), match.end()))
    return terms


def stems(text: str) -> list[str]:
    return [term.stem for term in content_terms(text)]

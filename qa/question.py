"""What a question asks for: its expected answer type, its focus noun, and its content terms.

Rules over the question's words, not a parser: parsing a question with spaCy costs about as much as embedding it
(8 ms measured here), and the wh-word plus the noun after it carry the answer type in English questions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import Levenshtein

from index.passages import split_sentences
from qa.terms import STOPWORDS, WORD, fold, stem, stems


class AnswerType(StrEnum):
    PERSON = "person"  # who / whom / which official
    DATE = "date"  # when / what year / what month
    MONEY = "money"  # how much (money)
    PERCENT = "percent"  # what percentage / share
    COUNT = "count"  # how many / how old
    DURATION = "duration"  # how long
    PLACE = "place"  # where / which region
    REASON = "reason"  # why
    YES_NO = "yes_no"  # is / did / has …
    TITLE = "title"  # what position does X hold: the office or title a person holds
    ACTION = "action"  # what did X do: the predicate, "sanctioned the Cartel de los Soles"
    ENTITY = "entity"  # what / which + noun
    DESCRIPTION = "description"  # what did X say / do, how did X …


WH_WORDS = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
AUXILIARIES = frozenset("is are was were do does did has have had can could will would should may might must".split())
ORGANISATION_NOUNS = frozenset(
    "agency department organization organisation group gang cartel company ministry office body army force "
    "forces government institution party administration court association alliance coalition network syndicate "
    "union federation league movement militia council committee commission bureau corporation".split()
)
PLACE_NOUNS = frozenset("country region city place area border state territory town province nation".split())
PERSON_NOUNS = frozenset("person people official officials leader minister president secretary man woman".split())
# Titles a person holds: "Who is the president of Colombia?" names the office by the title and its qualifiers.
ROLE_NOUNS = frozenset(
    "president secretary minister leader director head chief governor mayor ambassador chairman chairwoman chair "
    "spokesman spokeswoman spokesperson commander general king queen chancellor attorney judge senator "
    "prosecutor premier".split()
)
# "Who leads …?" names an office by its verb
OFFICE_VERBS = {
    verb: noun
    for noun, verbs in (
        ("leader", "leads led"), ("head", "heads headed"), ("director", "directs directed"),
        ("chair", "chairs chaired"), ("commander", "commands commanded"), ("governor", "governs governed"),
    )
    for verb in verbs.split()
}
DATE_NOUNS = frozenset("year month date day time decade century".split())
# What is paid: "What is the reward for …?" wants an amount of money.
MONEY_NOUNS = frozenset("reward bounty price cost fee fine salary budget bail ransom payment wage".split())
TITLE_NOUNS = frozenset("position title role job office post rank".split())
# What is measured by a number: "What is the population of …?" wants one, whatever the article says about it.
MEASURE_NOUNS = frozenset("population number total count size age height length width depth weight distance".split())
# The words that say what kind of answer a question wants: a misspelt one should be corrected to them even where
# the documents never use them ("percetnage": the article says "%"); see qa.spelling.
ANSWER_KIND_WORDS = (
    ORGANISATION_NOUNS | PLACE_NOUNS | PERSON_NOUNS | ROLE_NOUNS | DATE_NOUNS | MONEY_NOUNS | TITLE_NOUNS
    | MEASURE_NOUNS | frozenset("percentage percent share proportion fraction amount much many".split())
)
# The answer type a focus noun asks for, first match wins ("What year…" -> a date); other nouns: an entity.
FOCUS_TYPES = (
    (PERSON_NOUNS, AnswerType.PERSON),
    (PLACE_NOUNS, AnswerType.PLACE),
    (DATE_NOUNS, AnswerType.DATE),
    (MEASURE_NOUNS, AnswerType.COUNT),
    (MONEY_NOUNS, AnswerType.MONEY),
    (TITLE_NOUNS, AnswerType.TITLE),
)
SOURCE_ATTRIBUTION = re.compile(r"\b(according to|as (said|stated|reported|claimed) by)\b[^,;?]*", re.IGNORECASE)
# "Diosdado Cabello's arrest", "Maduro’s inner circle": a capitalised owner, then the words it owns
POSSESSION = re.compile(
    r"((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)['’]s?\s+((?:(?!(?:of|in|on|for|to|and|or|by|with)\b|\w+(?:ed|ing)\b)[a-z][\w-]*\s*)+)"
)  # … up to a preposition or a verb form: "Maduro's inner circle [called]" owns a circle
CATEGORY_OF = re.compile(r"\b(what|which)\s+(kind|type|sort|form)s?\s+of\b", re.IGNORECASE)
# "What is the Cartel de los Soles?", "What kind of group is X?", "What does FARC stand for?": X is to be defined
DEFINITION = re.compile(
    r"^what (?:(?:kind|type|sort|form)s? of \w+ )?(?:is|are|was|were) (?P<x>.+)$"
    r"|^what (?:does|did|do) (?P<y>.+) stand for$"
)
MODALS = frozenset("did does do will would can could should might may must".split())
IRREGULAR_PARTICIPLES = frozenset(
    "done made given taken seen known shown told held led paid sent brought bought built caught chosen drawn driven "
    "eaten fallen found fought forgotten gotten grown heard hidden hit hurt kept laid left lent lost meant met put "
    "read run said sold set shot shut spent spoken stolen struck sworn thought thrown understood won written".split()
)
IRREGULAR_PASTS = frozenset("spoke took gave saw knew wrote ran began came went became fled sought rose fell".split())
# "To how much was the reward raised?", "What was it raised to?": the answer is that preposition's object
PREPOSITIONS = frozenset(
    "to for of with from by through about in on at into against between among toward towards via as".split()
)
SKIPPED_AFTER_WH = frozenset("kind type sort form name other".split()) | {"of", "the", "a", "an"}
# "Which minister was indicted besides the defense minister?": what follows is not the answer
EXCLUSION = re.compile(
    r"\b(?:besides|except(?: for)?|other than|apart from|aside from|in addition to)\s+([^,;?]+)", re.IGNORECASE
)
# "What is the cartel … called?", "What is the name of …?": a name is asked for, not a description
NAME_ASKED = re.compile(r"\b(?:called|named)\s*\??\s*$|\bthe name of\b|^\s*what name\b", re.IGNORECASE)
# "What does the official think about Maduro's rule?": the answer is something said of the rule
ABOUT = re.compile(r"^\s*what\b.*\babout\s+([^?]+?)\s*\??\s*$", re.IGNORECASE)
# "According to the article, who …?", "Based on the text, when …?": a framing clause in front of the question
# proper (what follows the comma opens like a question or a request). Its source still counts as the question's
# words, unless it is only the document itself.
DOCUMENT_WORDS = frozenset({"article", "text", "document", "passage", "story"})
_WH = "(?:who|whom|whose|what|which|when|where|why|how)"
_PREPOSITION = "(?:through|with|by|to|for|from|in|on|at|of|about|into|against|among|after|before)"
FRAMING = re.compile(
    r"^\s*(?:according to|based on|judging by|going by|from|in|per|given|as (?:said|stated|reported|told) (?:in|by))\s"
    rf"(?P<source>(?:(?!\b{_WH}\b)[^,?]){{1,80}}),\s*"  # no wh-word: "In the wake of which event, did …?" is no framing
    rf"(?=(?:{_PREPOSITION}\s+)?"  # "…, through whom …?"
    rf"(?:{_WH}|is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|please|tell|name|list|identify)\b)",
    re.IGNORECASE,
)
LABEL = re.compile(r"^\s*(?:q|question)\s*[:.)-]\s*", re.IGNORECASE)  # "Q: who …?"
EMBEDDING = re.compile(  # "Do you know who …", "I would like to know what …": the embedded question is what is asked
    r"^\s*(?:(?:do|does|would|did)\s+(?:you|anyone|anybody)\s+know|i(?:\s+(?:want|would\s+like|need)|['’]d\s+like)\s+to\s+know"
    rf"|i\s+wonder|i\s*(?:['’]m|am)\s+wondering)\s*,?\s+(?=(?:{_PREPOSITION}\s+)?{_WH}\b)",
    re.IGNORECASE,
)
THANKS = re.compile(r"[\s,.;!]*\b(?:thanks?(?:\s+you)?(?:\s+(?:very|so)\s+much)?|thx|cheers)[\s.!]*$", re.IGNORECASE)
TRAILING_DOCUMENT_FRAMING = re.compile(
    r",?\s*\b(?:according to|based on|as (?:said|stated|reported) in|in)\s+(?:the|this)\s+"
    rf"(?:{'|'.join(sorted(DOCUMENT_WORDS))})\s*(?=[?.!]*\s*$)",
    re.IGNORECASE,
)
DOCUMENT_AS_SUBJECT = re.compile(  # "Which election does the article mention?" asks "Which election?"
    rf"\s+(?:does|do|did)\s+(?:the|this)\s+(?:{'|'.join(sorted(DOCUMENT_WORDS))})\s+"
    r"(?:mention|name|cite|list|describe|discuss|report|refer\s+to|talk\s+about)\s*(?=[?.!]*\s*$)",
    re.IGNORECASE,
)
SURROUNDING_SYMBOLS = frozenset({"So", "Sk", "Cf", "Co", "Cn", "Mn"})  # emoji, their joiners and variation selectors
OPENING_QUOTES, CLOSING_QUOTES = "\"“„«‘'", "\"”»’'"
SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s")  # somewhere before the end: maybe more than one sentence
REPEATED_MARKS = re.compile(r"[?!]*\?[?!]*(?=\s*$)")  # "??", "?!" -> "?"
# a question without its mark, or an embedded one ending in a full stop: "who was charged." asks "who was charged?"
UNMARKED_QUESTION = re.compile(
    rf"^((?:{_PREPOSITION}\s+)?(?:{_WH}|is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b.*?)"
    r"(?:(?<=(?-i:[a-z0-9)\]\"'”’]))[.!])?$",  # a full stop, not an abbreviation's ("… in the U.S.")
    re.IGNORECASE | re.DOTALL,
)
# Requests stand for questions: "Could you tell me who …?", "Name the cartel …", "List the officials …"
POLITE = re.compile(r"^\s*(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?", re.IGNORECASE)
TELL_ME = re.compile(r"^(?:tell|show|give)\s+me\s+(?=(?:who|whom|whose|what|which|when|where|why|how)\b)", re.IGNORECASE)
REQUEST_FOR_WHICH = re.compile(r"^(?:name|list|identify)\s+(?:(?:all\s+)?the\s+|all\s+)?", re.IGNORECASE)
# "How did the official speak?": the manner of a verb (amounts, durations and ages are typed before this is asked)
MANNER = re.compile(r"^how (?:is|are|was|were|do|does|did|has|have|had|will|would|can|could) ")
# "Who is Diosdado Cabello?": a name, asked to be described (particles such as "de" may sit inside it)
_NAME_WORD = r"(?:[A-Z][\w.’'-]*|de|del|la|los|las|van|von|da|di|al|bin)"
WHO_IS_NAME = re.compile(rf"^\s*(?i:who\s+(?:is|was))\s+({_NAME_WORD}(?:\s+{_NAME_WORD})*)\s*\??\s*$")

_TYPE_PATTERNS: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\b(what|which) (percentage|percent|share|proportion|fraction)\b|\bhow much of\b"), AnswerType.PERCENT),
    (re.compile(r"\bhow (much|expensive|big|large)\b"), AnswerType.MONEY),
    (re.compile(r"\bhow many (years|months|weeks|days|decades|hours|centuries)\b"), AnswerType.DURATION),
    (re.compile(r"\bhow (many|old)\b"), AnswerType.COUNT),
    (re.compile(r"\bhow long\b|\bfor how\b"), AnswerType.DURATION),
    (re.compile(r"^(\w+ )?when\b|\b(what|which) (year|month|date|day|time)\b|\bby when\b"), AnswerType.DATE),
    (re.compile(r"^(\w+ )?where\b|\b(what|which) (country|region|city|place|area|border|state)\b"), AnswerType.PLACE),
    (re.compile(r"^(\w+ )?why\b|\bfor what reason\b|\bwhat (is|was) the reason\b"), AnswerType.REASON),
    (re.compile(rf"\b(what|which) ({'|'.join(sorted(TITLE_NOUNS))})\b"), AnswerType.TITLE),
    (re.compile(r"\bwhat (did|does|do|will|would|can|could|should|has|have|had) \w.* (do|done)\b"), AnswerType.ACTION),
    (re.compile(r"^(\w+ )?(who|whom|whose)\b"), AnswerType.PERSON),
]


class Role(StrEnum):
    """Which argument of the question's verb is asked for."""

    AGENT = "agent"  # the doer: "Who expressed satisfaction?", "What is growing among …?"
    PATIENT = "patient"  # what is done to: "What has Trump not authorized?", "Who was indicted?"


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answer_type: AnswerType
    focus: str | None  # stem of the noun after what/which ("report" in "What report…"), if any
    stems: frozenset[str]
    claim_stems: frozenset[str]  # the stems of what is asked, without its source ("…, according to Hegseth?")
    office: str | None = None  # stem of the title a "who" question names ("presid" in "Who is the president of …")
    office_qualifiers: frozenset[str] = frozenset()  # what the question says of that office ("colombia")
    # what the question says a named owner has: "Diosdado Cabello's arrest" -> ({"diosdado", "cabello"}, "arrest")
    possessions: tuple[tuple[frozenset[str], str], ...] = ()
    asks: Role | None = None  # None when the shape does not say ("What is the capital of …?")
    defined: frozenset[str] = frozenset()  # stems of what a "What is X?" question asks to define
    preposition: str | None = None  # the preposition whose object is asked for ("through" in "Through whom …")
    preposition_fronted: bool = False  # … said in front of the wh-word ("With whom …?"), not left at the end
    excluded: frozenset[str] = frozenset()  # stems of what "besides …" / "other than …" rules out as the answer
    named: frozenset[str] = frozenset()  # stems of the name "Who is <Name>?" asks about
    about: frozenset[str] = frozenset()  # "What does X believe about Maduro's rule?": what is said of it
    wants_name: bool = False  # "What is the cartel linked to Maduro's inner circle called?"
    # "Whose regime …?", "Which country's security forces …?": the answer owns the focus noun; the kind of owner
    # asked for, if the question names it ("countri")
    asks_owner: bool = False
    owner_kind: str | None = None
    asks_manner: bool = False  # "How did the official speak?": an adverb of the question's verb ("anonymously")


def analyze_question(text: str) -> Question:
    """Classify ``text`` by the answer it expects. Misspelled wh-words ("Wich") are recognised too, and requests
    are read as the questions they stand for ("Name the cartel …" as "Which cartel …")."""
    original, framing, text = text, _framing(text), _as_question(text)
    words = [_repair_wh(w) for w in re.findall(r"[\w’'%$]+", fold(text))]
    normalized = " ".join(words)
    focus = _focus_noun(words)
    answer_type = next((kind for pattern, kind in _TYPE_PATTERNS if pattern.search(normalized)), None)
    if answer_type is None:
        answer_type = _type_from_shape(words, focus)
    text_terms = CATEGORY_OF.sub(r"\1 ", text)  # "what kind of strikes": "kind" is no word to look for
    claim = EXCLUSION.sub(" ", SOURCE_ATTRIBUTION.sub(" ", text_terms))  # what is asked, not who says or is ruled out
    text_terms = f"{framing} {text_terms}"  # "According to U.S. intelligence, …": its source is still the question's
    claim_stems = frozenset(stems(claim))
    office, qualifiers = None, frozenset()
    if answer_type is AnswerType.PERSON:
        tokens = WORD.findall(fold(text))  # "u.s" stays one word here
        at = next((i for i, w in enumerate(tokens) if w in ROLE_NOUNS and stem(w) in claim_stems), None)
        if at is not None:
            office, qualifiers = stem(tokens[at]), _office_qualifiers(tokens, at)
        elif len(words) > 1 and words[0] == "who" and words[1] in OFFICE_VERBS:
            office = stem(OFFICE_VERBS[words[1]])  # "Who leads the cartel?" asks for its leader
            qualifiers = claim_stems - {office}
    possessions = tuple(
        (frozenset(stems(owner)), stems(possessed)[-1])
        for owner, possessed in POSSESSION.findall(claim)
        if stems(owner) and stems(possessed)
    )
    excluded = frozenset(s for match in EXCLUSION.findall(text_terms) for s in stems(match))
    # "Who is Venezuela's Interior Minister?" asks for a name: an office, however capitalised, is no name to describe
    named = WHO_IS_NAME.match(text) if office is None else None
    return Question(
        original, answer_type, stem(focus) if focus else None, frozenset(stems(text_terms)), claim_stems, office,
        qualifiers, possessions, _asked_role(words), _defined(words), *_asked_preposition(words), excluded,
        frozenset(stems(named[1])) if named else frozenset(),
        frozenset(stems(about[1])) if (about := ABOUT.match(text_terms)) else frozenset(),
        bool(NAME_ASKED.search(text)),
        *_asked_owner(words, focus),
        answer_type is AnswerType.DESCRIPTION and bool(MANNER.match(normalized)),
    )


def _framing(text: str) -> str:
    """The source a framing clause in front of the question proper names ("the UN report" in "According to the
    UN report, how …?"); "" if there is none, or it is only the document ("Based on the text, …")."""
    match = FRAMING.match(text)
    if not match or {w.lower() for w in WORD.findall(match["source"])} <= DOCUMENT_WORDS | STOPWORDS:
        return ""
    return match["source"]


def question_proper(text: str) -> str:
    """What ``text`` asks, without the wrapping around it that asks nothing: symbols or quotes around it ("“…” 🤔"),
    a label ("Q: "), an embedding ("Do you know who …", "I'd like to know what …"), a framing clause that names
    only the document ("According to the article, who …?", "…, according to the text?"), the document as the
    subject of the last words ("Which election does the article mention?" asks "Which election?"), thanks, and
    repeated marks ("??"); in Unicode compatibility form, and with its "?" if it opens like a question. It is
    what is searched and read. A framing clause naming a source ("According to the UN report, …") stays: its
    words help find the passage. ``text`` itself if nothing would be left."""
    proper = EMBEDDING.sub("", LABEL.sub("", _unwrapped(text), count=1), count=1)
    match = FRAMING.match(proper)
    if match and not _framing(proper):
        proper = proper[match.end() :]
    proper = TRAILING_DOCUMENT_FRAMING.sub("", THANKS.sub("", proper))
    unframed = DOCUMENT_AS_SUBJECT.sub("", proper)
    proper = REPEATED_MARKS.sub("?", unframed if len(WORD.findall(unframed)) > 1 else proper).strip()
    if not proper.endswith("?"):
        proper = UNMARKED_QUESTION.sub(r"\1?", proper)
    return proper or text


def question_and_preface(text: str) -> tuple[str, str]:
    """The question proper of ``text`` and the statements in front of it ("I read the article about Venezuela.
    When did …?"), which count only as conversation does: where the question refers back to them ("Maduro
    denied the charges. What did he claim?"). The preface is "" when there is none, or when ``text`` asks more
    than one question."""
    proper = question_proper(text)
    if not proper.endswith("?") or not SENTENCE_END.search(proper):
        return proper, ""
    sentences = split_sentences(proper)
    if len(sentences) < 2:
        return proper, ""
    start = sentences[-1][0]
    preface = proper[:start].strip()
    return (proper, "") if "?" in preface else (question_proper(proper[start:]), preface)


def _unwrapped(text: str) -> str:
    """``text`` in compatibility form ("？" -> "?"), without symbols around it ("… 🤔") or quotes around all of it."""
    text = unicodedata.normalize("NFKC", text)
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) in SURROUNDING_SYMBOLS):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) in SURROUNDING_SYMBOLS):
        end -= 1
    text = text[start:end]
    if len(text) > 2 and text[0] in OPENING_QUOTES and text[-1] in CLOSING_QUOTES:
        text = text[1:-1].strip()
    return text


def _as_question(text: str) -> str:
    """The question to analyse: without a framing clause in front, a source's too ("According to the UN report,
    how …" -> "how …"), and a request as the question it stands for: "Tell me who …" -> "who …", "List the
    officials …" -> "which officials …"."""
    text = POLITE.sub("", FRAMING.sub("", text, count=1))
    return REQUEST_FOR_WHICH.sub("which ", TELL_ME.sub("", text))


def _asked_owner(words: list[str], focus: str | None) -> tuple[bool, str | None]:
    """Whether the question asks who or what owns its focus noun ("Whose regime …?", "Which country's security
    forces …?"), and the owner's kind when it names one."""
    if focus is None:
        return False, None
    for i, word in enumerate(words[:3]):
        if word == "whose":
            return True, None
        if word in ("which", "what") and i + 1 < len(words) and words[i + 1].endswith(("'s", "’s")):
            owner_kind = stem(words[i + 1])
            return (True, owner_kind) if owner_kind != stem(focus) else (False, None)  # "Which country's?" owns nothing
    return False, None


def _office_qualifiers(words: list[str], at: int) -> frozenset[str]:
    """The words of the office's own noun phrase: "Venezuela's foreign [minister]", "[president] of Colombia";
    not the rest of the question ("Which minister was indicted?" says nothing of the office)."""
    before = []
    for word in reversed(words[:at]):
        if word in STOPWORDS or word in AUXILIARIES or word in WH_WORDS:
            break
        before.append(word)
    after = []
    if at + 1 < len(words) and words[at + 1] in ("of", "for"):
        for word in words[at + 2 :]:
            if word in AUXILIARIES or (word in STOPWORDS and word not in ("the", "a", "an")):
                break
            after.append(word)
    return frozenset(stems(" ".join(before + after)))


def _asked_preposition(words: list[str]) -> tuple[str | None, bool]:
    """The preposition in front of the wh-word ("Through whom …", fronted) or left at the end ("What … accused
    of?"), and whether it is the fronted kind."""
    if len(words) > 1 and words[0] in PREPOSITIONS and words[1] in WH_WORDS:
        return words[0], True
    if len(words) > 2 and words[0] in ("what", "who", "whom", "which") and words[-1] in PREPOSITIONS:
        return words[-1], False
    return None, False


def _defined(words: list[str]) -> frozenset[str]:
    """The thing a definition question is about ("the cartel de los soles"), unless a verb follows ("What is
    the administration evaluating?" asks for an object, not a definition)."""
    match = DEFINITION.match(" ".join(words))
    if not match:
        return frozenset()
    thing = (match["x"] or match["y"]).split()
    if any(w.endswith(("ing", "ed")) or w in AUXILIARIES for w in thing):
        return frozenset()
    return frozenset(stems(" ".join(thing)))


def _asked_role(words: list[str]) -> Role | None:
    """Whether a wh-question asks for the doer or for what is done to, from the words after the wh-phrase.

    "Who expressed …" / "What is growing …" / "Who has refused …": the doer. "What did X …" / "What has X …" /
    "Who was indicted …": what is done to. Questions without a verb of their own ("What is the capital …") say
    neither.
    """
    if not words or words[0] not in ("who", "what", "which"):
        return None
    i = 1
    if words[0] in ("what", "which"):  # skip the focus run: "which two groups were designated …"
        while i < len(words) and words[i] not in AUXILIARIES and not _looks_like_verb(words[i]):
            i += 1
    if i >= len(words):
        return None
    if words[0] == "who" and words[1] not in AUXILIARIES and words[1] not in STOPWORDS:
        return Role.AGENT  # "Who alleges …", "Who leads …": after "who" comes the verb
    word, following = words[i], words[i + 1] if i + 1 < len(words) else ""
    if word in MODALS:
        return Role.PATIENT
    if word in ("is", "are", "was", "were"):
        if following.endswith("ing"):
            return Role.AGENT
        later_verb = any(  # "-ing" at the end or before a function word, not in front of its noun ("remaining options")
            w.endswith("ing") and (j + 1 == len(words) or words[j + 1] in STOPWORDS)
            for j, w in enumerate(words[i + 2 :], start=i + 2)
        )
        if _is_participle(following) or later_verb:
            return Role.PATIENT  # "What is the U.S. increasing …?": the subject comes first, then the verb
        return None
    if word in ("has", "have", "had"):
        return Role.AGENT if _is_participle(following) else Role.PATIENT
    return Role.AGENT if _looks_like_verb(word) else None


def _is_participle(word: str) -> bool:
    return word.endswith(("ed", "en")) or word in IRREGULAR_PARTICIPLES


def _looks_like_verb(word: str) -> bool:
    """A past form a wh-word can be followed by directly: "expressed", "won", "spoke". (Present forms such as
    "leads" look like plural nouns; those questions say neither role.)"""
    return word not in STOPWORDS and (word.endswith("ed") or word in IRREGULAR_PARTICIPLES or word in IRREGULAR_PASTS)


def _repair_wh(word: str) -> str:
    if word in WH_WORDS or word in STOPWORDS or len(word) < 3:
        return word
    close = [wh for wh in WH_WORDS if len(wh) > 3 and Levenshtein.distance(word, wh) == 1]
    return close[0] if close else word


def _focus_noun(words: list[str]) -> str | None:
    """The noun a what/which question asks about: the last word of the run after the wh-word.

    "Which Venezuelan gang does…" -> "gang"; "What is the capital of…" -> "capital"; "What did…" -> None.
    """
    for i, word in enumerate(words):
        if word not in ("what", "which", "whose"):
            continue
        rest = words[i + 1 :]
        trimmed = False
        if len(rest) > 2 and rest[0] in ("is", "was", "are", "were") and (
            rest[1] in ("the", "a", "an") or rest[1].endswith(("'s", "’s"))
        ):
            rest = rest[2:]  # "what is the capital of France", "what is Hegseth's job"
            trimmed = True
        run = []
        stopped_by = None
        for j, candidate in enumerate(rest):
            if candidate in SKIPPED_AFTER_WH and not run:
                continue
            if not run and _is_adjective_before_noun(rest, j):
                continue  # "which armed group signed …": "armed" describes the noun; the verb comes after it
            if candidate in AUXILIARIES or candidate in STOPWORDS or candidate.endswith(("ed", "ing")):
                stopped_by = candidate
                break
            run.append(candidate)
        if trimmed and stopped_by and stopped_by.endswith(("ed", "ing")):
            return None  # "what is the administration evaluating": the subject, not the thing asked for
        return run[-1] if run and run[-1] not in SKIPPED_AFTER_WH else None
    return None


def _is_adjective_before_noun(words: list[str], i: int) -> bool:
    """``words[i]`` looks like a verb form ("armed", "leading") but a noun and then a verb follow it."""
    if not words[i].endswith(("ed", "ing")) or i + 2 >= len(words):
        return False
    noun, after = words[i + 1], words[i + 2]
    if noun in STOPWORDS or noun in AUXILIARIES or noun.endswith(("ed", "ing")):
        return False
    return after in AUXILIARIES or _looks_like_verb(after)


def _type_from_shape(words: list[str], focus: str | None) -> AnswerType:
    if words and words[0] in AUXILIARIES:
        return AnswerType.YES_NO
    if focus:
        return next((kind for nouns, kind in FOCUS_TYPES if focus in nouns), AnswerType.ENTITY)
    if "stand" in words and "for" in words:
        return AnswerType.ENTITY
    return AnswerType.DESCRIPTION

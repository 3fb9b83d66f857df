"""The question proper: what a person's message asks, without the wrapping around it that asks nothing.

Rules over the question's characters and words, not a parser: "Q: According to the article, who …? Thanks!"
asks "who …?", which is what is searched and read. Statements in front of a question are its preface, counted
as conversation where the question refers back to them.
"""

from __future__ import annotations

import re
import unicodedata

from index.passages import split_sentences
from qa.errors import QuestionError
from qa.terms import STOPWORDS, WORD

# The words that say what kind of answer a question wants: a misspelt one should be corrected to them even where
# the documents never use them ("percetnage": the article says "%"); see qa.spelling.
ANSWER_KIND_WORDS = frozenset(
    "agency department organization organisation group gang cartel company ministry office body army force forces "
    "government institution party administration court association alliance coalition network syndicate union "
    "federation league movement militia council committee commission bureau corporation "
    "country region city place area border state territory town province nation "
    "person people official officials leader minister president secretary man woman "
    "director head chief governor mayor ambassador chairman chairwoman chair spokesman spokeswoman spokesperson "
    "commander general king queen chancellor attorney judge senator prosecutor premier "
    "year month date day time decade century "
    "reward bounty price cost fee fine salary budget bail ransom payment wage "
    "position title role job post rank "
    "population number total count size age height length width depth weight distance "
    "percentage percent share proportion fraction amount much many".split()
)
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


def checked_question(question: object, max_chars: int) -> str:
    """``question`` normalised (NFC, control characters dropped, spaces collapsed), or QuestionError with a
    message a person understands: not text, empty, over ``max_chars``, or holding a lone surrogate (half of a
    UTF-16 pair, which no text can be encoded with)."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    if any("\ud800" <= c <= "\udfff" for c in question):
        raise QuestionError("The question holds an invalid character (a lone UTF-16 surrogate); send it as UTF-8 text.")
    cleaned = "".join(c for c in unicodedata.normalize("NFC", question) if unicodedata.category(c) != "Cc" or c in "\t\n")
    cleaned = " ".join(cleaned.split())
    if all(unicodedata.category(c) == "Cf" or c.isspace() for c in cleaned):  # "" or only zero-width characters
        raise QuestionError("The question is empty; type a question about the documents.")
    if len(cleaned) > max_chars:
        raise QuestionError(f"The question is {len(cleaned)} characters long; the limit is {max_chars}.")
    return cleaned

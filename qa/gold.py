"""Gold questions: the project's JSONL files and official SQuAD v2.0 JSON, whose articles can become documents.

A SQuAD v2.0 file carries its own paragraphs. :func:`load_squad_corpus` turns every article into one
:class:`~index.documents.Document` (its title on the first line, then its paragraphs separated by blank lines) and
maps every gold answer's ``answer_start`` into that document, so that ``document.text[start:end]`` is the answer.

Example::

    corpus = load_squad_corpus(Path("heldout.json"))
    corpus.documents[0].title            # "The Legend of Zelda: Twilight Princess"
    span = corpus.items[0].spans[0]
    corpus.documents[0].text[span.start:span.end] == span.text   # always True
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.documents import Document
from qa.errors import QAError

PARAGRAPH_SEPARATOR = "\n\n"


class GoldFormatError(QAError):
    """The gold file is neither the project's JSONL nor SQuAD v2.0 JSON, or its answers do not point at their text."""


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """Where a gold answer lies: ``document.text[start:end] == text`` for the document ``doc_id``."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class GoldItem:
    id: str
    question: str
    answers: list[str]  # empty: the documents cannot answer
    history: list[str] = field(default_factory=list)  # earlier user questions of the conversation
    spans: tuple[GoldSpan, ...] = ()  # known only when the file carries offsets (SQuAD v2.0 JSON)
    article: str = ""  # the SQuAD article the question is about
    # SQuAD 2.0's unanswerable questions: the spans their writers made them seem to ask about ("plausible answers")
    plausible: tuple[GoldSpan, ...] = ()
    paragraph: GoldSpan | None = None  # SQuAD's questions: the paragraph each was written on, in its document

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def held_out(self) -> bool:
        """Half of a gold set, chosen by a hash of the id, that tuning never looks at."""
        return int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 1


@dataclass(frozen=True, slots=True)
class GoldCorpus:
    """A SQuAD v2.0 file as documents to index and questions with answer spans into them."""

    documents: list[Document]
    items: list[GoldItem]


def load_gold(path: Path) -> list[GoldItem]:
    """Read the project's JSONL (``{"id", "question", "answers", "history"?}``) or an official SQuAD v2.0 JSON file,
    whose questions are then asked against other documents (see :func:`load_squad_corpus` for its own).

    Raises:
        GoldFormatError: the file is empty, unreadable, or in neither format.
    """
    text = _read(path)
    data = _json_or_none(text)
    if isinstance(data, dict) and "data" in data:  # asked against other documents: its offsets do not apply
        return [replace(item, spans=()) for item in squad_corpus(data, path.name).items]
    one_document = path.name.removesuffix(".gz").endswith(".json")
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    if data is None and one_document and _json_or_none(first_line) is None:  # broken somewhere, not JSON Lines
        raise GoldFormatError(f"{path.name!r} is not valid JSON ({_json_error(text)}).")
    if data is not None and (one_document or not isinstance(data, dict)):
        raise GoldFormatError(f"{path.name!r} is not SQuAD v2.0 JSON (expected an object with a 'data' list).")
    items, lines = [], {}
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may sit inside a string
        if line.strip():
            item = _jsonl_item(line, f"{path.name!r}, line {number}")
            if item.id in lines:
                raise GoldFormatError(f"{path.name!r}, line {number}: the id {item.id!r} is also on line "
                                      f"{lines[item.id]}; every question needs its own.")
            lines[item.id] = number
            items.append(item)
    return items


def _jsonl_item(line: str, where: str) -> GoldItem:
    """One line of the project's gold JSONL. Raises GoldFormatError naming ``where``."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldFormatError(f"{where} is not JSON ({exc.msg}, column {exc.colno}).") from None
    if not isinstance(row, dict):
        raise GoldFormatError(f"{where} is not a JSON object.")
    missing = [name for name in ("id", "question", "answers") if name not in row]
    if missing:
        raise GoldFormatError(f"{where} has no {missing[0]!r}.")
    history = row.get("history", [])
    if not isinstance(history, list) or not all(isinstance(turn, str) for turn in history):
        raise GoldFormatError(f"{where}: 'history' is not a list of earlier questions (strings).")
    try:
        return GoldItem(str(row["id"]), _text(row["question"]), _answers(row["answers"]), list(history))
    except (TypeError, ValueError) as exc:
        raise GoldFormatError(f"{where}: {exc}.") from None


def load_squad_corpus(path: Path) -> GoldCorpus:
    """The articles of a SQuAD v2.0 file as documents, and its questions with their answers' document offsets.

    Raises:
        GoldFormatError: the file is empty or not SQuAD v2.0 JSON, or an ``answer_start`` does not point at its
            answer's text.
    """
    text = _read(path)
    data = _json_or_none(text)
    if data is None:
        raise GoldFormatError(f"{path.name!r} is not valid JSON ({_json_error(text)}).")
    return squad_corpus(data, path.name)


def squad_corpus(data: object, name: str) -> GoldCorpus:
    """:func:`load_squad_corpus` of SQuAD v2.0 JSON already read (``name`` says where from, in errors)."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise GoldFormatError(f"{name!r} is not SQuAD v2.0 JSON (expected an object with a 'data' list).")
    documents, items, seen_ids, seen_questions = [], [], set(), set()
    for number, article in enumerate(data["data"], start=1):
        where = f"article {number}"
        title = " ".join(_field(article, "title", str, where).replace("_", " ").split()) or f"Article {number}"
        doc_id = _unique(_slug(title), seen_ids)
        paragraphs = _field(article, "paragraphs", list, where)
        text, offsets = title, []
        for paragraph in paragraphs:
            context = _field(paragraph, "context", str, f"{where} ({title!r})")
            text += PARAGRAPH_SEPARATOR
            offsets.append(len(text))
            text += context
        documents.append(Document(doc_id=doc_id, title=title, text=text))
        for paragraph, offset in zip(paragraphs, offsets, strict=True):
            for qa in _field(paragraph, "qas", list, f"{where} ({title!r})"):
                item = _squad_item(qa, paragraph["context"], doc_id, offset, title)
                if item.id in seen_questions:
                    raise GoldFormatError(f"{name!r}: the question id {item.id!r} is used twice; every question "
                                          "needs its own (the official evaluation keeps one of them).")
                seen_questions.add(item.id)
                items.append(item)
    if not items:
        raise GoldFormatError(f"{name!r} holds no questions.")
    return GoldCorpus(documents, items)


def to_squad(items: list[GoldItem], documents: dict[str, str]) -> dict:
    """Convert gold items to official SQuAD v2.0 JSON, one paragraph per document holding the answers."""
    paragraphs = collections.defaultdict(list)
    for item in items:
        doc_id = next((d for d, text in documents.items() if all(a in text for a in item.answers)), None)
        doc_id = doc_id or next(iter(documents))
        context = documents[doc_id]
        qa = {
            "id": item.id,
            "question": item.question,
            "is_impossible": not item.answerable,
            "answers": [{"text": a, "answer_start": _start_in(context, a, item.id)} for a in item.answers],
        }
        if item.history:
            qa["history"] = item.history
        paragraphs[doc_id].append(qa)
    return {
        "version": "v2.0",
        "data": [
            {"title": doc_id, "paragraphs": [{"context": documents[doc_id], "qas": qas}]}
            for doc_id, qas in paragraphs.items()
        ],
    }


def _start_in(context: str, answer: str, qid: str) -> int:
    start = context.find(answer)
    if start < 0:
        raise GoldFormatError(f"The answer {answer!r} of question {qid!r} is in no document, so it cannot be written "
                              "as SQuAD v2.0 JSON (which needs its offset).")
    return start


def _squad_item(qa: object, context: str, doc_id: str, offset: int, title: str) -> GoldItem:
    qid = str(_field(qa, "id", (str, int), f"a question of {title!r}"))
    where = f"question {qid!r}"
    question = _field(qa, "question", str, where)
    if not question.strip():
        raise GoldFormatError(f"In {where} of {title!r}, the question is empty.")
    # answerable exactly when it has answers, as the official evaluation decides (is_impossible aside)
    answers = (qa.get("answers") or []) if qa.get("is_impossible", False) else _field(qa, "answers", list, where)
    if not isinstance(answers, list):
        raise GoldFormatError(f"Not SQuAD v2.0 JSON: {where} has a 'answers' of the wrong type.")
    impossible = not answers
    spans = []
    for answer in answers:
        answer_text = _field(answer, "text", str, where)
        start = _field(answer, "answer_start", int, where)
        if start < 0 or context[start : start + len(answer_text)] != answer_text:
            found = context[start : start + len(answer_text)] if 0 <= start < len(context) else "(outside the paragraph)"
            raise GoldFormatError(
                f"In {where}, answer_start {start} does not point at its answer {answer_text!r} "
                f"(the paragraph has {found!r} there)."
            )
        span = GoldSpan(doc_id, offset + start, offset + start + len(answer_text), answer_text)
        spans.append(span)
    plausible = tuple(
        GoldSpan(doc_id, offset + a["answer_start"], offset + a["answer_start"] + len(a["text"]), a["text"])
        for a in ((qa.get("plausible_answers") or []) if impossible else [])
        if isinstance(a, dict) and isinstance(a.get("text"), str) and isinstance(a.get("answer_start"), int)
        and a["answer_start"] >= 0 and context[a["answer_start"] : a["answer_start"] + len(a["text"])] == a["text"]
    )
    return GoldItem(qid, question, [s.text for s in spans], list(qa.get("history", [])), tuple(spans), title,
                    plausible, GoldSpan(doc_id, offset, offset + len(context), context))


def _read(path: Path) -> str:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as file:
                text = file.read()
        else:
            text = path.read_text(encoding="utf-8")
        text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise GoldFormatError(f"Cannot read the gold file {path.name!r}: {type(exc).__name__}.") from None
    if not text.strip():
        raise GoldFormatError(f"The gold file {path.name!r} is empty.")
    return text


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _field(container: object, name: str, kind: type | tuple[type, ...], where: str):
    if not isinstance(container, dict) or name not in container:
        raise GoldFormatError(f"Not SQuAD v2.0 JSON: {where} has no {name!r}.")
    value = container[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise GoldFormatError(f"Not SQuAD v2.0 JSON: {where} has a {name!r} of the wrong type.")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("the question is not text")
    if not value.strip():
        raise ValueError("the question is empty")
    return value


def _answers(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise TypeError("'answers' is not a list of strings")
    return list(value)


def _json_error(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    return "not JSON"


def _slug(title: str) -> str:
    """A document id from an article title: letters, digits, ``-``, ``_`` and ``.`` kept, the rest ``_``."""
    return re.sub(r"[^\w.-]+", "_", title, flags=re.ASCII).strip("_.") or "article"


def _unique(doc_id: str, seen: set[str]) -> str:
    candidate, number = doc_id, 1
    while candidate in seen:
        number += 1
        candidate = f"{doc_id}-{number}"
    seen.add(candidate)
    return candidate

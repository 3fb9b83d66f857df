"""One question in, one cited answer (or an honest abstention) out: retrieve, read, decide.

Example::

    pipeline = Pipeline.from_settings(Settings())   # loads the models once
    response = pipeline.ask("Who was indicted in 2020?")
    response.answer.text  # "Maduro, Interior Minister Diosdado Cabello, and Defense Minister Vladimir Padrino López"
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from index.documents import Document, read_document, seed_path
from index.encoder import Encoder, TextEncoder
from qa.errors import DocumentExists, DocumentNotFound, QuestionError
from index.store import (
    OpenedIndex,
    open_documents_index,
    open_index,
    question_encoder,
    with_documents,
    without_documents,
    write_index,
)
from qa.conversation import Turn, follow_up_context
from qa.question import ANSWER_KIND_WORDS, question_and_preface, question_proper
from qa.reader import Answer, Reader
from qa.retrieve import Hit, Retriever
from qa.settings import Settings
from qa.spelling import Speller

RETRIEVED = 10


@dataclass(frozen=True, slots=True)
class Response:
    """The result of :meth:`Pipeline.ask`. ``answer`` is ``None`` exactly when ``abstained``."""

    question: str
    answer: Answer | None
    abstained: bool
    no_answer_score: float  # 0 = surely answered, 1 = surely not in the documents
    evidence: list[Hit]  # cited passages, the answer's own passage first
    retrieval_query: str  # the question plus any conversation context used to retrieve
    reader_answer: Answer | None  # the reader's best span even when the pipeline abstained
    timings_ms: dict[str, float] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)  # those the answer and evidence point into

    @property
    def raw_answer_text(self) -> str:
        return self.reader_answer.text if self.reader_answer else ""


@dataclass(frozen=True, slots=True)
class Served:
    """One version of the index with everything that reads it. A change of documents makes a new one; a question
    is answered wholly from the version it started with."""

    opened: OpenedIndex
    retriever: Retriever
    speller: Speller
    reader: Reader


class Pipeline:
    """Retriever + reader + abstention over one opened index. Thread-safe for concurrent ``ask`` calls, and for
    :meth:`add_document` / :meth:`remove_document` beside them: a change builds a new index beside the one in
    use and swaps it in whole, so every answer comes from one consistent index."""

    def __init__(self, opened: OpenedIndex, encoder: TextEncoder, settings: Settings) -> None:
        self.settings = settings
        self.encoder = encoder
        reader = Reader(
            settings.reader_model, opened.index, settings.reader_passages, settings.reader_sure,
            settings.reader_rank_prior,
        )
        reader.warm_up()
        self._served = self._serving(opened, reader)
        self._cache: OrderedDict[tuple, Response] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._change_lock = threading.Lock()  # one change of documents at a time

    def _serving(self, opened: OpenedIndex, reader: Reader) -> Served:
        retriever = Retriever(opened.index, self.encoder)
        retriever.warm_up()
        speller = Speller((passage.text for passage in opened.index.passages), also=ANSWER_KIND_WORDS)
        return Served(opened, retriever, speller, reader.over(opened.index))

    @classmethod
    def from_settings(cls, settings: Settings, documents: list[Document] | None = None) -> Pipeline:
        """Open (building if needed) the index and load every model. Raises SeedsError / IndexStoreError.

        ``documents`` replaces the seeds folder (a gold file's own articles); the index goes to the settings'
        store folder as usual."""
        opened, encoder = open_configured_index(settings, documents=documents)
        return cls(opened, encoder, settings)

    @property
    def opened(self) -> OpenedIndex:
        return self._served.opened

    @property
    def retriever(self) -> Retriever:
        return self._served.retriever

    @property
    def reader(self) -> Reader:
        return self._served.reader

    @property
    def documents(self) -> dict[str, Document]:
        return self._served.opened.index.documents

    def document(self, doc_id: str) -> Document:
        """The document a citation points into. Raises DocumentNotFound."""
        try:
            return self.documents[doc_id]
        except (KeyError, TypeError):
            raise DocumentNotFound(f"No document has the id {doc_id!r}.") from None

    def search(self, question: str, k: int) -> list[Hit]:
        """Ranked cited passages without reading an answer."""
        served = self._served
        return served.retriever.retrieve(served.speller.correct(question_proper(self.check_question(question))), k)

    def cached(self, question: str, *, history: list[Turn] | None = None, top_k: int | None = None) -> Response | None:
        """The answer :meth:`ask` gave to this question, history and ``top_k``, if it is still cached; no other
        work (the server answers these without handing them to the pipeline's thread). Raises QuestionError
        for unusable questions, as :meth:`ask` does."""
        return self._cached(self._cache_key(question, history, top_k, self._served))

    def _cache_key(self, question: str, history: list[Turn] | None, top_k: int | None, served: Served) -> tuple:
        turns = tuple((history or [])[-self.settings.max_history_turns :])
        return self.check_question(question), turns, top_k or self.settings.top_k, id(served)

    def _cached(self, key: tuple) -> Response | None:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def ask(self, question: str, *, history: list[Turn] | None = None, top_k: int | None = None) -> Response:
        """Answer ``question`` from the documents, or abstain. Raises QuestionError for unusable questions."""
        served = self._served  # the whole answer comes from this version of the index
        key = self._cache_key(question, history, top_k, served)
        question, turns, top_k, _ = key
        if (cached := self._cached(key)) is not None:
            return cached
        started = time.perf_counter()
        # "Q: According to the article, who …?" asks "who …?"; "Maduro denied it. What did he claim?" has context
        asked, preface = question_and_preface(question)
        asked = served.speller.correct(asked)  # "Which organizatin …?" asks "Which organizations …?"
        context = follow_up_context(asked, [*turns, ("user", preface)] if preface else list(turns))
        hits = served.retriever.retrieve(asked, max(RETRIEVED, top_k, self.settings.reader_passages), context=context)
        retrieved = time.perf_counter()
        answer = served.reader.read(asked, hits)
        no_answer_score = 1.0 if answer is None else answer.no_answer_score
        abstained = answer is None or no_answer_score > self.settings.no_answer_threshold
        evidence = cited_first(hits, answer)[:top_k]
        finished = time.perf_counter()
        response = Response(
            question=question,
            answer=None if abstained else answer,
            abstained=abstained,
            no_answer_score=round(no_answer_score, 4),
            evidence=evidence,
            retrieval_query=f"{asked} {context}".strip(),
            reader_answer=answer,
            documents=served.opened.index.documents,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 2),
                "read": round((finished - retrieved) * 1000, 2),
                "total": round((finished - started) * 1000, 2),
            },
        )
        if self.settings.cache_size and served is self._served:
            with self._cache_lock:
                self._cache[key] = response
                while len(self._cache) > self.settings.cache_size:
                    self._cache.popitem(last=False)
        return response

    def add_document(self, name: str, data: bytes) -> Document:
        """Read the file ``name`` (its bytes ``data``), index it beside the others and serve it; the file goes
        into the seeds folder and the index into the store, so the change outlives a restart.

        Raises:
            DocumentError: the file cannot be read (type, size, damage, no text) or its name is unusable.
            DocumentExists: a document with its id, or with the same text, is already loaded.
        """
        document = read_document(name, data)
        with self._change_lock:
            served = self._served
            documents = served.opened.index.documents
            if document.doc_id in documents:
                raise DocumentExists(f"{document.source!r}: a document with the id {document.doc_id!r} is already "
                                     "loaded; remove it first or rename the file.")
            same = next((d for d in documents.values() if d.text == document.text), None)
            if same is not None:
                raise DocumentExists(f"{document.source!r} has the same text as the loaded document {same.doc_id!r}.")
            path = seed_path(self.settings.seeds_dir, document.source)
            if path.exists():
                raise DocumentExists(f"{document.source!r} is already in the seeds folder; remove it first.")
            index = with_documents(served.opened.index, [document], self.encoder, ann_from=self.settings.ann_from)
            path.write_bytes(data)
            self._replace(served, index, f"added {document.doc_id}")
        return document

    def remove_document(self, doc_id: str) -> Document:
        """Stop serving a document and delete its file from the seeds folder and its passages from the store.

        Raises:
            DocumentNotFound: no such document.
            IndexStoreError: it is the last document.
        """
        with self._change_lock:
            served = self._served
            document = self.document(doc_id)
            index = without_documents(served.opened.index, {doc_id}, ann_from=self.settings.ann_from)
            if document.source:
                seed_path(self.settings.seeds_dir, document.source).unlink(missing_ok=True)
            self._replace(served, index, f"removed {doc_id}")
        return document

    def _replace(self, served: Served, index, reason: str) -> None:
        if self.settings.store_dir is not None:
            write_index(index, self.settings.store_dir)
        self._served = self._serving(replace(served.opened, index=index, action="changed", reason=reason),
                                     served.reader)
        self.clear_cache()

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def check_question(self, question: object) -> str:
        """Normalise a question or raise QuestionError with a message a person understands."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        cleaned = "".join(c for c in unicodedata.normalize("NFC", question) if unicodedata.category(c) != "Cc" or c in "\t\n")
        cleaned = " ".join(cleaned.split())
        if not cleaned:
            raise QuestionError("The question is empty; type a question about the documents.")
        if len(cleaned) > self.settings.max_question_chars:
            raise QuestionError(
                f"The question is {len(cleaned)} characters long; the limit is {self.settings.max_question_chars}."
            )
        return cleaned


def cited_first(hits: list[Hit], answer: Answer | None) -> list[Hit]:
    """The hits with the answer's passage first, then the other passages the reader read, by its best span in
    each (the reader re-ranks what it read), then the rest in retrieval order."""
    if answer is None:
        return hits
    by_row = {hit.row: hit for hit in hits}
    first = [row for row in dict.fromkeys([answer.row, *answer.read_rows]) if row in by_row]
    return [by_row[row] for row in first] + [hit for hit in hits if hit.row not in first]


def open_configured_index(
    settings: Settings, *, force: bool = False, documents: list[Document] | None = None
) -> tuple[OpenedIndex, TextEncoder]:
    """The index for these settings' seeds (or ``documents``), store and model, reused or (re)built, and the
    encoder for questions (the stored ONNX copy unless ``settings.onnx_encoder`` is off). Nothing is loaded
    unless a build needs it."""
    encoder = Encoder(settings.model)
    if documents is None:
        opened = open_index(settings.seeds_dir, settings.store_dir, encoder, ann_from=settings.ann_from, force=force)
    else:
        opened = open_documents_index(documents, settings.store_dir, encoder, ann_from=settings.ann_from, force=force)
    manifest = opened.index.manifest
    return opened, question_encoder(settings.store_dir, manifest, encoder, onnx=settings.onnx_encoder)

"""One question in, one cited answer (or an honest abstention) out: retrieve, read, decide.

Example::

    pipeline = Pipeline.from_settings(Settings())   # loads the models once
    response = pipeline.ask("Who was indicted in 2020?")
    response.answer.text  # "Maduro, Interior Minister Diosdado Cabello, and Defense Minister Vladimir Padrino López"
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from index.documents import Document
from index.embedder import Embedder
from index.store import LoadedIndex
from qa.cache import AnswerCache
from qa.conversation import LOOKBACK, Turn, resolve
from qa.library import DocumentLibrary, IndexSnapshot, load_configured_index
from qa.question import checked_question, question_and_preface, question_proper
from qa.reader import Answer, Reader
from qa.retrieve import Hit
from qa.settings import Settings

RETRIEVED = 10


@dataclass(frozen=True, slots=True)
class Citation:
    """A cited passage (the retrieval hit that found it), located in its document: the document's title, and the
    page or section the passage starts on."""

    hit: Hit
    doc_title: str
    page: int | None = None
    section: str | None = None

    @property
    def passage(self):
        return self.hit.passage


@dataclass(frozen=True, slots=True)
class AskResult:
    """What :meth:`Pipeline.ask` found. ``answer`` is ``None`` exactly when ``abstained``."""

    question: str
    answer: Answer | None
    abstained: bool
    no_answer_score: float  # 0 = surely answered, 1 = surely not in the documents
    citations: list[Citation]  # the answer's own passage first
    retrieval_query: str  # the question plus any conversation context used to retrieve
    reader_answer: Answer | None  # the reader's best span even when the pipeline abstained
    read_as: str | None = None  # the question as resolved in its conversation, when that changed it
    readings: tuple[tuple[str, str], ...] = ()  # the words that pointed back ("he") and what they were read as
    answer_page: int | None = None  # where the answer (given or not) is in its document
    answer_section: str | None = None
    index_version: int = 0  # the snapshot of the documents it was answered from
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def raw_answer_text(self) -> str:
        return self.reader_answer.text if self.reader_answer else ""


@dataclass(frozen=True, slots=True)
class Status:
    """What a pipeline serves: the documents' count and version, the models."""

    documents: int
    passages: int
    model: str
    reader: str
    index_kind: str
    index_version: int


class Pipeline:
    """Retrieve, read, decide, over the library's current snapshot of the documents. Thread-safe: each question is
    answered wholly from the snapshot it started with, whatever the library changes meanwhile."""

    def __init__(self, library: DocumentLibrary, reader: Reader, settings: Settings) -> None:
        self.library = library
        self.reader = reader
        self.settings = settings
        self.cache: AnswerCache[AskResult] = AnswerCache(settings.cache_size)

    @classmethod
    def from_settings(cls, settings: Settings, documents: list[Document] | None = None) -> Pipeline:
        """Open (building if needed) the index and load every model once. Raises SeedsError / IndexStoreError /
        ReaderModelError. ``documents`` replaces the seeds folder (a gold file's own articles)."""
        loaded, embedder = load_configured_index(settings, documents=documents)
        return cls.over(loaded, embedder, settings)

    @classmethod
    def over(cls, loaded: LoadedIndex, embedder: Embedder, settings: Settings) -> Pipeline:
        """A pipeline over an index already loaded (benchmarks and tests build their own)."""
        reader = Reader(settings.reader_model, settings.reader_passages, settings.reader_read_on_below,
                        settings.reader_rank_prior, settings.threads, settings.reader_balance_marks)
        reader.warm_up()
        return cls(DocumentLibrary(loaded, embedder, settings), reader, settings)

    @property
    def documents(self) -> dict[str, Document]:
        return self.library.snapshot.documents

    def document(self, doc_id: str) -> Document:
        """The document a citation points into. Raises DocumentNotFound."""
        return self.library.snapshot.document(doc_id)

    def status(self) -> Status:
        snapshot = self.library.snapshot
        manifest = snapshot.index.manifest
        return Status(manifest.documents, manifest.passages, manifest.model, self.reader.name, manifest.index_kind,
                      snapshot.version)

    def close(self) -> None:
        self.library.close()

    def search(self, question: str, k: int) -> list[Citation]:
        """Ranked cited passages without reading an answer."""
        snapshot = self.library.snapshot
        asked = snapshot.speller.correct(question_proper(self.check_question(question)))
        return [cited(hit, snapshot) for hit in snapshot.retriever.retrieve(asked, k)]

    def check_question(self, question: object) -> str:
        """The question normalised. Raises QuestionError with a message a person understands."""
        return checked_question(question, self.settings.max_question_chars)

    def cached(self, question: str, *, history: list[Turn] | None = None, top_k: int | None = None) -> AskResult | None:
        """The answer :meth:`ask` gave to this question, history and ``top_k``, if it is still cached; no other
        work (the server answers these without handing them to the pipeline's thread). Raises QuestionError
        for unusable questions, as :meth:`ask` does."""
        return self.cache.get(self._cache_key(question, history, top_k, self.library.snapshot))

    def _cache_key(self, question: str, history: list[Turn] | None, top_k: int | None,
                   snapshot: IndexSnapshot) -> tuple:
        turns = tuple((history or [])[-self.settings.max_history_turns :])
        return self.check_question(question), turns, top_k or self.settings.top_k, snapshot.version

    def clear_cache(self) -> None:
        self.cache.clear()

    def ask(self, question: str, *, history: list[Turn] | None = None, top_k: int | None = None) -> AskResult:
        """Answer ``question`` from the documents, or abstain. Raises QuestionError for unusable questions."""
        snapshot = self.library.snapshot  # the whole answer comes from this version of the documents
        key = self._cache_key(question, history, top_k, snapshot)
        question, turns, top_k, _ = key
        if (cached := self.cache.get(key)) is not None:
            return cached
        started = time.perf_counter()
        # "Q: According to the article, who …?" asks "who …?"; "Maduro denied it. What did he claim?" has context
        asked, preface = question_and_preface(question)
        asked = snapshot.speller.correct(asked)  # "Which organizatin …?" asks "Which organizations …?"
        # "What did he say?" after a turn about Hegseth is read "What did Hegseth say?"; a question that stands
        # on its own is read as if asked alone
        conversation = [*turns, ("user", preface)] if preface else list(turns)
        recent = [text for _, text in conversation[-2 * LOOKBACK :]]  # the turns a follow-up looks back to
        people = snapshot.people.among([asked, *recent]) if conversation else frozenset()
        read = resolve(asked, conversation, people)
        hits = snapshot.retriever.retrieve(read.question, max(RETRIEVED, top_k, self.settings.reader_passages),
                                           context=read.context)
        retrieved = time.perf_counter()
        answer = self.reader.answer(read.question, hits)
        no_answer_score = 1.0 if answer is None else answer.no_answer_score
        abstained = answer is None or no_answer_score > self.settings.no_answer_threshold
        citations = [cited(hit, snapshot) for hit in cited_first(hits, answer)[:top_k]]
        finished = time.perf_counter()
        document = snapshot.documents[answer.doc_id] if answer is not None else None
        result = AskResult(
            question=question,
            answer=None if abstained else answer,
            abstained=abstained,
            no_answer_score=round(no_answer_score, 4),
            citations=citations,
            retrieval_query=f"{read.question} {read.context}".strip(),
            read_as=read.question if read.question != asked else None,
            readings=read.readings,
            reader_answer=answer,
            answer_page=document.page_at(answer.start) if document else None,
            answer_section=document.section_at(answer.start) if document else None,
            index_version=snapshot.version,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 2),
                "read": round((finished - retrieved) * 1000, 2),
                "total": round((finished - started) * 1000, 2),
            },
        )
        if snapshot is self.library.snapshot:
            self.cache.put(key, result)
        return result


def cited(hit: Hit, snapshot: IndexSnapshot) -> Citation:
    """``hit`` located in its document of ``snapshot``."""
    document = snapshot.documents.get(hit.passage.doc_id)
    if document is None:
        return Citation(hit, "")
    return Citation(hit, document.title, document.page_at(hit.passage.start), document.section_at(hit.passage.start))


def cited_first(hits: list[Hit], answer: Answer | None) -> list[Hit]:
    """The hits with the answer's passage first, then the other passages the reader read, by its best span in
    each (the reader re-ranks what it read), then the rest in retrieval order."""
    if answer is None:
        return hits
    by_id = {hit.passage.passage_id: hit for hit in hits}
    first = [passage_id for passage_id in dict.fromkeys([answer.passage_id, *answer.read_passages])
             if passage_id in by_id]
    return [by_id[passage_id] for passage_id in first] + [hit for hit in hits if hit.passage.passage_id not in first]

"""The documents answered from, and the one writer of them.

A :class:`DocumentLibrary` holds the current :class:`IndexSnapshot`: one version of the index with the retriever
and speller that read it. Adding or removing a document builds the next version beside the one in use (the new
document read and parsed in a worker process, :mod:`index.preparation`), writes it to the store and the file to
the seeds folder, and swaps the snapshot whole: a question is answered wholly from the snapshot it started with.
Changes are applied one at a time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import islice

from index.antecedents import names_a_person
from index.documents import Document, safe_file_name, seed_path, upload_id
from index.embedder import Embedder, SentenceEmbedder
from index.formats import too_large
from index.preparation import DocumentPreparer
from index.store import (
    LoadedIndex,
    PassageIndex,
    open_documents_index,
    open_index,
    question_embedder,
    with_documents,
    without_documents,
    write_index,
)
from qa.errors import DocumentExists, DocumentNotFound, DocumentTooLarge
from qa.question import ANSWER_KIND_WORDS
from qa.retrieve import Retriever
from qa.settings import Settings
from qa.spelling import Speller
from qa.terms import STOPWORDS, WORD


NAME_ROWS = 50  # passages read to judge a name
NAMES_JUDGED = 32  # names of one question and its recent turns judged at most
NAMES_KEPT = 4096  # judgements kept per snapshot


class PersonNames:
    """Which names the documents label a person (:func:`index.antecedents.names_a_person`), judged from the stored
    parses of the passages that hold each name, once per name and snapshot: only a follow-up asks."""

    def __init__(self, index: PassageIndex) -> None:
        self._index = index
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()

    def among(self, texts: Iterable[str]) -> frozenset[str]:
        """The capitalised names in ``texts`` (and their last words; the first :data:`NAMES_JUDGED`) that the
        documents label a person."""
        candidates = list(dict.fromkeys(name for text in texts for name in capitalised_names(text)))
        return frozenset(name for name in candidates[:NAMES_JUDGED] if self._is_person(name))

    def _is_person(self, name: str) -> bool:
        with self._lock:
            known = self._known.get(name)
        if known is None:  # judged outside the lock: one follow-up's names do not hold up another's
            rows = islice((row for row, passage in enumerate(self._index.passages) if name in passage.text), NAME_ROWS)
            known = names_a_person(name, (self._index.parse(row) for row in rows))
            with self._lock:
                if len(self._known) >= NAMES_KEPT:
                    self._known.clear()
                self._known[name] = known
        return known


def capitalised_names(text: str) -> list[str]:
    """Runs of capitalised words that are not stop words ("Diosdado Cabello"), each with its last word."""
    names, run = [], []
    for word in [*WORD.findall(text), ""]:
        word = word.removesuffix("’s").removesuffix("'s")  # "Maduro’s arrest"
        if word[:1].isupper() and word.lower() not in STOPWORDS:
            run.append(word)
            continue
        if run:
            names += [" ".join(run)] + ([run[-1]] if len(run) > 1 else [])
        run = []
    return names


@dataclass(frozen=True, slots=True)
class IndexSnapshot:
    """One version of the index with everything that reads it. ``version`` counts the changes since start-up."""

    loaded: LoadedIndex
    retriever: Retriever
    speller: Speller
    people: PersonNames
    version: int = 0

    @property
    def index(self) -> PassageIndex:
        return self.loaded.index

    @property
    def documents(self) -> dict[str, Document]:
        return self.loaded.index.documents

    def document(self, doc_id: str) -> Document:
        """The document a citation points into. Raises DocumentNotFound."""
        try:
            return self.documents[doc_id]
        except (KeyError, TypeError):
            raise DocumentNotFound(f"No document has the id {doc_id!r}.") from None


def snapshot_of(loaded: LoadedIndex, embedder: Embedder, version: int = 0) -> IndexSnapshot:
    """The snapshot reading ``loaded`` (its retriever warmed up)."""
    retriever = Retriever(loaded.index, embedder)
    retriever.warm_up()
    speller = Speller((passage.text for passage in loaded.index.passages), also=ANSWER_KIND_WORDS)
    return IndexSnapshot(loaded, retriever, speller, PersonNames(loaded.index), version)


class DocumentLibrary:
    """The current snapshot and the changes to it (see the module's docstring). Thread-safe."""

    def __init__(self, loaded: LoadedIndex, embedder: Embedder, settings: Settings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.preparer = DocumentPreparer(settings.document_limits, settings.max_document_passages,
                                         settings.max_indexing_seconds)
        self._snapshot = snapshot_of(loaded, embedder)
        self._change_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, documents: list[Document] | None = None) -> DocumentLibrary:
        """Open (building if needed) the index of the seeds folder, or of ``documents`` instead (a gold file's own
        articles; the index goes to the settings' store folder as usual). Raises SeedsError / IndexStoreError."""
        loaded, embedder = load_configured_index(settings, documents=documents)
        return cls(loaded, embedder, settings)

    @property
    def snapshot(self) -> IndexSnapshot:
        return self._snapshot

    def add(self, name: str, data: bytes, progress: Callable[[str], None] | None = None) -> Document:
        """Read the file ``name`` (its bytes ``data``), index it beside the others and serve it; the file goes
        into the seeds folder and the index into the store, so the change outlives a restart. ``progress`` is
        told each stage as it starts, in a sentence.

        Raises:
            DocumentError: the file cannot be read (type, size, damage, no text, a limit) or its name is unusable.
            DocumentExists: a document with its id, or with the same text, is already loaded.
        """
        if len(data) > self.settings.max_upload_bytes:
            raise DocumentTooLarge(too_large(name, len(data), self.settings.max_upload_bytes))
        _refuse_a_loaded_id(upload_id(name), safe_file_name(name), self._snapshot.documents)  # before the reading
        tell = progress or (lambda stage: None)
        size = f"{len(data) / 2**20:.1f} MiB" if len(data) >= 2**20 else f"{max(1, round(len(data) / 1024))} KiB"
        tell(f"Reading {name} ({size}): its text, sentences and parses …")
        prepared = self.preparer.prepare(name, data)
        document = prepared.document
        count = len(prepared.passages)
        tell(f"Indexing {count} passage{'s' if count != 1 else ''} of {document.title!r} …")
        with self._change_lock:
            snapshot = self._snapshot
            documents = snapshot.documents
            _refuse_a_loaded_id(document.doc_id, document.source, documents)  # added meanwhile
            same = next((d for d in documents.values() if d.text == document.text), None)
            if same is not None:
                raise DocumentExists(f"{document.source!r} has the same text as the loaded document {same.doc_id!r}.")
            path = seed_path(self.settings.seeds_dir, document.source)
            if path.exists():
                raise DocumentExists(f"{document.source!r} is already in the seeds folder; remove it first.")
            index = with_documents(snapshot.index, [prepared], self.embedder,
                                   approximate_from=self.settings.approximate_search_from)
            path.write_bytes(data)
            self._replace(snapshot, index, f"added {document.doc_id}")
        return document

    def remove(self, doc_id: str) -> Document:
        """Stop serving a document and delete its file from the seeds folder and its passages from the store.

        Raises:
            DocumentNotFound: no such document.
            IndexStoreError: it is the last document.
        """
        with self._change_lock:
            snapshot = self._snapshot
            document = snapshot.document(doc_id)
            index = without_documents(snapshot.index, {doc_id}, approximate_from=self.settings.approximate_search_from)
            if document.source:
                seed_path(self.settings.seeds_dir, document.source).unlink(missing_ok=True)
            self._replace(snapshot, index, f"removed {doc_id}")
        return document

    def _replace(self, snapshot: IndexSnapshot, index: PassageIndex, reason: str) -> None:
        if self.settings.store_dir is not None:
            write_index(index, self.settings.store_dir)
        loaded = replace(snapshot.loaded, index=index, action="changed", reason=reason)
        self._snapshot = snapshot_of(loaded, self.embedder, snapshot.version + 1)
        release_free_memory()

    def use(self, index: PassageIndex, version: int, reason: str = "published") -> None:
        """Serve ``index``, a version another writer published (a cluster's replicas follow its one writer)."""
        with self._change_lock:
            loaded = LoadedIndex(index, "loaded", f"{reason} version {version}")
            self._snapshot = snapshot_of(loaded, self.embedder, version)
        release_free_memory()

    def close(self) -> None:
        """Stop the document reader's worker process, if one was started."""
        self.preparer.close()


def release_free_memory() -> None:
    """Hand the memory freed after a change (the old snapshot, the new passages' embedding batches) back to the
    system: glibc keeps freed memory in its arenas otherwise, and a server's footprint only grows."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
            ctypes.CDLL(name).malloc_trim(0)


def _refuse_a_loaded_id(doc_id: str, source: str, documents: dict[str, Document]) -> None:
    if doc_id in documents:
        raise DocumentExists(f"{source!r}: a document with the id {doc_id!r} is already loaded; remove it first or "
                             "rename the file.")


def load_configured_index(
    settings: Settings, *, force: bool = False, documents: list[Document] | None = None
) -> tuple[LoadedIndex, Embedder]:
    """The index for these settings' seeds (or ``documents``), store and model, reused or (re)built, and the
    embedder for questions (the stored ONNX copy unless ``settings.onnx_encoder`` is off). Nothing is loaded
    unless a build needs it."""
    embedder = SentenceEmbedder(settings.model, settings.threads)
    options = {"approximate_from": settings.approximate_search_from, "force": force}
    if documents is None:
        loaded = open_index(settings.seeds_dir, settings.store_dir, embedder, limits=settings.document_limits,
                            **options)
    else:
        loaded = open_documents_index(documents, settings.store_dir, embedder, **options)
    manifest = loaded.index.manifest
    return loaded, question_embedder(settings.store_dir, manifest, embedder, onnx=settings.onnx_encoder,
                                     threads=settings.threads)

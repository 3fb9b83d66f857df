"""A document made ready to index: read, split into passages, parsed; everything but embedding.

A document added while the server runs is prepared in a worker process (:class:`DocumentPreparer`): reading a
large PDF and parsing its passages is pure-Python work that would otherwise hold the interpreter for as long as
it takes, and keep the server from answering. The worker is started on first use and kept warm; a document that
takes longer than the time limit has its worker stopped and is refused with a sentence that says so.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from index.antecedents import resolve_pronouns
from index.documents import Document, read_document
from index.errors import DocumentError
from index.formats import Limits
from index.parses import ParsedText, parse_texts
from index.passages import Passage, split_passages

PROGRESS_BAR_FROM = 256  # passages; fewer parse in well under a second


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    document: Document
    passages: list[Passage]
    parses: list[bytes]


def prepare_passages(documents: list[Document]) -> tuple[list[Passage], list[bytes]]:
    """Split ``documents`` into passages, parse them, and resolve opening pronouns: everything but embedding.

    Returns the passages (ready for :attr:`Passage.search_text` to be embedded) and their stored parses.
    """
    passages = [passage for document in documents for passage in split_passages(document)]
    parses = parse_texts([p.text for p in passages], progress=len(passages) >= PROGRESS_BAR_FROM)
    parsed = [ParsedText.from_json(p.text, stored) for p, stored in zip(passages, parses, strict=True)]
    return resolve_pronouns(passages, parsed), parses  # before embedding: "He points to …" is embedded with its name


def prepare_document(name: str, data: bytes, limits: Limits, max_passages: int) -> PreparedDocument:
    """The document in the file ``name`` (``data``), split and parsed.

    Raises:
        DocumentError: the file cannot be read, is over a limit, or makes more than ``max_passages`` passages.
    """
    document = read_document(name, data, limits)
    passages = split_passages(document)
    if len(passages) > max_passages:
        raise DocumentError(f"{document.source!r} makes {len(passages):,} passages; the limit is {max_passages:,}. "
                            "Split it into smaller documents.")
    passages, parses = prepare_passages([document])
    return PreparedDocument(document, passages, parses)


def _without_torch() -> None:
    """The worker parses with spaCy, whose machine-learning library imports torch when it can (300 MB) and never
    uses it for this pipeline: make it unimportable there."""
    import sys

    sys.modules["torch"] = None


def _warm_up() -> None:
    parse_texts(["The worker is ready."])


class DocumentPreparer:
    """Prepares documents one at a time in a worker process, each within ``max_seconds``."""

    def __init__(self, limits: Limits, max_passages: int, max_seconds: float) -> None:
        self.limits, self.max_passages, self.max_seconds = limits, max_passages, max_seconds
        self._pool: ProcessPoolExecutor | None = None

    def prepare(self, name: str, data: bytes) -> PreparedDocument:
        """:func:`prepare_document` in the worker. Raises DocumentError, naming the file."""
        started = time.monotonic()
        future = self._worker().submit(prepare_document, name, data, self.limits, self.max_passages)
        try:
            return future.result(timeout=self.max_seconds)
        except FutureTimeout:
            self.close()
            raise DocumentError(f"{name!r} took longer than {self.max_seconds:.0f} s to read and was stopped; split "
                                "it into smaller documents.") from None
        except BrokenProcessPool:
            self.close()
            seconds = time.monotonic() - started
            raise DocumentError(f"{name!r} could not be read: its reader stopped after {seconds:.0f} s (out of "
                                "memory?).") from None

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server's threads (the models' thread pools) must not be copied mid-work
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_without_torch)
            self._pool.submit(_warm_up).result()  # start-up (imports, the parser) is not the document's time
        return self._pool

    def close(self) -> None:
        """Stop the worker (a running document is abandoned); the next document starts a new one."""
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):  # a stuck task: shutdown would wait
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)

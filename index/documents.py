"""Documents: every ``.txt`` / ``.md`` file in the seeds folder is one document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from index.errors import SeedsError

DOCUMENT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True, slots=True)
class Document:
    """One source document. ``doc_id`` is the file stem, ``title`` its first non-empty line."""

    doc_id: str
    title: str
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.doc_id}\0{self.text}".encode()).hexdigest()


def load_documents(folder: Path) -> list[Document]:
    """Read every ``.txt``/``.md`` file of ``folder`` (sorted by name) as a UTF-8 document.

    Raises:
        SeedsError: the folder is missing or has no document, or a file is not UTF-8 text.
    """
    if not folder.is_dir():
        raise SeedsError(f"The seeds folder {folder.name!r} does not exist.")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    if not paths:
        raise SeedsError(f"The seeds folder {folder.name!r} has no .txt or .md document to answer from.")
    documents = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SeedsError(f"Seed {path.name!r} is not UTF-8 text (byte {exc.start}); re-save it as UTF-8.") from None
        if text.startswith("\ufeff"):  # a BOM is an encoding mark, not content; offsets count from after it
            text = text[1:]
        if not text.strip():
            continue
        title = next(line.strip() for line in text.splitlines() if line.strip())
        documents.append(Document(doc_id=path.stem, title=title, text=text))
    if not documents:
        raise SeedsError(f"Every document in the seeds folder {folder.name!r} is empty.")
    return documents


def corpus_fingerprint(documents: list[Document]) -> str:
    """One hash over all documents: changes when any document is added, removed or edited."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.fingerprint.encode())
    return digest.hexdigest()

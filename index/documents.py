"""Documents: every supported file in the seeds folder (``.txt``, ``.md``, ``.html``, ``.pdf``, ``.docx``) is one.

A document's ``text`` is what :mod:`index.formats` extracted from its file; every offset and answer points into
it. Its id is the file's stem, made safe for a URL (``Annual Report 2025.pdf`` -> ``annual-report-2025``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.errors import DocumentError, SeedsError
from index.formats import SUFFIXES, Limits, Page, Section, extract, label

DOCUMENT_SUFFIXES = tuple(SUFFIXES)
MAX_NAME_CHARS = 120


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: ``text`` is what every offset points into; the rest describes where it came from.
    ``pages`` (PDF) and ``sections`` (headings) locate a citation in the source."""

    doc_id: str
    title: str
    text: str
    source: str = ""  # the file name in the seeds folder
    format: str = "text"
    url: str = ""  # an HTML page's canonical address
    pages: tuple[Page, ...] = ()
    sections: tuple[Section, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()  # fields the file declares about itself (Markdown front matter)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.doc_id}\0{self.text}".encode()).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """The number of the page holding character ``offset``, for a paginated source."""
        return next((page.number for page in self.pages if page.start <= offset < page.end), None)

    def section_at(self, offset: int) -> str | None:
        """The innermost section holding character ``offset`` (its heading path), if the source has headings."""
        inside = [section for section in self.sections if section.start <= offset < section.end]
        return max(inside, key=lambda section: section.start).title if inside else None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file of the seeds folder that could not become a document, and why (a sentence naming it)."""

    source: str
    reason: str


def document_id(file_name: str) -> str:
    """The id of the document read from ``file_name``: its stem, lower case, runs of anything but letters, digits,
    ``_`` and ``.`` made one ``-``."""
    stem = unicodedata.normalize("NFKC", Path(file_name).stem)
    return re.sub(r"[^\w.]+", "-", stem).strip("-.").lower() or "document"


def upload_id(name: str) -> str:
    """The id a file sent as ``name`` gets (:func:`read_document` gives its document this id)."""
    return document_id(safe_file_name(name))


def safe_file_name(name: str) -> str:
    """An uploaded file's name as it may be stored in the seeds folder: its last path component only (no folder,
    no ``..``), without control characters, at most ``MAX_NAME_CHARS`` long. Raises DocumentError when nothing
    usable is left."""
    last = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    cleaned = " ".join("".join(c for c in last if unicodedata.category(c)[0] != "C").split())
    if not cleaned or cleaned.startswith(".") or not Path(cleaned).stem.strip("."):
        raise DocumentError(f"The file name {name!r} cannot be used; give the file a plain name such as report.pdf.")
    suffix = Path(cleaned).suffix
    return cleaned if len(cleaned) <= MAX_NAME_CHARS else cleaned[: MAX_NAME_CHARS - len(suffix)] + suffix


def seed_path(folder: Path, file_name: str) -> Path:
    """Where the file ``file_name`` (made safe by :func:`safe_file_name`) lies in the seeds folder; never outside
    it. Raises DocumentError."""
    path = folder / safe_file_name(file_name)
    if path.resolve().parent != folder.resolve():
        raise DocumentError(f"The file name {file_name!r} cannot be used.")
    return path


def read_document(name: str, data: bytes, limits: Limits = Limits()) -> Document:
    """The document in a file called ``name`` holding ``data``. Raises DocumentError, naming the file."""
    doc_id, name = upload_id(name), safe_file_name(name)
    extracted = extract(name, data, limits)
    return Document(doc_id=doc_id, title=extracted.title or label(Path(name).stem), text=extracted.text,
                    source=Path(name).name, format=extracted.format, url=extracted.url, pages=extracted.pages,
                    sections=extracted.sections, metadata=extracted.metadata)


def scan_documents(folder: Path, limits: Limits = Limits()) -> tuple[list[Document], list[Skipped]]:
    """Every supported file of ``folder`` (sorted by name) as a document, and the files that could not be read.

    Raises:
        SeedsError: the folder is missing or has no document that could be read.
    """
    if not folder.is_dir():
        raise SeedsError(f"The seeds folder {folder.name!r} does not exist.")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    documents, skipped, ids = [], [], {}
    for path in paths:
        try:
            document = read_document(path.name, path.read_bytes(), limits)
        except DocumentError as exc:
            skipped.append(Skipped(path.name, str(exc)))
            continue
        except OSError as exc:
            skipped.append(Skipped(path.name, f"{path.name!r} cannot be read ({type(exc).__name__})."))
            continue
        if document.doc_id in ids:
            skipped.append(Skipped(path.name, f"{path.name!r} has the same id as {ids[document.doc_id]!r} "
                                              f"({document.doc_id!r}); rename one of them."))
            continue
        ids[document.doc_id] = path.name
        documents.append(document)
    if not documents:
        if skipped:
            raise SeedsError(f"No document in the seeds folder {folder.name!r} could be read: {skipped[0].reason}")
        known = ", ".join(sorted(SUFFIXES))
        raise SeedsError(f"The seeds folder {folder.name!r} has no document to answer from ({known}).")
    return documents, skipped


def load_documents(folder: Path, limits: Limits = Limits()) -> list[Document]:
    """:func:`scan_documents`'s documents (the files it skipped are left out)."""
    return scan_documents(folder, limits)[0]


def corpus_fingerprint(documents: list[Document]) -> str:
    """One hash over all documents, in any order: changes when any document is added, removed or edited."""
    digest = hashlib.sha256()
    for fingerprint in sorted(document.fingerprint for document in documents):
        digest.update(fingerprint.encode())
    return digest.hexdigest()

"""Numbered versions of the index in a store that several servers read: what a cluster's replicas share.

``<root>/versions/<n>/`` holds one whole version, its documents included (``documents.json``), so a server loads
exactly what was published, whatever the seeds folder holds meanwhile; ``<root>/versions/CURRENT`` names the newest.
A version is written completely before ``CURRENT`` is renamed over to point at it, and the few versions before it
are kept, so a server still loading one never sees it disappear. The question encoder's ONNX copy stays in
``<root>`` (it does not change with the documents).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from index.documents import Document
from index.errors import IndexStoreError
from index.formats import Page, Section
from index.store import PassageIndex, read_index, write_index

VERSIONS, CURRENT, DOCUMENTS = "versions", "CURRENT", "documents.json"
KEPT = 3  # versions kept besides the current one


def publish(index: PassageIndex, root: Path, version: int) -> Path:
    """Write ``index`` as version ``version`` under ``root`` and make it the current one; returns its folder."""
    folder = root / VERSIONS / f"{version:06d}"
    if folder.exists():
        shutil.rmtree(folder)
    write_index(index, folder)
    documents = [asdict(document) for document in index.documents.values()]
    (folder / DOCUMENTS).write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    handle, temporary = tempfile.mkstemp(dir=root / VERSIONS, prefix=".current-")
    with os.fdopen(handle, "w") as file:
        file.write(str(version))
    os.replace(temporary, root / VERSIONS / CURRENT)
    for old in sorted(p for p in (root / VERSIONS).iterdir() if p.is_dir() and p.name.isdigit())[:-KEPT - 1]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def current(root: Path) -> int:
    """The number of the current version. Raises IndexStoreError when none was published."""
    try:
        return int((root / VERSIONS / CURRENT).read_text().strip())
    except (OSError, ValueError):
        raise IndexStoreError(f"No index version has been published under {root.name}/.") from None


def load(root: Path, version: int) -> PassageIndex:
    """Version ``version`` with its documents. Raises IndexStoreError."""
    folder = root / VERSIONS / f"{version:06d}"
    try:
        rows = json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexStoreError(f"Index version {version} cannot be read.") from None
    documents = [_document(row) for row in rows]
    return read_index(folder, documents)


def _document(row: dict) -> Document:
    return Document(**{
        **row,
        "pages": tuple(Page(**page) for page in row.get("pages", ())),
        "sections": tuple(Section(**section) for section in row.get("sections", ())),
        "metadata": tuple(tuple(pair) for pair in row.get("metadata", ())),
    })

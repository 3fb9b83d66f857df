"""Building the index over a Ray cluster (``qa index --ray``): Ray Data reads, splits and parses the documents in
parallel tasks and embeds their passages in batches on a pool of workers, each loading the encoder once; the
result is the index :func:`index.store.build_index` makes (the same passages and offsets; vectors within float
tolerance), written to the store the same way.

Ray is an optional extra; nothing else in the project imports this module.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import ray

from index.documents import Document, Skipped, corpus_fingerprint, read_document
from index.embedder import SentenceEmbedder
from index.errors import DocumentError, IndexStoreError
from index.formats import Limits
from index.preparation import prepare_passages
from index.store import (
    APPROXIMATE_FROM,
    PQ_CENTROIDS,
    SPLITTER_VERSION,
    STORE_FORMAT,
    Manifest,
    PassageIndex,
    vector_index,
)

BATCH = 64  # passages embedded per call on a worker


def _prepared(row: dict) -> dict:
    """One file read, split and parsed (a Ray Data task); a file that cannot be read says why."""
    try:
        document = read_document(row["name"], row["data"], row["limits"])
    except DocumentError as exc:
        return {"name": row["name"], "document": None, "passages": [], "parses": [], "error": str(exc)}
    passages, parses = prepare_passages([document])
    return {"name": row["name"], "document": document, "passages": passages, "parses": parses, "error": ""}


class _Embed:
    """A Ray Data worker: loads the encoder once, embeds batches of passages' search texts."""

    def __init__(self, model: str) -> None:
        self.embedder = SentenceEmbedder(model)
        self.embedder.warm_up()

    def __call__(self, batch: dict) -> dict:
        return {"row": batch["row"], "vector": list(self.embedder.encode(list(batch["text"])))}


def build_index_on_ray(files: list[Path], model: str, *, workers: int, limits: Limits = Limits(),
                       approximate_from: int = APPROXIMATE_FROM) -> tuple[PassageIndex, list[Skipped]]:
    """The index of ``files`` (in the order given, as :func:`index.documents.scan_documents` sorts them),
    built on the Ray cluster this process is connected to, with ``workers`` embedding workers; and the files
    that could not be read, with why."""
    started = time.perf_counter()
    rows = [{"name": path.name, "data": path.read_bytes(), "limits": limits} for path in files]
    prepared = {item["name"]: item for item in ray.data.from_items(rows).map(_prepared).take_all()}
    skipped = [Skipped(path.name, prepared[path.name]["error"]) for path in files if prepared[path.name]["error"]]
    ordered = [prepared[path.name] for path in files if not prepared[path.name]["error"]]
    documents: list[Document] = [item["document"] for item in ordered]
    if not documents:
        raise IndexStoreError("No document could be read: " + (skipped[0].reason if skipped else "none given."))
    passages = [passage for item in ordered for passage in item["passages"]]
    parses = [parse for item in ordered for parse in item["parses"]]
    texts = [{"row": row, "text": passage.search_text} for row, passage in enumerate(passages)]
    embedded = (ray.data.from_items(texts)
                .map_batches(_Embed, fn_constructor_kwargs={"model": model}, batch_size=BATCH, concurrency=workers)
                .take_all())
    vectors = np.zeros((len(passages), len(embedded[0]["vector"])), dtype=np.float32)
    for item in embedded:
        vectors[item["row"]] = item["vector"]
    kind = "pq-refine" if len(passages) >= max(approximate_from, PQ_CENTROIDS) else "flat"
    manifest = Manifest(
        store_format=STORE_FORMAT, splitter_version=SPLITTER_VERSION, model=model, dimension=vectors.shape[1],
        corpus_fingerprint=corpus_fingerprint(documents), documents=len(documents), passages=len(passages),
        index_kind=kind, checksums={}, build_seconds=round(time.perf_counter() - started, 3),
        document_fingerprints={d.doc_id: d.fingerprint for d in documents},
    )
    index = PassageIndex({d.doc_id: d for d in documents}, passages, vector_index(vectors, kind), manifest, parses)
    return index, skipped

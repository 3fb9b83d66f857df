"""Build, store, verify and reopen the passage index (FAISS vectors + passage metadata + manifest).

The store folder holds ``vectors.faiss``, ``passages.json`` and ``manifest.json``. Files are written to a
temporary name and renamed into place, the manifest last and with checksums of the others, so a crash mid-build
never leaves a half-written index that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import faiss
import numpy as np

from index.documents import Document, Skipped, corpus_fingerprint, scan_documents
from index.embedder import ONNX_MODEL, ONNX_TOKENIZER, SentenceEmbedder, OnnxEmbedder, Embedder
from index.errors import IndexStoreError
from index.formats import Limits
from index.parses import PARSER_VERSION, ParsedText
from index.passages import Passage
from index.preparation import PROGRESS_BAR_FROM, PreparedDocument, prepare_passages

STORE_FORMAT = 5  # 2: the ONNX question encoder is stored with the index; 3: so are the passages' parses;
# 4: passages carry the antecedents of their opening pronouns; 5: large corpora get PQ re-scored search, not HNSW
SPLITTER_VERSION = 4  # bump when passages change, so stored ones are rebuilt (3: sentences joined into passages;
# 4: headings are the context of the passages under them, not passages; a PDF's passages run on over its lines)
MANIFEST, PASSAGES, VECTORS, PARSES = "manifest.json", "passages.json", "vectors.faiss", "parses.jsonl"
# From ``approximate_from`` passages, flat search gives way to product-quantised fast-scan search whose best candidates are
# re-scored exactly (FAISS "PQ{d/2}x4fs,RFlat"): it finds flat search's exact top 50 at a fraction of the cost, and
# flat search stops being cheap near 10k passages (docs/performance.md has the measurements).
APPROXIMATE_FROM = 10_000
REFINE_K_FACTOR = 10
PQ_CENTROIDS = 16  # 4-bit codes: a sub-quantizer needs at least this many passages to train on


@dataclass(frozen=True, slots=True)
class Manifest:
    store_format: int
    splitter_version: int
    model: str
    dimension: int
    corpus_fingerprint: str
    documents: int
    passages: int
    index_kind: str
    checksums: dict[str, str]
    build_seconds: float
    query_encoder: str = "sentence-transformers"  # or "onnx": an ONNX copy of the model is stored with the index
    parser_version: int = PARSER_VERSION
    # each document's fingerprint, so that a change of seeds re-indexes only the documents it touched
    document_fingerprints: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PassageIndex:
    """The documents, their passages (row ``i`` of the FAISS index is ``passages[i]``, and of the stored parses
    ``parses[i]``) and the manifest."""

    documents: dict[str, Document]
    passages: list[Passage]
    vectors: faiss.Index
    manifest: Manifest
    parses: list[bytes]  # one JSON line per passage; decoded on demand by :meth:`parse`

    def parse(self, row: int) -> ParsedText:
        """The spaCy parse of ``passages[row]``, made when the index was built."""
        return ParsedText.from_json(self.passages[row].text, self.parses[row])

    def dense_search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: ``(scores, rows)`` arrays of shape ``(len(query_vectors), k)``; row -1 is padding.

        A single query is searched on the calling thread alone: FAISS's OpenMP team costs more than it saves
        there (flat search over 10k passages measured 0.9 ms on one thread, 6.7 ms on two, on a busy machine).
        """
        if len(query_vectors) != 1:
            return self.vectors.search(query_vectors, min(k, len(self.passages)))
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # per calling thread: other threads keep their setting
        try:
            return self.vectors.search(query_vectors, min(k, len(self.passages)))
        finally:
            faiss.omp_set_num_threads(threads)

    def document_centroids(self, chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """Each document's mean passage vector, scaled to unit length: ``(document_of, centroids)``, where
        ``centroids[document_of[row]]`` belongs to the document of ``passages[row]`` (documents numbered in order of
        appearance). Reads the stored vectors in chunks, so a memory-mapped index is never copied whole."""
        position: dict[str, int] = {}
        document_of = np.array([position.setdefault(p.doc_id, len(position)) for p in self.passages], dtype=np.int64)
        sums = np.zeros((len(position), self.vectors.d), dtype=np.float64)
        for start in range(0, len(self.passages), chunk):
            count = min(chunk, len(self.passages) - start)
            rows = np.argsort(document_of[start : start + count], kind="stable")  # np.add.at: 3.4 s for 100k rows
            owners = document_of[start : start + count][rows]
            firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            vectors = self.vectors.reconstruct_n(start, count)[rows].astype(np.float64)
            sums[owners[firsts]] += np.add.reduceat(vectors, firsts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return document_of, (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def dense_scores(self, query_vector: np.ndarray, rows: list[int]) -> list[float]:
        """Inner products of one query vector with the stored vectors of ``rows``, wherever they would rank."""
        return (self.vectors.reconstruct_batch(np.asarray(rows, dtype=np.int64)) @ query_vector).tolist()


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    index: PassageIndex
    action: str  # "reused", "built" or "rebuilt"
    reason: str  # why it was (re)built, for the person reading `qa index`
    skipped: tuple[Skipped, ...] = ()  # files of the seeds folder that could not be read, and why


def open_index(
    seeds_dir: Path, store_dir: Path, encoder: SentenceEmbedder, *, approximate_from: int = APPROXIMATE_FROM, force: bool = False,
    limits: Limits = Limits(),
) -> LoadedIndex:
    """Reuse the stored index if it matches the seeds and the model; otherwise build it and store it.

    Raises:
        SeedsError: the seeds cannot be read.
        IndexStoreError: the model cannot be loaded.
    """
    documents, skipped = scan_documents(seeds_dir, limits)
    opened = open_documents_index(documents, store_dir, encoder, approximate_from=approximate_from, force=force)
    return replace(opened, skipped=tuple(skipped))


def open_documents_index(
    documents: list[Document], store_dir: Path, encoder: SentenceEmbedder, *, approximate_from: int = APPROXIMATE_FROM, force: bool = False
) -> LoadedIndex:
    """:func:`open_index` for documents that do not come from a seeds folder (a gold file's articles, say).

    Raises:
        IndexStoreError: the documents hold no text, or the model cannot be loaded.
    """
    fingerprint = corpus_fingerprint(documents)
    reason = "forced rebuild" if force else _stale_reason(store_dir, encoder.model, fingerprint)
    if reason is None:
        try:
            return LoadedIndex(read_index(store_dir, documents), "reused", "seeds and model unchanged")
        except IndexStoreError as exc:
            reason = str(exc)
    if reason == SEEDS_CHANGED:
        try:
            index, what = _updated(store_dir, documents, encoder, approximate_from)
            write_index(index, store_dir)
            return LoadedIndex(read_index(store_dir, documents), "updated", what)
        except IndexStoreError as exc:
            reason = str(exc)
    action = "built" if not (store_dir / MANIFEST).exists() else "rebuilt"
    index = build_index(documents, encoder, approximate_from=approximate_from)
    write_index(index, store_dir, encoder)
    return LoadedIndex(read_index(store_dir, documents), action, reason)


def build_index(documents: list[Document], encoder: SentenceEmbedder, *, approximate_from: int = APPROXIMATE_FROM) -> PassageIndex:
    """Split and embed ``documents``. Flat exact search below ``approximate_from`` passages, PQ re-scored from there on."""
    started = time.perf_counter()
    passages, parses = prepare_passages(documents)
    if not passages:
        raise IndexStoreError("The documents hold no text to index.")
    embeddings = encoder.encode([p.search_text for p in passages], show_progress=len(passages) >= PROGRESS_BAR_FROM)
    kind = "pq-refine" if len(passages) >= max(approximate_from, PQ_CENTROIDS) else "flat"
    vectors = vector_index(embeddings, kind)
    manifest = Manifest(
        store_format=STORE_FORMAT,
        splitter_version=SPLITTER_VERSION,
        model=encoder.model,
        dimension=embeddings.shape[1],
        corpus_fingerprint=corpus_fingerprint(documents),
        documents=len(documents),
        passages=len(passages),
        index_kind=kind,
        checksums={},
        build_seconds=round(time.perf_counter() - started, 3),
        document_fingerprints={d.doc_id: d.fingerprint for d in documents},
    )
    return PassageIndex({d.doc_id: d for d in documents}, passages, vectors, manifest, parses)


def with_documents(index: PassageIndex, added: list[PreparedDocument], encoder: Embedder, *,
                   approximate_from: int = APPROXIMATE_FROM) -> PassageIndex:
    """A new index holding ``index``'s passages and those of ``added`` (prepared: split and parsed): only the new
    passages are embedded; the stored vectors are copied. ``index`` itself is left as it is (questions being
    answered from it go on undisturbed)."""
    started = time.perf_counter()
    passages = [passage for prepared in added for passage in prepared.passages]
    parses = [parse for prepared in added for parse in prepared.parses]
    if not passages:
        raise IndexStoreError("The documents hold no text to index.")
    embeddings = encoder.encode([p.search_text for p in passages])
    documents = {**index.documents, **{prepared.document.doc_id: prepared.document for prepared in added}}
    return _reindexed(index, documents, [*index.passages, *passages], [*index.parses, *parses],
                      np.concatenate([index.vectors.reconstruct_n(0, len(index.passages)), embeddings]), approximate_from,
                      started)


def without_documents(index: PassageIndex, doc_ids: set[str], *, approximate_from: int = APPROXIMATE_FROM) -> PassageIndex:
    """A new index without the passages of ``doc_ids`` (``index`` is left as it is).

    Raises:
        IndexStoreError: no document would be left.
    """
    started = time.perf_counter()
    rows = [row for row, passage in enumerate(index.passages) if passage.doc_id not in doc_ids]
    if not rows:
        raise IndexStoreError("The last document cannot be removed: the index would be empty.")
    documents = {doc_id: d for doc_id, d in index.documents.items() if doc_id not in doc_ids}
    vectors = index.vectors.reconstruct_batch(np.asarray(rows, dtype=np.int64))
    return _reindexed(index, documents, [index.passages[r] for r in rows], [index.parses[r] for r in rows], vectors,
                      approximate_from, started)


def _reindexed(index: PassageIndex, documents: dict[str, Document], passages: list[Passage], parses: list[bytes],
               embeddings: np.ndarray, approximate_from: int, started: float) -> PassageIndex:
    kind = "pq-refine" if len(passages) >= max(approximate_from, PQ_CENTROIDS) else "flat"
    manifest = replace(
        index.manifest, corpus_fingerprint=corpus_fingerprint(list(documents.values())), documents=len(documents),
        passages=len(passages), index_kind=kind, checksums={}, build_seconds=round(time.perf_counter() - started, 3),
        document_fingerprints={doc_id: d.fingerprint for doc_id, d in documents.items()},
    )
    return PassageIndex(documents, passages, vector_index(np.ascontiguousarray(embeddings, dtype=np.float32), kind),
                        manifest, parses)


def vector_index(embeddings: np.ndarray, kind: str) -> faiss.Index:
    """A FAISS inner-product index of ``embeddings``: exact ``"flat"`` search, or ``"pq-refine"``: 4-bit product
    codes (two dimensions each) scanned with SIMD, the best ``REFINE_K_FACTOR`` x k re-scored exactly."""
    dimension = embeddings.shape[1]
    if kind == "flat":
        vectors = faiss.IndexFlatIP(dimension)
    elif kind == "pq-refine":
        sub_quantizers = dimension // 2 if dimension % 2 == 0 else dimension
        vectors = faiss.index_factory(dimension, f"PQ{sub_quantizers}x4fs,RFlat", faiss.METRIC_INNER_PRODUCT)
        vectors.train(embeddings)
        vectors.k_factor = REFINE_K_FACTOR
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    vectors.add(embeddings)
    return vectors


def write_index(index: PassageIndex, store_dir: Path, encoder: SentenceEmbedder | None = None) -> None:
    """Write the index atomically: data files first, then the manifest that vouches for them.

    With ``encoder``, an ONNX copy of it is stored too when it can be exported exactly (see ``export_onnx``);
    without, a copy already in the store is kept.
    """
    store_dir.mkdir(parents=True, exist_ok=True)
    (store_dir / MANIFEST).unlink(missing_ok=True)  # the old manifest must not vouch for new, half-written files
    passages_blob = json.dumps([asdict(p) for p in index.passages], ensure_ascii=False).encode()
    _write_atomically(store_dir / PASSAGES, passages_blob)
    _write_atomically(store_dir / VECTORS, faiss.serialize_index(index.vectors).tobytes())
    _write_atomically(store_dir / PARSES, b"\n".join(index.parses))
    files = [PASSAGES, VECTORS, PARSES]
    query_encoder = "sentence-transformers"
    if encoder is None and index.manifest.query_encoder == "onnx":
        if all((store_dir / name).is_file() for name in (ONNX_MODEL, ONNX_TOKENIZER)):
            files += [ONNX_MODEL, ONNX_TOKENIZER]
            query_encoder = "onnx"
    if encoder is not None:
        with tempfile.TemporaryDirectory(dir=store_dir, prefix=".export-") as exported:
            if encoder.export_onnx(Path(exported)):
                for name in (ONNX_MODEL, ONNX_TOKENIZER):
                    os.replace(Path(exported) / name, store_dir / name)
                files += [ONNX_MODEL, ONNX_TOKENIZER]
                query_encoder = "onnx"
    checksums = {name: _sha256(store_dir / name) for name in files}
    manifest = asdict(index.manifest) | {"checksums": checksums, "query_encoder": query_encoder}
    _write_atomically(store_dir / MANIFEST, json.dumps(manifest, indent=2).encode())


def question_embedder(store_dir: Path, manifest: Manifest, embedder: SentenceEmbedder, *, onnx: bool = True,
                      threads: int = 0) -> Embedder:
    """The embedder for questions: the stored ONNX copy if there is one (and ``onnx``; using ``threads``, 0: as
    many as onnxruntime decides), else ``embedder`` itself."""
    if onnx and manifest.query_encoder == "onnx":
        return OnnxEmbedder(embedder.model, store_dir, threads)
    return embedder


def read_manifest(store_dir: Path) -> Manifest:
    """Read and type-check the manifest. Raises IndexStoreError if it is missing or malformed."""
    path = store_dir / MANIFEST
    if not path.is_file():
        raise IndexStoreError("No index has been built yet.")
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise IndexStoreError(f"The index manifest is corrupt ({type(exc).__name__}).") from None


def read_index(store_dir: Path, documents: list[Document] | None) -> PassageIndex:
    """Open a stored index after checking every file against the manifest's checksums (and its passages against
    ``documents``; with ``None``, the index's documents are left empty, for :func:`_updated` to fill).

    The FAISS file's vectors are memory-mapped, so several server workers share one copy of them. (FAISS's
    ``IO_FLAG_MMAP`` reads flat vectors into private memory; ``IO_FLAG_MMAP_IFC`` maps them.) The store only
    ever replaces its files by renaming, so a mapped file is never truncated under a running process.
    """
    manifest = read_manifest(store_dir)
    for name, expected in manifest.checksums.items():
        if not (store_dir / name).is_file():
            raise IndexStoreError(f"The index file {name} is missing.")
        if _sha256(store_dir / name) != expected:
            raise IndexStoreError(f"The index file {name} is truncated or corrupt (checksum mismatch).")
    try:
        passages = [Passage(**row) for row in json.loads((store_dir / PASSAGES).read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(store_dir / VECTORS), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        parses = (store_dir / PARSES).read_bytes().split(b"\n")
    except (ValueError, TypeError, RuntimeError) as exc:
        raise IndexStoreError(f"The index cannot be read ({type(exc).__name__}).") from None
    if isinstance(vectors, faiss.IndexRefine):  # read_index already returns the concrete type
        vectors.k_factor = REFINE_K_FACTOR  # a search-time setting: applied on every open, whatever was stored
    if len(parses) != len(passages) or vectors.ntotal != len(passages) or len(passages) != manifest.passages:
        raise IndexStoreError("The index files disagree with each other.")
    if vectors.d != manifest.dimension:
        raise IndexStoreError("The index files disagree with each other.")
    if documents is None:
        return PassageIndex({}, passages, vectors, manifest, parses)
    by_id = {d.doc_id: d for d in documents}
    for passage in passages:
        document = by_id.get(passage.doc_id)
        if document is None or document.text[passage.start : passage.end] != passage.text:
            raise IndexStoreError("The stored passages no longer match the seed documents.")
    return PassageIndex(by_id, passages, vectors, manifest, parses)


def _stale_reason(store_dir: Path, model: str, fingerprint: str) -> str | None:
    try:
        manifest = read_manifest(store_dir)
    except IndexStoreError as exc:
        return str(exc)
    versions = (manifest.store_format, manifest.splitter_version, manifest.parser_version)
    if versions != (STORE_FORMAT, SPLITTER_VERSION, PARSER_VERSION):
        return "the index was written by another version of this program"
    if manifest.model != model:
        return f"the model changed ({manifest.model} -> {model})"
    if manifest.corpus_fingerprint != fingerprint:
        return SEEDS_CHANGED
    return None


SEEDS_CHANGED = "the seed documents changed"


def _updated(store_dir: Path, documents: list[Document], encoder: SentenceEmbedder, approximate_from: int) -> tuple[PassageIndex, str]:
    """The stored index brought in step with ``documents``: the passages of documents whose fingerprint is
    unchanged are kept as stored, those of removed or changed documents dropped, new and changed documents
    indexed. Returns it and what was done. Raises IndexStoreError when the store cannot be used for that."""
    stored = read_index(store_dir, None)
    known = stored.manifest.document_fingerprints
    if not known:
        raise IndexStoreError("the index predates incremental updates")
    current = {d.doc_id: d for d in documents}
    kept = {doc_id for doc_id, fingerprint in known.items()
            if doc_id in current and current[doc_id].fingerprint == fingerprint}
    added = [d for d in documents if d.doc_id not in kept]
    dropped = set(known) - kept
    if not kept:
        raise IndexStoreError("every document changed")
    index = replace(stored, documents={doc_id: current[doc_id] for doc_id in kept})
    if dropped:
        index = without_documents(index, dropped, approximate_from=approximate_from)
    if added:
        prepared = [PreparedDocument(d, *prepare_passages([d])) for d in added]
        index = with_documents(index, prepared, encoder, approximate_from=approximate_from)
    changed = len(dropped & set(current))
    what = (f"{len(added) - changed} document(s) added, {changed} changed, {len(dropped) - changed} removed; only "
            "those were indexed")
    return index, what


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""Questions on the benchmarks' real documents, read as the product reads an upload and fetched as
``bench/real_documents.py`` fetches them:

- the technical documents' train questions as training data: how-to questions on commands, paths and options
  (``gold/technical/train.jsonl``) over the manuals and READMEs that ``bench/technical_documents.json`` pins;
- the real documents' tuning set (``gold/real-documents/tuning.jsonl``), which the threshold rule reads
  (:mod:`train.decision`) and nothing trains on.

The held-out documents' questions are never read here."""

from __future__ import annotations

from pathlib import Path

from bench.real_documents import DEFAULT_FOLDER, GOLD_FILES, MANIFEST, TECHNICAL_GOLD_FILES, TECHNICAL_MANIFEST
from bench.real_documents import fetch, load_manifest, load_questions
from index.documents import Document, read_document
from qa.gold import GoldCorpus, GoldItem
from train.examples import located

TECHNICAL_GOLD_FILE = TECHNICAL_GOLD_FILES["train"]
TUNING_GOLD_FILE = GOLD_FILES["tuning"]
__all__ = ["MANIFEST", "TECHNICAL_GOLD_FILE", "TECHNICAL_MANIFEST", "TUNING_GOLD_FILE", "technical_corpus",
           "tuning_corpus"]


def technical_corpus(folder: Path = DEFAULT_FOLDER) -> GoldCorpus:
    """The train documents (read as the product reads an upload) and their questions, each answer located in its
    own document; an answer not found there is left out, and a question left without one is dropped."""
    documents = _read(TECHNICAL_MANIFEST, "train", folder)
    items = []
    for question in load_questions(TECHNICAL_GOLD_FILE, "train"):
        document = documents[question.document]
        spans = tuple(span for answer in question.answers if (span := located(answer, [document])) is not None)
        if question.answers and not spans:
            continue
        items.append(GoldItem(f"technical/{question.id}", question.question, [s.text for s in spans], spans=spans,
                              article=document.doc_id))
    return GoldCorpus(list(documents.values()), items)


def tuning_corpus(folder: Path = DEFAULT_FOLDER) -> GoldCorpus:
    """The real documents' tuning documents and their questions as gold items (answers as written: the benchmark
    scores them so; unanswerable questions have none)."""
    documents = _read(MANIFEST, "tuning", folder)
    items = [GoldItem(f"real/{q.id}", q.question, list(q.answers), article=documents[q.document].doc_id)
             for q in load_questions(TUNING_GOLD_FILE, "tuning")]
    return GoldCorpus(list(documents.values()), items)


def _read(manifest: Path, split: str, folder: Path) -> dict[str, Document]:
    """The manifest's documents of ``split`` (only those are fetched), read as the product reads an upload, by id."""
    chosen = [d for d in load_manifest(manifest) if d.split == split]
    paths = fetch(folder, chosen)
    return {d.id: read_document(path.name, path.read_bytes()) for d, path in zip(chosen, paths, strict=True)}

"""The technical documents' train questions as training data: how-to questions on commands, paths and options
(``gold/technical/train.jsonl``) over the manuals and READMEs that ``bench/technical_documents.json`` pins, fetched
as the benchmark fetches them. The held-out documents' questions are never read here."""

from __future__ import annotations

from bench.real_documents import DEFAULT_FOLDER, TECHNICAL_GOLD_FILES, TECHNICAL_MANIFEST, fetch, load_manifest
from bench.real_documents import load_questions
from index.documents import read_document
from qa.gold import GoldCorpus, GoldItem
from train.examples import located

TECHNICAL_GOLD_FILE = TECHNICAL_GOLD_FILES["train"]
__all__ = ["TECHNICAL_GOLD_FILE", "TECHNICAL_MANIFEST", "technical_corpus"]


def technical_corpus(folder=DEFAULT_FOLDER) -> GoldCorpus:
    """The train documents (read as the product reads an upload) and their questions, each answer located in its
    own document; an answer not found there is left out, and a question left without one is dropped."""
    train = [d for d in load_manifest(TECHNICAL_MANIFEST) if d.split == "train"]
    paths = fetch(folder, train)
    documents = {d.id: read_document(path.name, path.read_bytes()) for d, path in zip(train, paths, strict=True)}
    items = []
    for question in load_questions(TECHNICAL_GOLD_FILE, "train"):
        document = documents[question.document]
        spans = tuple(span for answer in question.answers if (span := located(answer, [document])) is not None)
        if question.answers and not spans:
            continue
        items.append(GoldItem(f"technical/{question.id}", question.question, [s.text for s in spans], spans=spans,
                              article=document.doc_id))
    return GoldCorpus(list(documents.values()), items)

"""Training examples for the reader: a question, a passage, and where the answer lies in it (if it does).

Passages are the ones the product's own retriever returns, so the model learns on what it will read:

- the passage holding the gold answer, labelled with its span (looked up when retrieval missed it);
- up to ``NEGATIVES`` other retrieved passages, labelled "no answer" (passages that contain the answer's text
  elsewhere are left out: neither label would be right);
- SQuAD 2.0's unanswerable questions, labelled "no answer" on the first retrieved passages and on the passages
  of the paragraph their writers wrote them against, where they look answerable (the hardest negatives); the
  training articles' few with a plausible answer are read on its passage and repeated ``UNANSWERABLE_REPEAT``
  times;
- for a share of the answerable questions, an unanswerable copy (:mod:`train.perturb`: a swapped entity or
  number, an antonym, a negation) paired with the answer's passage, labelled "no answer".

The seed article's question sets are few next to the SQuAD articles', so their examples are repeated
``SEED_REPEAT`` times.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.documents import Document, load_documents
from index.embedder import SentenceEmbedder
from index.passages import Passage
from index.store import PassageIndex, build_index
from qa.gold import GoldCorpus, GoldItem, GoldSpan, load_gold
from qa.retrieve import Retriever
from train import perturb

RETRIEVED = 4  # retrieved passages a question's examples are drawn from
NEGATIVES = 1  # retrieved passages without the answer, per question
SEED_REPEAT = 3
UNANSWERABLE_REPEAT = 2
PARAGRAPH_PASSAGES = 2  # passages of an unanswerable question's own paragraph it is read on, at most
PERTURBED_SHARE = 0.5  # answerable questions that also get an unanswerable copy
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "DATE")


@dataclass(frozen=True, slots=True)
class Example:
    """One reading: ``answer`` is the answer's ``(start, end)`` in ``text``, or ``None`` for "no answer here"."""

    question: str
    text: str
    answer: tuple[int, int] | None
    kind: str  # "answer", "retrieved", "unanswerable" or the perturbation: "entity", "number", "antonym", "negation"
    question_id: str


@dataclass(frozen=True, slots=True)
class TrainingSet:
    documents: list[Document]
    items: list[GoldItem]
    repeated: frozenset[str] = frozenset()  # ids of the items whose examples are repeated SEED_REPEAT times


def training_set(corpora: list[GoldCorpus], seeds_dir: Path, seed_gold_files: list[Path]) -> TrainingSet:
    """The SQuAD corpora's articles and questions, plus the seed documents with the gold files written about them
    (answers located in the seed documents; follow-up questions, which need a conversation, left out)."""
    documents, items = [], []
    for corpus in corpora:
        documents += corpus.documents
        items += corpus.items
    seeds = load_documents(seeds_dir)
    documents += seeds
    repeated = set()
    for path in seed_gold_files:
        for item in load_gold(path):
            if item.history:
                continue
            spans = tuple(located(answer, seeds) for answer in item.answers)
            spans = tuple(span for span in spans if span is not None)
            if item.answerable and not spans:
                continue
            items.append(GoldItem(f"{path.stem}/{item.id}", item.question, [s.text for s in spans], spans=spans,
                                  article=spans[0].doc_id if spans else ""))
            repeated.add(items[-1].id)
    return TrainingSet(documents, items, frozenset(repeated))


def located(answer: str, documents: list[Document]) -> GoldSpan | None:
    """Where ``answer`` first appears in ``documents`` (the first document holding it), or ``None``."""
    for document in documents:
        start = document.text.find(answer)
        if start >= 0:
            return GoldSpan(document.doc_id, start, start + len(answer), answer)
    return None


def build_examples(training: TrainingSet, encoder: SentenceEmbedder, *, seed: int, progress: bool = True) -> list[Example]:
    """Every example for ``training``'s questions (see the module's docstring), in a fixed order for ``seed``."""
    from tqdm import tqdm

    rng = random.Random(seed)
    index = build_index(training.documents, encoder)
    retriever = Retriever(index, encoder)
    retriever.warm_up()
    pools = _entity_pools(training.documents)
    tagger = entity_tagger()
    examples: list[Example] = []
    for item in tqdm(training.items, desc="Making examples", unit="question", disable=not progress):
        hits = retriever.retrieve(item.question, RETRIEVED)
        made = _labelled(item, [hit.passage for hit in hits], index)
        if item.answerable and rng.random() < PERTURBED_SHARE:
            made += [e for e in [_perturbed(item, index, pools, tagger, rng)] if e is not None]
        examples += made * _repeats(item, training)
    return examples


def paragraph_examples(corpora: list[GoldCorpus]) -> list[Example]:
    """Each SQuAD question read on the whole paragraph it was written on, as its writers read it: labelled with
    its first answer's span there, or "no answer" (the reader's second pass, after it has learned to read
    passages). Questions without a paragraph (not from SQuAD) are left out."""
    examples = []
    for corpus in corpora:
        for item in corpus.items:
            paragraph = item.paragraph
            if paragraph is None:
                continue
            answer = next(((s.start - paragraph.start, s.end - paragraph.start) for s in item.spans
                           if paragraph.start <= s.start and s.end <= paragraph.end), None)
            if item.answerable and answer is None:
                continue
            kind = "unanswerable" if answer is None else "answer"
            examples.append(Example(item.question, paragraph.text, answer, kind, item.id))
    return examples


def _repeats(item: GoldItem, training: TrainingSet) -> int:
    if item.id in training.repeated:
        return SEED_REPEAT
    return UNANSWERABLE_REPEAT if item.plausible else 1


def _span_in(spans: tuple[GoldSpan, ...], passage: Passage) -> tuple[int, int] | None:
    for span in spans:
        if span.doc_id == passage.doc_id and passage.start <= span.start and span.end <= passage.end:
            return span.start - passage.start, span.end - passage.start
    return None


def _answer_in(item: GoldItem, passage: Passage) -> tuple[int, int] | None:
    return _span_in(item.spans, passage)


def _answer_passage(item: GoldItem, index: PassageIndex) -> Passage | None:
    return next((p for p in index.passages if _answer_in(item, p) is not None), None)


def _labelled(item: GoldItem, passages: list[Passage], index: PassageIndex) -> list[Example]:
    if not item.answerable:
        tempting = [p for p in index.passages if _span_in(item.plausible[:1], p) is not None]
        if not tempting and item.paragraph is not None:
            tempting = _paragraph_passages(item, passages, index)
        chosen = list({(p.doc_id, p.start): p for p in [*tempting, *passages[:2]]}.values())
        return [Example(item.question, p.text, None, "unanswerable", item.id) for p in chosen]
    examples, negatives = [], []
    for passage in passages:
        answer = _answer_in(item, passage)
        if answer is not None:
            examples.append(Example(item.question, passage.text, answer, "answer", item.id))
        elif not any(a in passage.text for a in item.answers):
            negatives.append(Example(item.question, passage.text, None, "retrieved", item.id))
    if not examples and (passage := _answer_passage(item, index)) is not None:
        examples.append(Example(item.question, passage.text, _answer_in(item, passage), "answer", item.id))
    return examples + negatives[:NEGATIVES]


def _paragraph_passages(item: GoldItem, retrieved: list[Passage], index: PassageIndex) -> list[Passage]:
    """Up to ``PARAGRAPH_PASSAGES`` passages inside the question's paragraph, those retrieved for it first."""
    paragraph = item.paragraph
    inside = [p for p in index.passages
              if p.doc_id == paragraph.doc_id and paragraph.start <= p.start and p.end <= paragraph.end]
    order = {(p.doc_id, p.start): rank for rank, p in enumerate(retrieved)}
    return sorted(inside, key=lambda p: order.get((p.doc_id, p.start), len(order)))[:PARAGRAPH_PASSAGES]


def _perturbed(item: GoldItem, index: PassageIndex, pools: dict, tagger, rng: random.Random) -> Example | None:
    passage = _answer_passage(item, index)
    if passage is None:
        return None
    made = perturbed_question(item, passage.text, pools[passage.doc_id], tagger, rng)
    return None if made is None else Example(made[0], passage.text, None, made[1], item.id)


def perturbed_question(item: GoldItem, text: str, pool: dict[str, list[str]], tagger,
                       rng: random.Random) -> tuple[str, str] | None:
    """An unanswerable copy of ``item``'s question for ``text`` (which answers the original) and the kind of
    change, or ``None`` when no change applies. ``pool`` holds the article's entities by label."""
    entities = [(e.text, e.label_) for e in tagger(item.question).ents if e.label_ in ENTITY_LABELS]
    changes = [
        ("entity", lambda: perturb.swap_entity(item.question, entities, pool, rng)),
        ("number", lambda: perturb.swap_number(item.question, rng)),
        ("antonym", lambda: perturb.swap_antonym(item.question, rng)),
        ("negation", lambda: perturb.negate(item.question, rng)),
    ]
    rng.shuffle(changes)
    changes.sort(key=lambda change: change[0] != "entity")  # the commonest kind in SQuAD 2.0, when it applies
    for kind, change in changes:
        made = change()
        if made is None:
            continue
        question, inserted = made
        # An entity may come from the text itself ("Daniel Craig stars as Blofeld", as SQuAD 2.0's writers
        # swapped them), unless it is the answer; other changes must put in what the text does not say.
        present = inserted.lower() in text.lower()
        if kind == "negation" or (kind == "entity" and not any(inserted in a for a in item.answers)) or not present:
            return question, kind
    return None


def entity_tagger():
    import spacy

    from index.parses import SPACY_MODEL

    return spacy.load(SPACY_MODEL, disable=["parser", "lemmatizer"])


def _entity_pools(documents: list[Document]) -> dict[str, dict[str, list[str]]]:
    """For each document, its named entities by label: what a swapped entity is drawn from."""
    tagger = entity_tagger()
    return {document.doc_id: entity_pool(tagger, document) for document in documents}


def entity_pool(tagger, document: Document | object) -> dict[str, list[str]]:
    """The named entities of a document (or of its text already tagged, a spaCy ``Doc``) by label."""
    found: dict[str, set[str]] = defaultdict(set)
    for entity in (tagger(document.text) if isinstance(document, Document) else document).ents:
        if entity.label_ in ENTITY_LABELS and len(entity.text) <= 60 and "\n" not in entity.text:
            found[entity.label_].add(entity.text)
    return {label: sorted(texts) for label, texts in found.items()}

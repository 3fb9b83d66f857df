"""Index reuse and rebuild, and every fault the store must survive: nothing half-written, clear messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedder import ONNX_MODEL, ONNX_TOKENIZER
from index.errors import SeedsError
from index.store import MANIFEST, PARSES, PASSAGES, VECTORS, open_index
from tests.conftest import ROOT, SEED_ID, SEEDS

pytestmark = pytest.mark.integration


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def test_first_open_builds_then_reuses(seeds, tmp_path, encoder):
    store = tmp_path / "store"
    first = open_index(seeds, store, encoder)
    assert first.action == "built"
    second = open_index(seeds, store, encoder)
    assert second.action == "reused"
    assert second.index.manifest.corpus_fingerprint == first.index.manifest.corpus_fingerprint
    assert second.index.vectors.ntotal == len(second.index.passages) == first.index.manifest.passages


def test_a_changed_seeds_folder_reindexes_only_what_changed(seeds, tmp_path, encoder):
    store = tmp_path / "store"
    first = open_index(seeds, store, encoder).index
    (seeds / "second.md").write_text("Second Document\nThe sky over Caracas was clear on Tuesday.\n", encoding="utf-8")
    opened = open_index(seeds, store, encoder)
    assert (opened.action, opened.reason) == ("updated", "1 document(s) added, 0 changed, 0 removed; only those "
                                                         "were indexed")
    assert "second" in opened.index.documents
    assert any(p.doc_id == "second" for p in opened.index.passages)
    kept = [row for row, p in enumerate(opened.index.passages) if p.doc_id == SEED_ID]
    assert [opened.index.passages[row] for row in kept] == first.passages  # kept as stored, not re-embedded
    assert np.allclose(opened.index.vectors.reconstruct_batch(np.array(kept)), first.vectors.reconstruct_n(0, len(kept)))
    (seeds / "second.md").write_text("Second Document\nThe sky over Caracas was grey on Wednesday.\n", encoding="utf-8")
    changed = open_index(seeds, store, encoder)
    assert changed.reason.startswith("0 document(s) added, 1 changed, 0 removed")
    assert "grey" in " ".join(p.text for p in changed.index.passages)
    (seeds / "second.md").unlink()
    removed = open_index(seeds, store, encoder)
    assert removed.reason.startswith("0 document(s) added, 0 changed, 1 removed")
    assert {p.doc_id for p in removed.index.passages} == {SEED_ID}
    assert open_index(seeds, store, encoder).action == "reused"


def test_manifest_from_another_model_rebuilds(seeds, tmp_path, encoder):
    store = tmp_path / "store"
    open_index(seeds, store, encoder)
    manifest = json.loads((store / MANIFEST).read_text())
    (store / MANIFEST).write_text(json.dumps(manifest | {"model": "some/other-model"}))
    opened = open_index(seeds, store, encoder)
    assert opened.action == "rebuilt" and "model changed" in opened.reason


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda store: (store / VECTORS).write_bytes((store / VECTORS).read_bytes()[:100]), "truncated or corrupt"),
        (lambda store: (store / PASSAGES).unlink(), "missing"),
        (lambda store: (store / MANIFEST).write_text("{not json"), "manifest is corrupt"),
        (lambda store: (store / PASSAGES).write_text("[]"), "truncated or corrupt"),
        (lambda store: (store / ONNX_MODEL).write_bytes(b"not a model"), "truncated or corrupt"),
        (lambda store: (store / PARSES).unlink(), "missing"),
    ],
    ids=["truncated-vectors", "missing-passages", "corrupt-manifest", "edited-passages", "corrupt-onnx-encoder",
         "missing-parses"],
)
def test_damaged_index_is_detected_and_rebuilt(seeds, tmp_path, encoder, damage, reason):
    store = tmp_path / "store"
    open_index(seeds, store, encoder)
    damage(store)
    opened = open_index(seeds, store, encoder)
    assert opened.action == "rebuilt" and reason in opened.reason
    assert open_index(seeds, store, encoder).action == "reused"


def test_no_temporary_files_are_left_behind(seeds, tmp_path, encoder):
    store = tmp_path / "store"
    open_index(seeds, store, encoder, force=True)
    assert sorted(p.name for p in store.iterdir()) == sorted(
        [MANIFEST, PASSAGES, VECTORS, PARSES, ONNX_MODEL, ONNX_TOKENIZER]
    )


def test_empty_seeds_folder_is_refused_clearly(tmp_path, encoder):
    (tmp_path / "seeds").mkdir()
    with pytest.raises(SeedsError, match="has no document to answer from"):
        open_index(tmp_path / "seeds", tmp_path / "store", encoder)
    assert not (tmp_path / "store").exists()


def test_a_seed_that_is_not_utf8_is_skipped_and_named(seeds, tmp_path, encoder):
    (seeds / "latin1.txt").write_bytes("Caf\xe9 con leche".encode("latin-1"))
    opened = open_index(seeds, tmp_path / "store", encoder)
    assert [s.source for s in opened.skipped] == ["latin1.txt"] and "is not UTF-8" in opened.skipped[0].reason
    assert list(opened.index.documents) == [SEED_ID]


def test_large_corpora_get_an_approximate_index_that_still_finds_the_evidence(seeds, tmp_path, encoder, settings):
    from index.store import REFINE_K_FACTOR
    from qa.pipeline import Pipeline

    from qa.gold import squad_corpus
    from tests.squad_files import long_article, small_squad

    # A second, long article gives the quantiser enough passages to train on.
    for document in squad_corpus(small_squad(long_article()), "long").documents:
        (seeds / f"{document.doc_id}.txt").write_text(document.text, encoding="utf-8")
    opened = open_index(seeds, tmp_path / "store", encoder, approximate_from=1)  # force the approximate index
    assert opened.index.manifest.index_kind == "pq-refine"
    assert open_index(seeds, tmp_path / "store", encoder, approximate_from=1).index.vectors.k_factor == REFINE_K_FACTOR
    pipeline = Pipeline.over(opened, encoder, settings)
    answer = pipeline.ask("How much is the reward for Maduro's arrest?").answer
    assert answer.text == "$50 million"
    assert pipeline.document(answer.doc_id).text[answer.start : answer.end] == answer.text


def test_stored_vectors_are_memory_mapped_not_copied(seeds, tmp_path, encoder):
    """Server workers share the vectors only if they are mapped from the file rather than read into memory."""
    store = tmp_path / "store"
    open_index(seeds, store, encoder)
    reopened = open_index(seeds, store, encoder)
    assert reopened.action == "reused"
    maps = Path("/proc/self/maps").read_text().splitlines()
    mapped = {line.split(maxsplit=5)[-1] for line in maps if len(line.split()) == 6}
    assert str((store / VECTORS).resolve()) in mapped

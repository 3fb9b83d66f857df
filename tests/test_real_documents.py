"""The real-document benchmark's parts that need no network and no model: the manifest, the gold questions and
their split by document, fetching from archives already at hand, and the scoring and aggregation helpers."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import real_documents as rd
from index.documents import document_id

MANIFEST = rd.load_manifest()
BY_ID = {d.id: d for d in MANIFEST}
GOLD = {name: rd.load_questions(path, name) for name, path in rd.GOLD_FILES.items()}


# --- the manifest -----------------------------------------------------------------------------------------------


def test_the_manifest_has_at_least_four_documents_per_format_from_pinned_sources():
    assert len(BY_ID) == len(MANIFEST)  # ids are unique
    for fmt in rd.FORMATS:
        assert sum(d.format == fmt for d in MANIFEST) >= 4, fmt
    for d in MANIFEST:
        assert document_id(d.file_name) == d.id  # the product's doc_id is the manifest id
        assert re.fullmatch(r"[0-9a-f]{64}", d.sha256) and d.size > 0
        assert d.licence and d.description and d.split in ("tuning", "heldout")
        source = d.source
        assert source.registry in ("pypi", "npm", "debian") and source.package and source.version and source.path
        if source.registry == "pypi":
            assert source.archive in ("sdist", "wheel")
        if source.registry == "debian":
            assert source.path.startswith("/usr/share/")
        assert source.compressed in ("", "gzip")


def test_the_recorded_split_is_the_one_drawn_by_format_with_the_seed():
    assert rd.drawn_split(MANIFEST) == {d.id: d.split for d in MANIFEST}
    for fmt in rd.FORMATS:
        of_format = [d for d in MANIFEST if d.format == fmt]
        heldout = [d for d in of_format if d.split == "heldout"]
        assert len(heldout) == len(of_format) // 2 >= 2, fmt


# --- the gold questions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(rd.GOLD_FILES))
def test_every_gold_line_is_well_formed_and_names_a_document_of_the_manifest(name):
    raw = [json.loads(line) for line in rd.GOLD_FILES[name].read_text(encoding="utf-8").splitlines() if line]
    assert raw and len(raw) == len(GOLD[name])
    for row, question in zip(raw, GOLD[name], strict=True):
        assert set(row) <= rd.GOLD_KEYS and {"id", "document", "format", "question", "answers"} <= set(row)
        assert question.document in BY_ID, question.id
        document = BY_ID[question.document]
        assert question.format == document.format and document.split == name
        assert re.fullmatch(re.escape(question.document) + r"-\d+", question.id)
        assert isinstance(row["question"], str) and row["question"].strip().endswith("?")
        assert isinstance(row["answers"], list) and all(isinstance(a, str) and a.strip() for a in row["answers"])
        assert len(set(row["answers"])) == len(row["answers"])
        if "page" in row:
            assert document.format == "pdf" and isinstance(row["page"], int) and row["page"] >= 1
            assert row["answers"], "an unanswerable question has no page"
        if "section" in row:
            assert document.format != "pdf" and isinstance(row["section"], str) and row["section"].strip()
            assert row["answers"], "an unanswerable question has no section"
        if document.format == "pdf" and row["answers"]:
            assert "page" in row, question.id


def test_the_split_is_by_document_and_every_document_has_questions():
    ids = [q.id for questions in GOLD.values() for q in questions]
    assert len(ids) == len(set(ids))
    tuning = {q.document for q in GOLD["tuning"]}
    heldout = {q.document for q in GOLD["heldout"]}
    assert not tuning & heldout
    assert tuning | heldout == set(BY_ID)
    for doc_id in BY_ID:
        asked = [q for questions in GOLD.values() for q in questions if q.document == doc_id]
        assert len(asked) >= 8 and any(not q.answerable for q in asked), doc_id


def test_about_a_fifth_of_the_questions_cannot_be_answered():
    everything = [q for questions in GOLD.values() for q in questions]
    assert len(everything) >= 200
    assert 0.15 <= sum(not q.answerable for q in everything) / len(everything) <= 0.25


def test_a_malformed_gold_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x-1", "document": "x", "format": "pdf", "question": "Why?"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl line 1"):
        rd.load_questions(path)


# --- fetching, without the network ------------------------------------------------------------------------------


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as bundle:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return path


def _document(data: bytes, **source) -> rd.ManifestDocument:
    fields = {"registry": "pypi", "package": "demo", "version": "1.0", "archive": "sdist",
              "path": "demo-1.0/docs/guide.md"} | source
    return rd.ManifestDocument("demo-guide", "markdown", rd.Source(**fields), hashlib.sha256(data).hexdigest(),
                               len(data), "MIT", "A guide.", "tuning")


def test_fetch_takes_the_member_from_the_archive_and_keeps_a_file_already_fetched(tmp_path, monkeypatch):
    data = b"# Guide\n\nRun `demo --help`.\n"
    archive = _tarball(tmp_path / "demo-1.0.tar.gz", {"demo-1.0/docs/guide.md": data})
    downloads = []

    def download(document, scratch):
        downloads.append(document.id)
        return archive

    monkeypatch.setattr(rd, "_download", download)
    folder = tmp_path / "documents"
    paths = rd.fetch(folder, [_document(data)])
    assert paths == [folder / "demo-guide.md"] and paths[0].read_bytes() == data
    assert rd.fetch(folder, [_document(data)]) == paths and downloads == ["demo-guide"]  # not downloaded again


def test_fetch_gunzips_a_debian_file_and_refuses_one_whose_hash_differs(tmp_path, monkeypatch):
    import gzip

    data = b"# Known variables\n"
    installed = tmp_path / "ENVIRONMENT.md.gz"
    installed.write_bytes(gzip.compress(data))
    debian = _document(data, registry="debian", archive="", path=str(installed), compressed="gzip")
    assert rd.fetch(tmp_path / "a", [debian])[0].read_bytes() == data

    archive = _tarball(tmp_path / "demo-1.0.tar.gz", {"demo-1.0/docs/guide.md": b"changed\n"})
    monkeypatch.setattr(rd, "_download", lambda document, scratch: archive)
    with pytest.raises(rd.FetchError) as caught:
        rd.fetch(tmp_path / "b", [_document(data)])
    message = str(caught.value)
    assert "\n" not in message and "demo-guide" in message and "demo==1.0" in message and "SHA-256" in message
    assert not (tmp_path / "b" / "demo-guide.md").exists()


def test_a_missing_member_is_a_one_line_error(tmp_path):
    archive = _tarball(tmp_path / "demo-1.0.tar.gz", {"demo-1.0/README.md": b"x"})
    with pytest.raises(rd.FetchError, match="has no 'demo-1.0/docs/guide.md'"):
        rd._member(archive, _document(b"x"))


# --- scoring ----------------------------------------------------------------------------------------------------


def test_a_section_matches_the_last_heading_of_the_cited_path_ignoring_case_and_spacing():
    assert rd.section_matches("Options", "pdfplumber › Command line interface › Options")
    assert rd.section_matches("basic  Usage", "Installing Python Modules › Basic usage")
    assert rd.section_matches("3.1. Versions", "Contents › 3. Python Packaging › 3.1.  Versions")
    assert not rd.section_matches("Command line interface", "pdfplumber › Command line interface › Options")
    assert not rd.section_matches("Options", None) and not rd.section_matches("Options", "")


def test_the_location_is_the_page_for_a_pdf_and_the_section_otherwise():
    on_page = rd.RealQuestion("d-1", "d", "pdf", "Q?", ["a"], page=3)
    assert rd.location_right(on_page, 3, None) is True
    assert rd.location_right(on_page, 4, "Anything") is False
    in_section = rd.RealQuestion("d-2", "d", "html", "Q?", ["a"], section="Key terms")
    assert rd.location_right(in_section, None, "Guide › Key terms") is True
    assert rd.location_right(in_section, 1, "Guide › Basic usage") is False
    assert rd.location_right(rd.RealQuestion("d-3", "d", "docx", "Q?", ["a"]), 1, "S") is None


def _response(text: str | None, doc_id: str = "", page=None, section=None, cited: bool = True):
    citation = SimpleNamespace(passage=SimpleNamespace(doc_id=doc_id), page=page, section=section)
    answer = SimpleNamespace(text=text) if text is not None else None
    return SimpleNamespace(answer=answer, abstained=text is None, no_answer_score=0.1 if text else 0.9,
                           citations=[citation] if cited else [])


def test_score_gives_squad_figures_and_where_the_first_citation_points():
    question = rd.RealQuestion("guide-1", "guide", "html", "How?", ["pip install demo"], section="Installation",
                               set="tuning")
    row = rd.score(question, _response("pip install demo", "guide", section="Guide › Installation"),
                   {"guide": "guide"})
    assert (row["exact"], row["f1"], row["right_document"], row["right_location"]) == (1, 1.0, True, True)
    row = rd.score(question, _response("demo", "other", section="Other › Installation"), {"guide": "guide"})
    assert row["exact"] == 0 and 0 < row["f1"] < 1
    assert row["right_document"] is False and row["right_location"] is False  # the right section of a wrong file
    refused = rd.score(question, _response(None, cited=False), {"guide": "guide"})
    assert refused["abstained"] and refused["f1"] == 0.0 and refused["cited_document"] is None
    unanswerable = rd.RealQuestion("guide-2", "guide", "html", "Why?", [], set="tuning")
    assert rd.score(unanswerable, _response(None, "guide"), {"guide": "guide"})["exact"] == 1
    assert rd.score(unanswerable, _response("something", "guide"), {"guide": "guide"})["f1"] == 0.0


def _row(fmt, answerable, f1, exact, abstained, right_document=True, right_location=None, set_name="tuning"):
    return {"set": set_name, "format": fmt, "answerable": answerable, "f1": f1, "exact": exact,
            "abstained": abstained, "right_document": right_document if answerable else None,
            "right_location": right_location}


def test_aggregate_counts_each_figure_over_its_own_questions():
    rows = [
        _row("pdf", True, 1.0, 1, False, True, True),
        _row("pdf", True, 0.5, 0, False, True, False),
        _row("pdf", True, 0.0, 0, True, False, None),
        _row("pdf", False, 1.0, 1, True),
        _row("pdf", False, 0.0, 0, False),
    ]
    figures = rd.aggregate(rows)
    assert (figures["questions"], figures["answerable"], figures["unanswerable"]) == (5, 3, 2)
    assert figures["hasans_f1"] == 50.0 and figures["hasans_em"] == pytest.approx(33.3)
    assert figures["answerable_refused_pct"] == pytest.approx(33.3)
    assert figures["unanswerable_refused_pct"] == 50.0
    assert figures["right_document_pct"] == pytest.approx(66.7)
    assert figures["located"] == 2 and figures["right_location_pct"] == 50.0
    empty = rd.aggregate([_row("html", False, 1.0, 1, True)])
    assert empty["hasans_f1"] is None and empty["right_location_pct"] is None


def test_summary_keeps_tuning_and_heldout_apart_per_format_and_overall():
    rows = [_row("pdf", True, 1.0, 1, False), _row("html", True, 0.0, 0, True),
            _row("docx", True, 1.0, 1, False, set_name="heldout")]
    figures = rd.summary(rows)
    assert list(figures) == ["tuning", "heldout"]
    assert list(figures["tuning"]) == ["pdf", "html", "all"] and list(figures["heldout"]) == ["docx", "all"]
    assert figures["tuning"]["all"]["hasans_f1"] == 50.0 and figures["heldout"]["all"]["hasans_f1"] == 100.0
    report = rd.render(figures, 16, "python -m bench.real_documents --out x", [])
    assert "**Tuning documents**" in report and "**Held-out documents**" in report
    assert "| PDF | 1 (1/0) | 100.0 | 100.0 | 0.0 | – |" in report


# --- the technical-documentation collection ---------------------------------------------------------------------

TECHNICAL = rd.load_manifest(rd.TECHNICAL_MANIFEST)
TECHNICAL_GOLD = {name: rd.load_questions(path, name) for name, path in rd.TECHNICAL_GOLD_FILES.items()}


def test_the_technical_split_is_by_document_drawn_with_its_seed_and_names_only_its_documents():
    import random

    by_id = {d.id: d for d in TECHNICAL}
    assert len(by_id) == len(TECHNICAL) >= 12 and not set(by_id) & set(BY_ID)  # none of the real-document set
    ids = sorted(by_id)
    heldout = set(random.Random(44).sample(ids, round(len(ids) / 3)))
    assert {d.id for d in TECHNICAL if d.split == "heldout"} == heldout
    assert {d.split for d in TECHNICAL} == {"train", "heldout"}
    for d in TECHNICAL:
        assert re.fullmatch(r"[0-9a-f]{64}", d.sha256) and d.format in rd.SUFFIXES and d.licence
        assert d.source.body in ("", "long-description") and (d.source.body == "") == (d.source.registry != "pypi")
    asked = {}
    for name, questions in TECHNICAL_GOLD.items():
        for question in questions:
            document = by_id[question.document]
            assert document.split == name and question.format == document.format and question.id not in asked
            asked[question.id] = question
    assert len(asked) >= 250 and {q.document for q in asked.values()} == set(by_id)
    assert 0.1 <= sum(not q.answerable for q in asked.values()) / len(asked) <= 0.25


def test_a_package_long_description_is_its_metadata_after_the_headers(tmp_path, monkeypatch):
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n# demo\n\nSet `DEMO_HOME`.\n\nMore.\n"
    body = b"# demo\n\nSet `DEMO_HOME`.\n\nMore.\n"
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    import zipfile

    with zipfile.ZipFile(wheel, "w") as bundle:
        bundle.writestr("demo-1.0.dist-info/METADATA", metadata)
    monkeypatch.setattr(rd, "_download", lambda document, scratch: wheel)
    document = _document(body, archive="wheel", path="demo-1.0.dist-info/METADATA", body="long-description")
    assert rd.fetch(tmp_path / "docs", [document])[0].read_bytes() == body

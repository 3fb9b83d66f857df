"""Files as documents: each format's text and structure, and a clear error naming the file for every bad one."""

from __future__ import annotations

import re

import pytest

from index.documents import Document, document_id, read_document, safe_file_name, scan_documents, seed_path
from index.errors import DocumentError, SeedsError
from tests import sample_files
from tests.conftest import ROOT

MARKUP = re.compile(r"[`*|#]|\]\(")


def test_a_pdf_keeps_its_pages_and_joins_the_lines_of_a_paragraph():
    document = read_document("Harbour Report.pdf", sample_files.pdf_bytes())
    assert (document.doc_id, document.format, document.source) == ("harbour-report", "pdf", "Harbour Report.pdf")
    assert document.title == "Harbour Authority Annual Report 2025"
    assert [page.number for page in document.pages] == [1, 2, 3]
    at = document.text.index("Ingrid Solberg")
    assert document.page_at(at) == 3 and document.page_at(document.text.index("4.2 million")) == 1
    # a sentence wrapped over two lines of the page is one line of text
    assert "The board approved a new dredging contract with Nordic Marine Works." in document.text


def test_a_news_page_keeps_its_article_without_navigation_ads_scripts_or_footer():
    document = read_document("bridge.html", sample_files.NEWS_HTML.encode())
    assert document.format == "html" and document.title == "Bridge reopens after repairs"
    assert document.url == "https://courier.example.org/2026/05/bridge-reopens"
    assert "3.5 million pounds" in document.text and "Alice Moreau" in document.text
    for unwanted in ("Sport", "Cheap flights", "alert", "INJECTED", "HACKED", "tracker", "Copyright", "Privacy"):
        assert unwanted not in document.text
    assert document.section_at(document.text.index("12,000 vehicles")) == "Bridge reopens after repairs › Traffic returns"


def test_a_word_document_keeps_headings_as_sections_and_table_rows_as_sentences():
    document = read_document("lease.docx", sample_files.docx_bytes())
    assert document.format == "docx" and document.title == "Lease Agreement"
    assert "Pet deposit — Deposit: 300 dollars." in document.text
    assert document.section_at(document.text.index("1,250 dollars")) == "Lease Agreement › Rent"
    assert document.section_at(document.text.index("twelve months")) == "Lease Agreement › Term"


def test_markdown_loses_its_markup_and_keeps_its_structure():
    document = read_document("club.md", sample_files.MARKDOWN.encode())
    text = document.text
    assert document.title == "Garden Club Handbook"
    assert not MARKUP.search(text), text
    assert "Welcome to the Riverside Garden Club. See our website for news." in text  # link words, no address
    assert "Bring your own gloves. Tea is served at 7 pm. Visitors pay a fee of 5 euros." in text  # one paragraph
    assert "Large — Yearly rent: 75 euros." in text
    assert "Run the sprinkler with water --zone north:" in text  # a code span's text, without backticks
    assert "water --zone north --minutes 20" in text  # the code block's line
    assert document.section_at(text.index("75 euros")) == "Garden Club Handbook › Plots"
    assert document.section_at(text.index("Welcome")) == "Garden Club Handbook"


def test_the_projects_readme_reads_as_clean_text():
    document = read_document("README.md", (ROOT / "README.md").read_bytes())
    # no markup left: what remains of `*`, `|` is what code spans held ("QA_*", "user"|"assistant")
    assert not re.search(r"`|\*\*|^\s*\||^#|\]\(", document.text, re.M)
    assert "make test installs the same packages, and Debian's chromium for the browser tests" in document.text


def test_plain_text_is_read_as_it_is():
    document = read_document("notes.txt", "\ufeffFirst line\n\nA *literal* `text`.\n".encode())
    assert document.text == "First line\n\nA *literal* `text`.\n" and document.title == "First line"
    assert document.pages == () and document.sections == ()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("scan.pdf", sample_files.scanned_pdf_bytes, "has no text layer"),
        ("secret.pdf", sample_files.encrypted_pdf_bytes, "encrypted PDF"),
        ("cut.pdf", lambda: sample_files.pdf_bytes()[:700], "damaged or truncated PDF"),
        ("bomb.docx", sample_files.zip_bomb_bytes, "zip bomb"),
        ("broken.docx", lambda: b"PK\x03\x04 not really a zip", "damaged"),
        ("fake.docx", lambda: sample_files.pdf_bytes(), "damaged"),
        ("tool.exe", lambda: b"MZ\x90\x00", "not a supported type"),
        ("latin1.txt", lambda: "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("empty.md", lambda: b"  \n\n", "holds no text"),
        ("script-only.html", lambda: b"<html><body><script>document.write('hi')</script></body></html>", "no main text"),
    ],
)
def test_a_bad_file_gets_one_sentence_naming_it_and_the_reason(name, make, reason):
    with pytest.raises(DocumentError) as raised:
        read_document(name, make())
    assert repr(name) in str(raised.value) and reason in str(raised.value)


def test_a_file_over_the_size_limit_says_which_limit(monkeypatch):
    from index import formats

    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 1000)
    with pytest.raises(DocumentError, match=r"'big.txt' is 0.0 MB; the limit is 0 MB"):
        read_document("big.txt", b"x" * 2000)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\me\\report.pdf", "report.pdf"), ("a\x00b.md", "ab.md"),
     ("  spaced   name.txt ", "spaced name.txt")],
)
def test_uploaded_names_never_leave_the_seeds_folder(tmp_path, name, safe):
    assert safe_file_name(name) == safe
    assert seed_path(tmp_path, name) == tmp_path / safe


@pytest.mark.parametrize("name", ["..", ".env", "", "/", "dir/..", "...pdf"])
def test_unusable_names_are_refused(tmp_path, name):
    with pytest.raises(DocumentError):
        seed_path(tmp_path, name)


def test_document_ids_are_safe_in_a_url():
    assert document_id("Annual Report (2025).PDF") == "annual-report-2025"
    assert document_id("us-pressure-on-maduro-cartel-de-los-soles.txt") == "us-pressure-on-maduro-cartel-de-los-soles"


def test_a_folder_with_one_bad_file_gives_the_rest_and_says_which_it_skipped(tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\nIt reads.\n", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(sample_files.scanned_pdf_bytes())
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    documents, skipped = scan_documents(tmp_path)
    assert [d.doc_id for d in documents] == ["good"]
    assert [(s.source, "no text layer" in s.reason) for s in skipped] == [("scan.pdf", True)]
    (tmp_path / "good.md").unlink()
    with pytest.raises(SeedsError, match="could be read: 'scan.pdf' has no text layer"):
        scan_documents(tmp_path)


def test_citations_locate_pages_and_innermost_sections():
    from index.formats import Page, Section

    document = Document("d", "T", "x" * 100, pages=(Page(1, 0, 40), Page(2, 42, 100)),
                        sections=(Section("A", 0, 100), Section("A › B", 50, 80)))
    assert (document.page_at(10), document.page_at(41), document.page_at(60)) == (1, None, 2)
    assert (document.section_at(10), document.section_at(60), document.section_at(90)) == ("A", "A › B", "A")

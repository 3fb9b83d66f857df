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


def test_a_pdf_loses_its_running_header_and_footer_and_keeps_footnote_marks_apart():
    document = read_document("harbour.pdf", sample_files.pdf_bytes())
    assert sample_files.PDF_HEADER not in document.text and "Page 1 of 3" not in document.text
    assert "of cargo in 2025 1, a record" in document.text  # the mark is not glued to the year
    assert sample_files.PDF_FOOTNOTE in document.text  # the footnote itself stays, on its page
    assert document.page_at(document.text.index("Figures audited")) == 1
    # every page starts with its own heading, not with the header
    assert [document.text[page.start : page.end].split("\n")[0] for page in document.pages] == [
        "Harbour Authority Annual Report 2025", "Finances", "Outlook"]


def test_a_pdf_whose_pages_hold_only_a_repeating_line_keeps_them():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=9)
    for number in range(6):
        pdf.add_page()
        pdf.cell(0, 5, f"Page {number + 1}: the harbour handled cargo and ferries on this day.")
    document = read_document("log.pdf", bytes(pdf.output()))
    assert len(document.pages) == 6 and document.text.count("the harbour handled cargo") == 6


def test_a_news_page_keeps_its_article_without_navigation_ads_scripts_or_footer():
    document = read_document("bridge.html", sample_files.NEWS_HTML.encode())
    assert document.format == "html" and document.title == "Bridge reopens after repairs"
    assert document.url == "https://courier.example.org/2026/05/bridge-reopens"
    assert "3.5 million pounds" in document.text and "Alice Moreau" in document.text
    for unwanted in ("Sport", "Cheap flights", "alert", "INJECTED", "HACKED", "tracker", "Copyright", "Privacy"):
        assert unwanted not in document.text
    assert document.section_at(document.text.index("12,000 vehicles")) == "Bridge reopens after repairs › Traffic returns"
    assert "edit" not in document.text and "¶" not in document.text  # the headings' own links are gone


def test_a_docbook_page_keeps_the_chapter_headings_trafilatura_would_drop():
    # DocBook's HTML (Debian's manuals): a rule, then the chapter's heading opening with an empty anchor
    intro = "The base-passwd package holds the master copies of the password and group files. " * 3
    entries = "The daemon user runs services that need no user of their own and no files of their own. " * 3
    page = (f'<html><head><title>Users and Groups</title></head><body><div class="BOOK">'
            f'<div class="CHAPTER"><hr><h1><a name="INTRODUCTION"></a>Chapter 1. Introduction</h1><p>{intro}</p></div>'
            f'<div class="CHAPTER"><hr><h1><a name="ENTRIES"></a>Chapter 2. Entries</h1><p>{entries}</p>'
            f'<p>{entries}</p></div></div></body></html>')
    document = read_document("users.html", page.encode())
    assert document.section_at(document.text.index("master copies")) == "Chapter 1. Introduction"
    assert document.section_at(document.text.index("daemon user")) == "Chapter 2. Entries"
    assert "qaheadingmark" not in document.text and "qaheadingmark" not in document.title


def test_a_web_page_keeps_its_backslashes_in_prose_and_in_code():
    prose = ("The '\\' and ',' characters in family names must be preceded by a '\\' character; "
             "the path C:\\temp\\ holds a\\_b and \\- marks.")
    code = "grep '\\.' notes.txt"
    page = (f"<html><head><title>Escapes</title></head><body><h1>Escapes</h1><p>{prose}</p>"
            f"<p>Run <code>{code}</code> to find the lines with a full stop, then read the lines it prints.</p>"
            "</body></html>")
    document = read_document("escapes.html", page.encode())
    assert prose in document.text and code in document.text


def test_an_infobox_keeps_the_lists_in_its_cells():
    prose = "Mozilla is a free-software community, created in 1998 by members of Netscape. " * 4
    page = ("<html><head><title>Mozilla</title></head><body><h1>Mozilla</h1>"
            '<table class="infobox"><tr><th colspan="2">Mozilla</th></tr><tr><th>Industry</th><td>Software</td></tr>'
            "<tr><th>Divisions</th><td><ul><li>Mozilla Corporation</li><li>Mozilla Foundation</li></ul></td></tr>"
            f"<tr><th>Founded</th><td>1998</td></tr></table><p>{prose}</p></body></html>")
    document = read_document("mozilla.html", page.encode())
    assert "Divisions — Mozilla Corporation, Mozilla Foundation." in document.text
    assert "---" not in document.text  # the rule trafilatura repeats under a row it takes for a header


def test_a_word_document_keeps_headings_as_sections_and_table_rows_as_sentences():
    document = read_document("lease.docx", sample_files.docx_bytes())  # with a comment, tracked changes, a field
    assert document.format == "docx" and document.title == "Lease Agreement"
    assert "between Oakwood Properties and Daniel Reyes." in document.text  # the commented run, not the comment
    assert "Check the spelling" not in document.text and "generated by" not in document.text
    assert "The monthly rent is 1,250 dollars," in document.text and "1,100" not in document.text  # as changed
    assert "Page 1" in document.text and "PAGE" not in document.text  # a field's result, not its code
    assert "Pet deposit — Deposit: 300 dollars." in document.text
    assert document.section_at(document.text.index("1,250 dollars")) == "Lease Agreement › Rent"
    assert document.section_at(document.text.index("twelve months")) == "Lease Agreement › Term"


def test_markdown_loses_its_markup_and_keeps_its_structure():
    document = read_document("club.md", sample_files.MARKDOWN.encode())
    text = document.text
    assert document.title == "Riverside Garden Club Handbook"  # from the front matter
    assert dict(document.metadata) == {"title": "Riverside Garden Club Handbook", "last_review_date": "2025-09-12",
                                       "tags": "garden, club"}
    assert "last_review_date" not in text and text.startswith("Garden Club Handbook")
    assert not MARKUP.search(text), text
    assert "Welcome to the Riverside Garden Club. See our website for news." in text  # link words, no address
    assert "Bring your own gloves. Tea is served at 7 pm. Visitors pay a fee of 5 euros." in text  # one paragraph,
    # without the superscript footnote mark
    assert "Large — Yearly rent: 75 euros." in text
    assert "Run the sprinkler with water --zone north:" in text  # a code span's text, without backticks
    assert "water --zone north --minutes 20" in text  # the code block's line
    assert document.section_at(text.index("75 euros")) == "Garden Club Handbook › Plots"
    assert document.section_at(text.index("Welcome")) == "Garden Club Handbook"


def test_the_projects_readme_reads_as_clean_text():
    document = read_document("README.md", (ROOT / "README.md").read_bytes())
    # no markup left: what remains of `*`, `|` is what code spans held ("QA_*", "user"|"assistant")
    assert not re.search(r"`|\*\*|^\s*\||^#|\]\(", document.text, re.M)
    assert "make test installs the same packages, the test tools and Ray, and Debian's chromium for the browser tests" in document.text


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
    with pytest.raises(DocumentError, match=r"'big.txt' is 2,000 bytes \(0.0 MiB\); the limit is 1,000 bytes"):
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


@pytest.mark.parametrize(("line", "shown"), [
    ("\uf0b7 Feedback received", "• Feedback received"),
    ("  \uf0a7 a nested point", "  • a nested point"),
    ("a word\uf0b7 inside", "a word\uf0b7 inside"),  # only a line's opening mark is a bullet
])
def test_a_pdf_fonts_private_bullet_becomes_a_bullet(line, shown):
    from index.formats import bulleted

    assert bulleted(line) == shown

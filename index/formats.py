"""Files people have, as plain text with their structure: ``.txt``, ``.md``, ``.html``/``.htm``, ``.pdf``, ``.docx``.

Each reader returns an :class:`Extracted`: the text every offset and answer points into, its title, and where the
source has structure, its pages (PDF) or sections (a heading and what follows it, up to the next heading of the
same or a higher level). The text is made for reading and for answering:

- Markdown (markdown-it-py, CommonMark with tables): markup goes, structure stays. Headings are lines of their
  own and name their sections; a list is one paragraph whose items are sentences; a table is one paragraph with a
  sentence per row ("Header: cell; Header: cell."); code spans keep their text without backticks, links their
  words without the address; a code block keeps its lines; superscript footnote marks go. YAML front matter
  (PyYAML) is metadata, not text: its ``title`` is the document's title.
- HTML (trafilatura): the page's main text without navigation, ads, scripts or footers, as Markdown, then read as
  Markdown above; the page title and canonical URL are kept. Scripts are parsed as markup, never run. Links that
  headings carry for the page's own machinery ("[edit]", permalink marks such as "¶") go first (lxml), and each
  heading goes through trafilatura as a marked paragraph, made a heading again after: its heuristics drop some
  headings (a chapter's, in DocBook's HTML) with the sections they name. A backslash in prose stays one. A list
  inside a table cell (an infobox's "Divisions") becomes its items in a line, which a Markdown cell can hold.
- PDF (pypdf): each page's text layer, lines of a paragraph joined (a hyphen at a line's end joins the word), pages
  numbered from 1. Lines that repeat at the top or bottom of most pages (running headers and footers, page
  numbers) are dropped; footnote marks (digits set smaller and raised above their line) are kept apart from the
  words they follow, so "2001" and mark 5 do not read "20015". A line's opening private-use glyph (a Symbol
  font's bullet, U+F0B7) is "•".
- Word (python-docx): paragraphs and tables in their order; ``Heading N`` and ``Title`` styles are headings. A
  paragraph's text is every run it shows, inserted ones of tracked changes included, deleted ones and field codes
  not; comments and other markup of the package are ignored.

Titles and section names are labels, not content: each is one line of at most ``MAX_LABEL_CHARS`` characters
(longer ones end in "…"), so that a file cannot make them a large or many-line string that every citation copies.
:class:`Limits` bounds the pages and characters a document may have.

Every reader's failure is a :class:`~index.errors.DocumentError` whose message names the file and the reason.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from index.errors import DocumentError, DocumentTooLarge

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
            ".pdf": "pdf", ".docx": "docx"}
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a .docx unpacking to more is refused (a zip bomb)
MAX_ZIP_RATIO = 200  # nor one whose parts are compressed more than this (ordinary XML: about 5-20)
SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")
MAX_LABEL_CHARS = 200  # a title or a section name
MAX_METADATA = 50  # front-matter fields kept
FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True, slots=True)
class Limits:
    """How large a document may be read: pages (PDF) and characters of extracted text."""

    max_pages: int = 1000
    max_chars: int = 2_000_000


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # from 1
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Section:
    title: str  # its heading, after the headings it sits under: "Using it › Chat"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str
    format: str  # a value of SUFFIXES
    url: str = ""
    pages: tuple[Page, ...] = ()
    sections: tuple[Section, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()  # a Markdown file's front matter, as labels



def too_large(name: str, size: int, limit: int) -> str:
    """The sentence for a file over the size limit, in bytes so that rounding never makes them look equal."""
    return f"{name!r} is {size:,} bytes ({size / 2**20:.1f} MiB); the limit is {limit:,} bytes ({limit / 2**20:.1f} MiB)."


def supported(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES


def extract(name: str, data: bytes, limits: Limits = Limits()) -> Extracted:
    """The text and structure of a file called ``name`` holding ``data``, its title and section names made labels.

    Raises:
        DocumentError: the type is not supported, the file is too large (bytes, pages, characters), damaged,
            encrypted, or holds no text.
    """
    kind = SUFFIXES.get(Path(name).suffix.lower())
    if kind is None:
        known = ", ".join(sorted(SUFFIXES))
        raise DocumentError(f"{name!r} is not a supported type (supported: {known}).")
    if len(data) > MAX_FILE_BYTES:
        raise DocumentTooLarge(too_large(name, len(data), MAX_FILE_BYTES))
    if kind == "pdf":
        extracted = _pdf(name, data, limits.max_pages)
    else:
        extracted = {"text": _text, "markdown": _markdown, "html": _html, "docx": _docx}[kind](name, data)
    if not extracted.text.strip():
        raise DocumentError(f"{name!r} holds no text.")
    if len(extracted.text) > limits.max_chars:
        raise DocumentError(f"{name!r} holds {len(extracted.text):,} characters of text; the limit is "
                            f"{limits.max_chars:,}. Split it into smaller documents.")
    sections = tuple(Section(label(s.title), s.start, s.end) for s in extracted.sections)
    metadata = tuple((label(key), label(value)) for key, value in extracted.metadata[:MAX_METADATA])
    return replace(extracted, title=label(extracted.title), sections=sections, metadata=metadata)


def label(text: str) -> str:
    """``text`` as a label: one line, spaces collapsed, at most ``MAX_LABEL_CHARS`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_LABEL_CHARS else line[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def _decoded(name: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{name!r} is not UTF-8 text (byte {exc.start}); re-save it as UTF-8.") from None
    return text.removeprefix("\ufeff")  # a BOM is an encoding mark, not content


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _text(name: str, data: bytes) -> Extracted:
    text = _decoded(name, data)
    return Extracted(text, _first_line(text), "text")


# -- Markdown -------------------------------------------------------------------------------------------------------


def _markdown(name: str, data: bytes) -> Extracted:
    source = _decoded(name, data)
    metadata, source = front_matter(source)
    text, sections = markdown_text(source)
    title = next((value for key, value in metadata if key.lower() == "title"), "")
    title = title or (sections[0].title.split(" › ")[0] if sections else _first_line(text))
    return Extracted(text, title, "markdown", sections=sections, metadata=metadata)


def front_matter(source: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """A Markdown file's YAML front matter as ``(key, value)`` pairs, and the rest of the file. Front matter that
    is not a YAML mapping is left in the text."""
    import yaml

    match = FRONT_MATTER.match(source)
    if not match:
        return (), source
    try:
        fields = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return (), source
    if not isinstance(fields, dict):
        return (), source
    pairs = tuple((str(key), _scalar(value)) for key, value in fields.items())
    return pairs, source[match.end():]


def _scalar(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def markdown_text(source: str) -> tuple[str, tuple[Section, ...]]:
    """Markdown as readable text, and its sections (see the module's docstring)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[tuple[str, int]] = []  # (text, heading level or 0)
    items: list[str] = []  # the items of the list being read
    rows: list[list[str]] = []  # the rows of the table being read
    lists = 0
    for at, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            blocks.append((_inline(tokens[at + 1]), int(token.tag[1])))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
            if not lists and items:
                blocks.append((" ".join(items), 0))
                items = []
        elif kind == "inline" and tokens[at - 1].type == "paragraph_open":
            text = _inline(token)
            if lists:
                items.append(_as_sentence(text))
            elif text:
                blocks.append((text, 0))
        elif kind == "tr_open":
            rows.append([])
        elif kind == "inline" and tokens[at - 1].type in ("th_open", "td_open"):
            rows[-1].append(_inline(token))
        elif kind == "table_close":
            blocks.append((_table_text(rows), 0))
            rows = []
        elif kind in ("fence", "code_block"):
            blocks.append(("\n".join(line.strip() for line in token.content.splitlines() if line.strip()), 0))
    return _joined(blocks)


def _inline(token) -> str:
    words, superscript = [], 0
    for child in token.children or ():
        if child.type == "html_inline":  # <sup>1</sup>: a footnote mark, not words of the sentence
            tag = child.content.strip().lower()
            superscript += tag.startswith("<sup") - tag.startswith("</sup")
        elif superscript > 0:
            continue
        elif child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "image":
            words.append(child.content)
    return " ".join("".join(words).split())


def _as_sentence(text: str) -> str:
    return text if not text or SENTENCE_END.search(text) else text + "."


RULE = re.compile(r":?-{3,}:?")


def _table_text(rows: list[list[str]]) -> str:
    """A sentence per row: its first cell, then each other cell after its column's header (``Pet deposit —
    Amount: 300 dollars; Due: at signing.``); empty cells are left out, and so is a row of rules (``|---|---|``
    again further down, as trafilatura writes after a row it takes for a header). A table of one row is its
    cells."""
    rows = [row for row in rows if any(row) and not all(RULE.fullmatch(cell) for cell in row if cell)]
    if len(rows) < 2:
        return _as_sentence("; ".join(cell for row in rows for cell in row if cell))
    header, sentences = rows[0], []
    for row in rows[1:]:
        rest = [f"{header[i]}: {cell}" if i < len(header) and header[i] else cell
                for i, cell in enumerate(row) if i and cell]
        first = row[0] if row and row[0] else ""
        sentence = f"{first} — {'; '.join(rest)}" if first and rest else first or "; ".join(rest)
        sentences.append(_as_sentence(sentence))
    return " ".join(sentences)


def _joined(blocks: list[tuple[str, int]]) -> tuple[str, tuple[Section, ...]]:
    """Blocks as paragraphs separated by blank lines; each heading opens a section."""
    text, sections, open_sections = "", [], []  # open_sections: (level, title, start) under which text now goes
    for block, level in blocks:
        if not block:
            continue
        if text:
            text += "\n\n"
        if level:
            while open_sections and open_sections[-1][0] >= level:
                closed = open_sections.pop()
                sections.append(Section(_path(open_sections, closed[1]), closed[2], len(text.rstrip())))
            open_sections.append((level, block, len(text)))
        text += block
    while open_sections:
        closed = open_sections.pop()
        sections.append(Section(_path(open_sections, closed[1]), closed[2], len(text)))
    return text, tuple(sorted(sections, key=lambda s: (s.start, -s.end)))


def _path(parents: list[tuple[int, str, int]], title: str) -> str:
    return " › ".join([*(parent[1] for parent in parents), title])


# -- HTML -----------------------------------------------------------------------------------------------------------


def _html(name: str, data: bytes) -> Extracted:
    import trafilatura

    html = _prepared_for_markdown(data.decode("utf-8", errors="replace"))
    main = trafilatura.extract(html, output_format="markdown", include_tables=True, include_formatting=True,
                               include_comments=False, include_links=False, include_images=False)
    if not main or not main.strip():
        raise DocumentError(f"{name!r} has no main text that could be found (is it a page of links or a script?).")
    text, sections = markdown_text(_headings_restored(main))
    metadata = trafilatura.extract_metadata(html)
    title = _unmarked(metadata.title if metadata and metadata.title else "") or (sections[0].title if sections else "")
    url = metadata.url if metadata and metadata.url else ""
    return Extracted(text, title or _first_line(text), "html", url=url, sections=sections)


HEADING_CHROME = frozenset({"edit", "edit source", "¶", "#", "§", "link", "permalink", "anchor", "🔗"})


HEADING_MARK = "qaheadingmark"  # "qaheadingmark2 Key terms": an h2 kept through trafilatura as a paragraph
MARKED_HEADING = re.compile(rf"^[ \t]*{HEADING_MARK}([1-6]) (.*)$", re.MULTILINE)
# A backslash before the punctuation trafilatura leaves unescaped would read as a Markdown escape and vanish
# ("the '\' character" read "the '' character"); trafilatura escapes the rest (* _ ` ~ [ ] <) itself.
BARE_BACKSLASH = re.compile(r"\\(?=[!\"#$%&'()+,\-./:;=>?@^{|}])")
LITERAL_TAGS = frozenset({"code", "pre", "kbd", "samp", "tt", "script", "style"})  # Markdown keeps their text as is


def _prepared_for_markdown(html: str) -> str:
    """The page with each heading a paragraph that says its level ("qaheadingmark2 Key terms"), without the links
    headings carry for the page's own machinery: an "[edit]" link to the editor, a permalink mark to the heading
    itself. The heading's words stay. Backslashes in its prose are escaped for the Markdown it becomes."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for element in tree.iter(tag=etree.Element):
        if element.text and "\\" in element.text and not _literal(element):
            element.text = BARE_BACKSLASH.sub(r"\\\\", element.text)
        parent = element.getparent()
        if element.tail and "\\" in element.tail and parent is not None and not _literal(parent):
            element.tail = BARE_BACKSLASH.sub(r"\\\\", element.tail)
    for heading in list(tree.iter("h1", "h2", "h3", "h4", "h5", "h6")):
        for link in list(heading.iter("a", "span")):
            words = " ".join(link.text_content().split()).strip("[]()| ").lower()
            href = link.get("href", "") if link.tag == "a" else ""
            if words in HEADING_CHROME or "action=edit" in href or (link.tag == "a" and href.startswith("#")
                                                                       and words in ("", *HEADING_CHROME)):
                _drop_keeping_tail(link)
        words = " ".join(heading.text_content().split())
        if words:
            level, tail = heading.tag[1], heading.tail
            heading.clear()  # its children and attributes, and its tail, which stays
            heading.tag, heading.text, heading.tail = "p", f"{HEADING_MARK}{level} {words}", tail
    for listing in tree.xpath("//td//*[self::ul or self::ol][not(ancestor::ul or ancestor::ol)]"
                              " | //th//*[self::ul or self::ol][not(ancestor::ul or ancestor::ol)]"):
        _list_in_a_cell_as_words(listing)
    return lxml_html.tostring(tree, encoding="unicode")


def _list_in_a_cell_as_words(listing) -> None:
    """A list inside a table cell (an infobox's "Divisions": two names) as its items joined by commas, or as
    sentences when they are: a Markdown table cell cannot hold a list, and trafilatura drops it."""
    from lxml import html as lxml_html

    items = [words for item in listing.iterchildren("li") if (words := " ".join(item.text_content().split()))]
    sentences = any(SENTENCE_END.search(item) for item in items)  # then each a sentence, as other lists are
    words = lxml_html.Element("span")
    words.text = " ".join(map(_as_sentence, items)) if sentences else ", ".join(items)
    words.tail = listing.tail
    listing.getparent().replace(listing, words)


def _literal(element) -> bool:
    """Whether ``element``'s text is code (or script), where a backslash is not an escape."""
    return element.tag in LITERAL_TAGS or any(parent.tag in LITERAL_TAGS for parent in element.iterancestors())


def _headings_restored(markdown: str) -> str:
    """trafilatura's Markdown with the marked paragraphs as headings again; a mark left inside a line goes."""
    return _unmarked(MARKED_HEADING.sub(lambda m: f"{'#' * int(m[1])} {m[2]}", markdown))


def _unmarked(text: str) -> str:
    return re.sub(rf"{HEADING_MARK}[1-6] ?", "", text)


def _drop_keeping_tail(element) -> None:
    """Remove ``element`` and what it holds, keeping the text after it; brackets left around it go too."""
    parent = element.getparent()
    if parent is None:
        return
    tail = (element.tail or "").lstrip("]) |")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip("[( |") + tail
    else:
        parent.text = (parent.text or "").rstrip("[( |") + tail
    parent.remove(element)


# -- PDF ------------------------------------------------------------------------------------------------------------


def _pdf(name: str, data: bytes, max_pages: int) -> Extracted:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file is reported once, as a DocumentError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens many "protected" PDFs
            raise DocumentError(f"{name!r} is an encrypted PDF; save an unprotected copy and add that.")
        if len(reader.pages) > max_pages:
            raise DocumentError(f"{name!r} has {len(reader.pages):,} pages; the limit is {max_pages:,}. Split it "
                                "into smaller documents.")
        lines = [_page_lines(page) for page in reader.pages]
        running = _running_lines(lines)
        texts = [_reflowed("\n".join(_without_running(page, running))) for page in lines]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError(f"{name!r} is an encrypted PDF; save an unprotected copy and add that.") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError,
            NotImplementedError, ZeroDivisionError):
        raise DocumentError(f"{name!r} is a damaged or truncated PDF that cannot be read.") from None
    if not any(t.strip() for t in texts):
        raise DocumentError(f"{name!r} has no text layer (a scanned PDF?); run OCR on it first.")
    text, pages = "", []
    for number, page in enumerate(texts, start=1):
        if not page.strip():
            continue
        if text:
            text += "\n\n"
        pages.append(Page(number, len(text), len(text) + len(page)))
        text += page
    return Extracted(text, title or _first_line(text), "pdf", pages=tuple(pages))


EDGE_LINES = 2  # lines at the top and at the bottom of a page where running headers and footers are looked for
PRIVATE_BULLET = re.compile(r"^(\s*)[\ue000-\uf8ff](?=\s|$)")
MARK_SIZE = 0.85  # a footnote mark is set at most this share of its line's text size, and not below the line
# (a raise by text rise is not in the text matrix pypdf reports, so a raise is not required)


def _page_lines(page) -> list[str]:
    """A page's lines as pypdf reads them, footnote marks kept apart from the word before them (a space)."""
    fragments: list[tuple[str, float, float]] = []  # text, baseline, size

    def seen(text, cm, tm, font, size) -> None:
        scale = abs(tm[3] * cm[3]) or 1.0
        fragments.append((text, tm[5] * cm[3] + cm[5], (size or 0.0) * scale))

    page.extract_text(visitor_text=seen)
    lines, line = [], []
    for text, baseline, size in fragments:
        pieces = text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                lines.append(line)
                line = []
            if piece:
                line.append((piece, baseline, size))
    lines.append(line)
    return [bulleted(_with_marks_apart(line)) for line in lines]


def bulleted(line: str) -> str:
    """A line opening with a private-use character (a Symbol or Wingdings font's bullet, such as U+F0B7, which no
    other font shows) opens with "•" instead."""
    return PRIVATE_BULLET.sub(r"\1•", line)


def _with_marks_apart(line: list[tuple[str, float, float]]) -> str:
    """The line's text; a run of digits set smaller than the line's text, not below it, that follows a word is a
    footnote mark: a space goes before it."""
    sized = [(size, len(text)) for text, _, size in line if text.strip() and size > 0]
    if not sized:
        return "".join(text for text, _, _ in line)
    body = max(sized, key=lambda pair: pair[1])[0]
    baseline = next(base for text, base, size in line if size == body and text.strip())
    out = ""
    for text, base, size in line:
        mark = (text.strip().isdigit() and len(text.strip()) <= 3 and size <= MARK_SIZE * body
                and base >= baseline - 0.05 * body)
        if mark and out and not out[-1].isspace():
            out += " "
        out += text
    return out


def _shape(line: str) -> str:
    """A line with its numbers (page numbers, roman ones too) made alike: what repeats from page to page."""
    line = re.sub(r"\d+", "#", " ".join(line.split()).lower())
    return re.sub(r"\b[ivxlcdm]+\b(?=\s*$)|^[ivxlcdm]+\b", "#", line)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """The shapes of lines found at the top or bottom of at least half the pages (three at least)."""
    from collections import Counter

    seen = Counter()
    for lines in pages:
        kept = [line for line in lines if line.strip()]
        seen.update({_shape(line) for line in kept[:EDGE_LINES] + kept[-EDGE_LINES:]})
    needed = max(3, (len(pages) + 1) // 2)
    return {shape for shape, count in seen.items() if count >= needed and shape.strip()}


def _without_running(lines: list[str], running: set[str]) -> list[str]:
    """A page's lines without the running ones at its top and bottom; a page of nothing else keeps them (a header
    runs above a page's own text: a page that is only such lines has no text of its own to run above)."""
    kept = [line for line in lines if line.strip()]
    top = 0
    while top < min(EDGE_LINES, len(kept)) and _shape(kept[top]) in running:
        top += 1
    bottom = len(kept)
    while bottom > top and len(kept) - bottom < EDGE_LINES and _shape(kept[bottom - 1]) in running:
        bottom -= 1
    return kept[top:bottom] if top < bottom else kept


def _reflowed(page: str) -> str:
    """A page's lines joined into paragraphs: a line as wide as the page's text runs on into the next (a hyphen
    at its end joins the word); a shorter one (a paragraph's last line, a heading) ends its paragraph."""
    lines = [" ".join(line.split()) for line in page.splitlines()]
    width = max(map(len, lines), default=0)
    paragraphs, current = [], ""
    for line in lines:
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        elif line:
            current = f"{current} {line}" if current else line
        if current and (not line or len(line) < 0.7 * width):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


# -- Word -----------------------------------------------------------------------------------------------------------


def _docx(name: str, data: bytes) -> Extracted:
    from docx import Document as WordDocument
    from docx.table import Table

    _check_zip(name, data)
    try:
        word = WordDocument(io.BytesIO(data))
        blocks: list[tuple[str, int]] = []
        for part in word.element.body.iterchildren():
            if not isinstance(part.tag, str):  # an XML comment or processing instruction in the body
                continue
            tag = part.tag.rsplit("}", 1)[-1]
            if tag == "p":
                from docx.text.paragraph import Paragraph

                paragraph = Paragraph(part, word)
                text = _shown_text(part)
                blocks.append((text, _heading_level(paragraph.style.name if paragraph.style is not None else "")))
            elif tag == "tbl":
                table = Table(part, word)
                rows = [[" ".join(_shown_text(p) for p in cell._tc.iter(WORD + "p")) for cell in _unique_cells(row)]
                        for row in table.rows]
                blocks.append((_table_text(rows), 0))
        title = (word.core_properties.title or "").strip()
    except DocumentError:
        raise
    except Exception:  # python-docx raises many kinds on a damaged package (KeyError, ValueError, lxml errors)
        raise DocumentError(f"{name!r} is a damaged Word document that cannot be read.") from None
    text, sections = _joined(blocks)
    return Extracted(text, title or (sections[0].title.split(" › ")[0] if sections else _first_line(text)), "docx",
                     sections=sections)


WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _shown_text(paragraph) -> str:
    """The text a paragraph element shows: its runs' text, tabs and breaks as spaces, runs inserted by tracked
    changes included; deleted runs, field codes and comment marks left out."""
    words = []
    for element in paragraph.iter(WORD + "t", WORD + "tab", WORD + "br", WORD + "cr"):
        if any(ancestor.tag in (WORD + "del", WORD + "moveFrom") for ancestor in element.iterancestors()):
            continue
        words.append(element.text or "" if element.tag == WORD + "t" else " ")
    return " ".join("".join(words).split())


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) + 1 if match else 0  # "Heading 1" sits under the title


def _unique_cells(row):
    """A row's cells, a merged cell once."""
    seen, cells = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def _check_zip(name: str, data: bytes) -> None:
    """Refuse a damaged package or a zip bomb before anything unpacks it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocumentError(f"{name!r} is not a Word document (.docx is a zip package; this one is damaged).") from None
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNZIPPED_BYTES or unpacked / packed > MAX_ZIP_RATIO:
        raise DocumentError(f"{name!r} would unpack to {unpacked / 1e6:.0f} MB from {len(data) / 1e3:.0f} kB: "
                            "refused as a zip bomb.")

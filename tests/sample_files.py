"""Small documents of every supported format, built in the tests themselves (nothing downloaded), each with the
traps real files set: a multi-page PDF (fpdf2) with a running header, a footer with page numbers and a footnote
mark; a news page with navigation, ads, a script, a footer and "[edit]" links in its headings; a Word document
(python-docx) with a heading, a table, a comment, tracked changes, a field and an XML comment in its body; and a
Markdown file with front matter, headings, a table, code and links."""

from __future__ import annotations

import io

PDF_HEADER = "Harbour Authority | Annual Report 2025"
PDF_FOOTNOTE = "1 Figures audited by the Port Statistics Office."
PDF_PAGES = [
    "Harbour Authority Annual Report 2025\n"
    "The harbour handled 4.2 million tonnes of cargo in 2025^1, a record for the port. "
    "Container traffic grew by nine percent over the year before.",
    "Finances\n"
    "The authority's revenue reached 18 million euros. Most of it came from berthing fees paid by cruise ships. "
    "The board approved a new dredging contract with Nordic Marine Works.",
    "Outlook\n"
    "A second quay is planned to open in the spring of 2027. The chief executive, Ingrid Solberg, expects "
    "cargo volumes to rise again next year.",
]

NEWS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bridge reopens after repairs | The Valley Courier</title>
<link rel="canonical" href="https://courier.example.org/2026/05/bridge-reopens">
<script>window.tracker = function () { document.title = "HACKED"; }; tracker();</script></head>
<body>
<nav class="menu"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a> | <a href="/weather">Weather</a></nav>
<aside class="advert">Advertisement: Cheap flights to Lisbon! Book today and save 40 percent.</aside>
<article>
<h1>Bridge reopens after repairs<a class="headerlink" href="#top" title="Permalink">¶</a></h1>
<p class="byline">By Tom Hale, May 4, 2026</p>
<p>The Old Mill Bridge over the Tarn River reopened to traffic on Monday after eight months of repairs.
Engineers replaced the steel cables and resurfaced the deck at a cost of 3.5 million pounds.</p>
<h2><span class="mw-headline" id="traffic">Traffic returns</span><span class="mw-editsection"><span
class="mw-editsection-bracket">[</span><a href="/w/index.php?title=Bridge&amp;action=edit&amp;section=1"
title="Edit section: Traffic returns">edit</a><span class="mw-editsection-bracket">]</span></span></h2>
<p>About 12,000 vehicles are expected to cross the bridge every day. The council said that buses would use
the bridge again from Wednesday.</p>
<script>alert("this must never run"); document.write("INJECTED TEXT");</script>
<p>The mayor, Alice Moreau, thanked residents for their patience during the long closure.</p>
</article>
<footer>Copyright 2026 The Valley Courier. All rights reserved. Privacy policy. Contact us.</footer>
</body></html>
"""

MARKDOWN = """---
title: Riverside Garden Club Handbook
last_review_date: "2025-09-12"
tags: [garden, club]
---

# Garden Club Handbook

Welcome to the **Riverside Garden Club**. See [our website](https://garden.example.com) for news.

## Meetings

Members meet on the first Tuesday of every month in the community hall.

- Bring your own gloves
- Tea is served at 7 pm
- Visitors pay a fee of `5 euros`<sup>[1](#1)</sup>

## Plots

| Plot size | Yearly rent |
|---|---|
| Small | 40 euros |
| Large | 75 euros |

## Watering

Run the sprinkler with `water --zone north`:

```bash
water --zone north --minutes 20
```

The water tank holds 2,000 litres.
"""


def pdf_bytes(pages: list[str] = PDF_PAGES) -> bytes:
    """A PDF with one page per string (its first line a heading), with a text layer, a running header, a footer
    "Page N of M" and, where a page says ``^1``, a raised footnote mark with its footnote at the page's foot."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)  # the footer sits inside the bottom margin
    pdf.set_title(pages[0].splitlines()[0])
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 6, PDF_HEADER, new_x="LMARGIN", new_y="NEXT")
        heading, _, body = page.partition("\n")
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        before, marked, after = body.partition("^1")
        pdf.write(6, before)
        if marked:
            pdf.char_vpos = "SUP"
            pdf.write(6, "1")
            pdf.char_vpos = "LINE"
        pdf.write(6, after)
        if marked:
            pdf.set_y(-30)
            pdf.set_font("Helvetica", size=8)
            pdf.cell(0, 5, PDF_FOOTNOTE, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 5, f"Page {number} of {len(pages)}", align="C")
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF page with a drawing and no text layer, as a scan without OCR."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def encrypted_pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "A confidential memo about the budget.")
    return bytes(pdf.output())


def docx_bytes() -> bytes:
    """A Word document with a title, a heading, paragraphs and a table; a comment on a run, a tracked insertion
    and deletion, a page-number field, and an XML comment in its body, as real documents carry them."""
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from lxml import etree

    document = Document()
    document.add_heading("Lease Agreement", level=0)
    intro = document.add_paragraph("This lease is made between Oakwood Properties and ")
    document.add_comment(intro.add_run("Daniel Reyes"), text="Check the spelling of the tenant's name.",
                         author="Editor")
    intro.add_run(".")
    document.add_heading("Rent", level=1)
    rent = document.add_paragraph("The monthly rent is ")
    rent._p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="Editor" w:date="2026-01-01T00:00:00Z">'
                             "<w:r><w:delText>1,100 dollars</w:delText></w:r></w:del>"))
    rent._p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="Editor" w:date="2026-01-01T00:00:00Z">'
                             "<w:r><w:t>1,250 dollars</w:t></w:r></w:ins>"))
    rent.add_run(", due on the fifth day of each month.")
    footer = document.add_paragraph("Page ")
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    document.element.body.insert(0, etree.Comment(" generated by a contract system "))
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Item", "Deposit"), ("Security deposit", "2,500 dollars"),
                                       ("Pet deposit", "300 dollars")], strict=True):
        row.cells[0].text, row.cells[1].text = cells
    document.add_heading("Term", level=1)
    document.add_paragraph("The lease runs for twelve months from March 1, 2026.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_bytes() -> bytes:
    """A .docx-shaped zip whose one part unpacks to 300 MB of zeros."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                part.write(block)
    return out.getvalue()

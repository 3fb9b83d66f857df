"""Small documents of every supported format, built in the tests themselves (nothing downloaded): a multi-page
PDF (fpdf2), a news page with navigation, ads, a script and a footer, a Word document with a heading and a table
(python-docx), and a Markdown file with headings, a table, code and links."""

from __future__ import annotations

import io

PDF_PAGES = [
    "Harbour Authority Annual Report 2025\n"
    "The harbour handled 4.2 million tonnes of cargo in 2025, a record for the port. "
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
<h1>Bridge reopens after repairs</h1>
<p class="byline">By Tom Hale, May 4, 2026</p>
<p>The Old Mill Bridge over the Tarn River reopened to traffic on Monday after eight months of repairs.
Engineers replaced the steel cables and resurfaced the deck at a cost of 3.5 million pounds.</p>
<h2>Traffic returns</h2>
<p>About 12,000 vehicles are expected to cross the bridge every day. The council said that buses would use
the bridge again from Wednesday.</p>
<script>alert("this must never run"); document.write("INJECTED TEXT");</script>
<p>The mayor, Alice Moreau, thanked residents for their patience during the long closure.</p>
</article>
<footer>Copyright 2026 The Valley Courier. All rights reserved. Privacy policy. Contact us.</footer>
</body></html>
"""

MARKDOWN = """# Garden Club Handbook

Welcome to the **Riverside Garden Club**. See [our website](https://garden.example.com) for news.

## Meetings

Members meet on the first Tuesday of every month in the community hall.

- Bring your own gloves
- Tea is served at 7 pm
- Visitors pay a fee of `5 euros`

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
    """A PDF with one page per string (its first line a heading), with a text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(pages[0].splitlines()[0])
    for page in pages:
        pdf.add_page()
        heading, _, body = page.partition("\n")
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body)
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
    """A Word document with a title, a heading, paragraphs and a table."""
    from docx import Document

    document = Document()
    document.add_heading("Lease Agreement", level=0)
    document.add_paragraph("This lease is made between Oakwood Properties and Daniel Reyes.")
    document.add_heading("Rent", level=1)
    document.add_paragraph("The monthly rent is 1,250 dollars, due on the fifth day of each month.")
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

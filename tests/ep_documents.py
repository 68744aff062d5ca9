"""DOCX and PDF texts adopted made in the tests (python-docx, fpdf2): no binary fixture is committed blind."""

from __future__ import annotations

import io

import docx
from fpdf import FPDF

TITLE = (
    "European Parliament resolution of 11 February 2021 on the human rights situation in Kazakhstan (2021/2544(RSP))"
)
CITATIONS = (
    "having regard to its previous resolutions on Kazakhstan,",
    "having regard to the Enhanced Partnership and Cooperation Agreement between the Union and Kazakhstan,",
)
RECITALS = ("whereas peaceful demonstrators were detained before and after the elections;",)
PARAGRAPHS = (
    "Calls on the authorities to release all persons detained for exercising their freedom of assembly;",
    "Instructs its President to forward this resolution to the Council and the Commission.",
)


def make_docx(*, table_citations: bool = False) -> bytes:
    """A DOCX laid out as the EP's Word files: title, opening, citations, recitals, paragraphs."""
    document = docx.Document()
    document.add_paragraph("P9_TA(2021)0056")
    document.add_paragraph("Human rights situation in Kazakhstan")
    document.add_paragraph(TITLE)
    document.add_paragraph("The European Parliament,")
    if table_citations:
        table = document.add_table(rows=len(CITATIONS), cols=2)
        for row, text in zip(table.rows, CITATIONS, strict=True):
            row.cells[0].text = "\u2014"
            row.cells[1].text = text
    else:
        for text in CITATIONS:
            document.add_paragraph(f"\u2013\t{text}")
    for letter, text in zip("AB", RECITALS, strict=False):
        document.add_paragraph(f"{letter}.\t{text}")
    for number, text in enumerate(PARAGRAPHS, start=1):
        document.add_paragraph(f"{number}.\t{text}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(paragraphs: int = 1_000_000) -> bytes:
    """A valid DOCX (title line, opening formula, a paragraph) whose body then holds ``paragraphs``
    empty paragraphs: about 50 bytes of XML each, compressed some 300 to 1 (issue 23's bomb)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_docx()))
    document = source.read("word/document.xml")
    cut = document.rindex(b"<w:sectPr")
    empty = b'<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr></w:p>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename == "word/document.xml":
                target.writestr(member.filename, document[:cut] + empty * paragraphs + document[cut:])
            else:
                target.writestr(member, source.read(member))
    return out.getvalue()


def make_pdf(*, width: float = 70.0) -> bytes:
    """A two-page PDF with a running header, a page counter and hard-wrapped, hyphenated lines."""
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"  # the en dash of the citations
    pdf.set_auto_page_break(False)
    pages = [
        [TITLE, "The European Parliament,", *(f"\u2013 {c}" for c in CITATIONS)],
        [*(f"{letter}. {t}" for letter, t in zip("AB", RECITALS, strict=False)),
         # A word broken by the wrap, as typeset PDFs do.
         "1. Calls on the authorities to release all persons de-\ntained for exercising their freedom of assembly;",
         f"2. {PARAGRAPHS[1]}"],
    ]
    for number, blocks in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, text="PE662.878v01-00 Texts adopted")
        pdf.ln(8)
        pdf.set_font("Helvetica", size=11)
        for block in blocks:
            for line in block.split("\n"):
                pdf.multi_cell(width, 5, text=line)
            pdf.ln(3)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, text=f"{number}/{len(pages)}")
    return bytes(pdf.output())

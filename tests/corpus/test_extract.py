"""PDF page furniture: what is dropped as a running header, footer or page number, and what stays text."""

from __future__ import annotations

from fpdf import FPDF

from bot.corpus.extract import _drop_page_furniture, pdf_text

HEADER = "Texts adopted - Situation in Belarus"


def _page(number: int) -> list[str]:
    """One page of an OJ-style PDF: markers on lines of their own, as the columns come out."""
    return [
        HEADER,
        "(a)",
        f"to release the detainees of group {number};",
        "–",
        "having regard to Article",
        "12",
        "of the Treaty on European Union,",
        "Calls on the Council to act;",
        "1.",
        f"{number}",
    ]


def _text(lines: list[str]) -> list[str]:
    return [line for line in lines if line]


def test_recurring_marker_lines_and_numbers_inside_the_text_stay() -> None:
    pages = ["\n".join(_page(n)) for n in range(1, 5)]
    lines, notes = _drop_page_furniture(pages)
    expected: list[str] = []
    for n in range(1, 5):
        expected += _page(n)[1:-1]  # less the running header and the page number
    assert _text(lines) == expected
    assert notes == ["dropped 8 page header, footer or page-number lines"]


def test_a_running_header_inside_a_page_is_text_and_furniture_around_the_page_number_is_dropped() -> None:
    def body(n: int) -> list[str]:
        return [f"{n}. Calls on body {n} to act;", f"first line {n}", HEADER, f"second line {n}", f"third line {n}"]

    pages = ["\n".join(["PE662.878v01-00", HEADER, *body(n), f"- {n} -", "EN United in diversity EN"])
             for n in range(1, 4)]
    lines, notes = _drop_page_furniture(pages)
    # The header quoted in the middle of a page is the page's text: only the top one goes.
    assert _text(lines) == [*body(1), *body(2), *body(3)]
    assert notes == ["dropped 12 page header, footer or page-number lines"]


def test_a_pdf_keeps_its_marker_lines_and_article_numbers() -> None:
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    for number in range(1, 5):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in _page(number):
            pdf.cell(0, 6, text=line)
            pdf.ln(8)
    extracted = pdf_text(bytes(pdf.output()))
    text = _text(list(extracted.lines))
    assert text.count("(a)") == 4 and text.count("1.") == 4 and text.count("\u2013") == 4
    assert text.count("12") == 4 and HEADER not in text
    assert [line for line in text if line.isdigit() and line != "12"] == []

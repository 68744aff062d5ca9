"""A first-reading legislative resolution as its PDF is published: the resolution, then the Parliament's position.

No real PDF of a text adopted could be found in a public repository (see tests/real/README.md),
so the PDF is made here, laid out as issue 18 reports pypdf's text of the EP's PDF of
2021/0106(COD): justified lines with runs of spaces, a title over two lines ending
"– 2021/0106(COD))" and followed by "(Ordinary legislative procedure: first reading)",
footnote calls glued to their words ("the Committee1,"), footnotes at the foot of the page,
a running header and page numbers, "A9-" broken from "0188/2023", and the position
("P9_TC1-COD(2021)0106 Position of the European Parliament …") with the act's citations,
recitals "(1)" and articles.
"""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF

from bot.corpus.importer import prepare_bytes
from bot.corpus.models import Passage

PUBLIC = "https://www.europarl.europa.eu/"
PAGES = [
    [
        "P9_TA(2024)0138",
        "Artificial Intelligence Act",
        "European  Parliament  legislative  resolution  of  13  March  2024  on  the  proposal  for  a",
        "regulation of the European Parliament and of the Council on laying down harmonised rules",
        "on Artificial Intelligence (COM(2021)0206 \u2013 C9-0146/2021 \u2013 2021/0106(COD))",
        "(Ordinary legislative procedure: first reading)",
        "The European Parliament,",
        "\u2013  having  regard  to  the  Commission  proposal  to  Parliament  and  the  Council",
        "(COM(2021)0206),",
        "\u2013  having regard to the opinion of the European Economic and Social Committee1,",
        "\u2013  having regard to the opinion of the Committee of the Regions of 2 December 20212,",
        "\u2013  having regard to the report of the Committee on the Internal Market (A9-",
        "0188/2023),",
        "",
        "1 OJ C 517, 22.12.2021, p. 56.",
        "2 OJ C 97, 28.2.2022, p. 60.",
    ],
    [
        "1.  Adopts  its  position  at  first  reading  hereinafter  set  out;",
        "2.  Calls on the Commission to refer the matter to Parliament again if it replaces, sub-",
        "stantially amends or intends to substantially amend its proposal;",
        "3.  Instructs its President to forward its position to the Council, the Commission and the",
        "national parliaments.",
        "P9_TC1-COD(2021)0106",
        "Position of the European Parliament adopted at first reading on 13 March 2024 with a",
        "view to the adoption of Regulation (EU) 2024/\u2026 of the European Parliament and of the",
        "Council laying down harmonised rules on artificial intelligence",
        "(Text with EEA relevance)",
        "THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,",
        "Having regard to the Treaty on the Functioning of the European Union, and in particular",
        "Articles 16 and 114 thereof,",
        "After transmission of the draft legislative act to the national parliaments,",
        "Whereas:",
        "(1)  The purpose of this Regulation is to improve the functioning of the internal market",
        "by laying down a uniform legal framework for the development of artificial intelligence.",
        "(2)  This Regulation should be applied in accordance with the values of the Union.",
    ],
    [
        "HAVE ADOPTED THIS REGULATION:",
        "CHAPTER I",
        "GENERAL PROVISIONS",
        "Article 1",
        "Subject matter",
        "1.  The purpose of this Regulation is to improve the functioning of the internal market.",
        "2.  This Regulation lays down:",
        "(a)  harmonised rules for the placing on the market of AI systems in the Union;",
        "(b)  prohibitions of certain AI practices;",
        "Article 2",
        "Scope",
        "This Regulation applies to providers placing on the market AI systems in the Union.",
    ],
]


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    for number, lines in enumerate(PAGES, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, text="PE758.862v01-00 Texts adopted")
        pdf.ln(8)
        pdf.set_font("Helvetica", size=10)
        for line in lines:
            pdf.cell(0, 5, text=line)
            pdf.ln(5)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, text=str(number))
    return bytes(pdf.output())


def _by_label(passages: tuple[Passage, ...]) -> dict[str, str]:
    return {p.position.describe(): p.text for p in passages}


def test_the_resolution_and_its_metadata_come_out_whole() -> None:
    prepared = prepare_bytes("TA-9-2024-0138_EN.pdf", _pdf(), base_url=PUBLIC)
    meta = prepared.document.meta
    assert meta.reference == "2021/0106(COD)"
    assert meta.adopted == dt.date(2024, 3, 13)
    assert meta.title is not None and meta.title.startswith("European Parliament legislative resolution of 13 March")
    assert "(Ordinary legislative procedure" not in meta.title
    assert prepared.text_id == "TA-9-2024-0138"
    units = _by_label(prepared.document.passages)
    assert units["citation 1"] == (
        "having regard to the Commission proposal to Parliament and the Council (COM(2021)0206),"
    )
    assert units["citation 2"] == "having regard to the opinion of the European Economic and Social Committee[1],"
    assert units["citation 3"].endswith("of 2 December 2021[2],")
    assert units["citation 4"] == "having regard to the report of the Committee on the Internal Market (A9-0188/2023),"
    assert units["paragraph 1"] == "Adopts its position at first reading hereinafter set out;"
    assert units["paragraph 2"].startswith("Calls on the Commission to refer the matter to Parliament again if it "
                                           "replaces, substantially amends")
    assert [label for label in units if not label.startswith("position")] == [
        "citation 1", "citation 2", "citation 3", "citation 4", "paragraph 1", "paragraph 2", "paragraph 3",
    ]


def test_no_footnote_and_no_furniture_is_in_a_passage() -> None:
    prepared = prepare_bytes("TA-9-2024-0138_EN.pdf", _pdf(), base_url=PUBLIC)
    for passage in prepared.document.passages:
        assert "OJ C" not in passage.text and "PE758" not in passage.text and "  " not in passage.text
    assert any("footnote call" in note for note in prepared.notes)


def test_the_position_is_its_own_part_cited_by_the_acts_numbering() -> None:
    prepared = prepare_bytes("TA-9-2024-0138_EN.pdf", _pdf(), base_url=PUBLIC)
    units = _by_label(prepared.document.passages)
    position = {label: text for label, text in units.items() if label.startswith("position")}
    assert list(position) == [
        "position, citation 1", "position, citation 2", "position, recital 1", "position, recital 2",
        "position, article 1(1)", "position, article 1(2)", "position, article 1(2), point (a)",
        "position, article 1(2), point (b)", "position, article 2",
    ]
    assert position["position, recital 1"].endswith("for the development of artificial intelligence.")
    assert position["position, article 1(2), point (b)"] == "prohibitions of certain AI practices;"
    lead = {p.position.describe(): p.lead for p in prepared.document.passages}
    assert lead["position, article 1(2), point (a)"] == "This Regulation lays down:"
    assert prepared.preview.units == (("citation", 4), ("paragraph", 3), ("position", 9))


def test_check_corpus_reports_every_line_the_position_leaves_out() -> None:
    from bot.corpus.load import inspect_document

    prepared = prepare_bytes("TA-9-2024-0138_EN.pdf", _pdf(), base_url=PUBLIC)
    _, _, reading = inspect_document(prepared.file_name, prepared.data)
    left = {(item.text, item.reason) for item in reading.left_out}
    assert ("P9_TC1-COD(2021)0106", "position heading") in left
    assert ("Whereas:", "heading") in left
    assert ("HAVE ADOPTED THIS REGULATION:", "heading") in left
    assert ("Article 1", "heading") in left and ("Subject matter", "heading") in left
    assert ("(Ordinary legislative procedure: first reading)", "before the title line") in left

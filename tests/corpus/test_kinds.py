"""Every kind of text adopted a year's listing holds: imported with the Parliament's units, or refused naming it.

The pages are written here on the EP's formulas (no real doceo page of each kind could be
found in a public repository; see tests/real/README.md). Each kind's real text numbers, from
the OEIL procedure files in tests/real, are named beside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.corpus.importer import prepare_bytes
from bot.corpus.models import Kind

PUBLIC = "https://www.europarl.europa.eu/"


def _page(*blocks: str | tuple[str, str]) -> bytes:
    """An HTML page: a string is a paragraph, a pair a row of a two-column table."""
    html: list[str] = []
    rows: list[tuple[str, str]] = []
    for block in [*blocks, ""]:
        if isinstance(block, tuple):
            rows.append(block)
            continue
        if rows:
            html.append("<table>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows) + "</table>")
            rows = []
        if block:
            html.append(f"<p>{block}</p>")
    return ("<html><body>" + "".join(html) + "</body></html>").encode()


KINDS = {
    # TA-9-2021-0054 (2021/2540(RSP)), TA-9-2023-0193 (2022/2201(INI)).
    "resolution": (
        _page("European Parliament resolution of 11 February 2021 on the situation in Myanmar (2021/2540(RSP))",
              "The European Parliament,", "\u2013 having regard to its previous resolutions on Myanmar,",
              "A. whereas on 1 February 2021 the military seized power;",
              "1. Strongly condemns the military takeover;", "2. Calls on the Council:",
              "(a) to extend targeted sanctions;", "3. Instructs its President to forward this resolution."),
        "2021/2540(RSP)", ["citation 1", "recital A", "paragraph 1", "paragraph 2", "paragraph 2, point (a)",
                           "paragraph 3"],
    ),
    "recommendation": (
        _page("European Parliament recommendation of 8 June 2022 to the Council and the Vice-President of the "
              "Commission concerning the EU's foreign, security and defence policy after the Russian war of "
              "aggression against Ukraine (2022/2039(INI))",
              "The European Parliament,", "\u2013 having regard to the Treaty on European Union,",
              "A. whereas the war has changed the security of Europe;",
              "1. Recommends to the Council and the Vice-President of the Commission:",
              "(a) to strengthen the common security and defence policy;", "2. Instructs its President to forward "
              "this recommendation to the Council."),
        "2022/2039(INI)", ["citation 1", "recital A", "paragraph 1", "paragraph 1, point (a)", "paragraph 2"],
    ),
    # TA-9-2023-0126 (2022/0377(NLE)), TA-10-2025-0333 (2025/0229(NLE)).
    "consent": (
        _page("European Parliament legislative resolution of 9 May 2023 on the draft Council decision on the "
              "conclusion of the Agreement between the European Union and Brazil (15347/2022 \u2013 C9-0012/2023 "
              "\u2013 2022/0377(NLE))", "(Consent)", "The European Parliament,",
              "\u2013 having regard to the draft Council decision (15347/2022),",
              "1. Gives its consent to the conclusion of the agreement;",
              "2. Instructs its President to forward its position to the Council and the Commission."),
        "2022/0377(NLE)", ["citation 1", "paragraph 1", "paragraph 2"],
    ),
    # TA-10-2025-0022 (2024/0258(COD)).
    "legislative, amendments": (
        _page("European Parliament legislative resolution of 11 March 2025 on the proposal for a regulation "
              "establishing the Reform and Growth Facility for Moldova (COM(2024)0469 \u2013 C10-0115/2024 "
              "\u2013 2024/0258(COD))", "(Ordinary legislative procedure: first reading)",
              "The European Parliament,", "\u2013 having regard to the Commission proposal (COM(2024)0469),",
              "1. Adopts its position at first reading, taking over the Commission proposal as amended;",
              "2. Instructs its President to forward its position to the Council.",
              "Amendment 1", "Proposal for a regulation", "Recital 3",
              ("Text proposed by the Commission", "Amendment"),
              ("(3) The Union supports Moldova.", "(3) The Union supports Moldova and its people."),
              "Amendment 2", "Proposal for a regulation", "Article 2 \u2013 paragraph 1",
              ("Text proposed by the Commission", "Amendment"), ("", "1a. The Facility shall be reviewed.")),
        "2024/0258(COD)", ["citation 1", "paragraph 1", "paragraph 2", "amendment 1", "amendment 2"],
    ),
    # TA-9-2024-0315 (2024/2006(REG)).
    "decision": (
        _page("European Parliament decision of 14 March 2023 on the request for waiver of the immunity of a "
              "Member (2022/2059(IMM))", "The European Parliament,",
              "\u2013 having regard to the request for waiver of immunity of 4 March 2022,",
              "A. whereas the request concerns proceedings for defamation;",
              "1. Decides to waive the immunity of the Member;",
              "2. Instructs its President to forward this decision to the competent authority."),
        "2022/2059(IMM)", ["citation 1", "recital A", "paragraph 1", "paragraph 2"],
    ),
    "budget": (
        _page("European Parliament resolution of 23 November 2022 on the joint text on the draft general budget "
              "of the European Union for the financial year 2023 (2022/0900(BUD))",
              "The European Parliament,", "\u2013 having regard to Article 314 of the Treaty on the Functioning of "
              "the European Union,", "1. Approves the joint text agreed by the Conciliation Committee;",
              "2. Instructs its President to declare that the budget has been finally adopted."),
        "2022/0900(BUD)", ["citation 1", "paragraph 1", "paragraph 2"],
    ),
    # 1998/0031R(NLE): a consent procedure with an interim report (issue 18).
    "consent, interim report reference": (
        _page("European Parliament legislative resolution of 11 February 2015 on the draft Council decision "
              "on the conclusion of the Agreement (12183/1/2011 \u2013 C8-0059/2015 \u2013 1998/0031R(NLE))",
              "The European Parliament,", "\u2013 having regard to the draft Council decision (12183/1/2011),",
              "1. Gives its consent to conclusion of the Agreement;", "2. Instructs its President to forward "
              "its position to the Council."),
        "1998/0031R(NLE)", ["citation 1", "paragraph 1", "paragraph 2"],
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_text_adopted_imports_with_its_units(kind: str) -> None:
    page, reference, labels = KINDS[kind]
    prepared = prepare_bytes("text.html", page, base_url=PUBLIC)
    assert prepared.document.meta.reference == reference
    assert isinstance(prepared.document.meta.adopted, dt.date)
    assert [p.position.describe() for p in prepared.document.passages] == labels


def test_an_amendment_quotes_the_commissions_text_and_the_amendment_as_written() -> None:
    page, _, _ = KINDS["legislative, amendments"]
    prepared = prepare_bytes("text.html", page, base_url=PUBLIC)
    amendments = {p.position.describe(): p.text for p in prepared.document.passages}
    assert amendments["amendment 1"] == (
        "Proposal for a regulation\nRecital 3\nText proposed by the Commission: (3) The Union supports Moldova.\n"
        "Amendment: (3) The Union supports Moldova and its people."
    )
    # An empty Commission cell (a new paragraph) gives nothing; the amendment's own text stands.
    assert amendments["amendment 2"].endswith("Article 2 \u2013 paragraph 1\nAmendment: 1a. The Facility shall be "
                                              "reviewed.")
    assert prepared.preview.units == (("citation", 1), ("paragraph", 2), ("amendment", 2))


def test_a_docx_amendment_table_reads_as_the_html_one(tmp_path: Path) -> None:
    import io

    import docx

    from bot.corpus.importer import prepare_file

    document = docx.Document()
    for text in ("European Parliament legislative resolution of 11 March 2025 on the proposal for a regulation "
                 "(COM(2024)0469 \u2013 C10-0115/2024 \u2013 2024/0258(COD))", "The European Parliament,",
                 "\u2013\thaving regard to the Commission proposal (COM(2024)0469),",
                 "1.\tAdopts its position at first reading;", "Amendment 1", "Proposal for a regulation",
                 "Recital 3"):
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Text proposed by the Commission", "Amendment"),
                                       ("(3) The Union supports Moldova.", "(3) The Union supports its people.")],
                          strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    path = tmp_path / "TA-10-2025-0022_EN.docx"
    path.write_bytes(out.getvalue())
    passages = prepare_file(path, base_url=PUBLIC).document.passages
    assert passages[-1].position.describe() == "amendment 1"
    assert passages[-1].text.endswith("Text proposed by the Commission: (3) The Union supports Moldova.\n"
                                      "Amendment: (3) The Union supports its people.")


# The shapes below are those of the Official Journal's pages of P9_TA(2024)0130,
# P9_TA(2021)0499 and P9_TA(2023)0069 (EUR-Lex), seen in copies that cannot be committed
# here (see tests/real/README.md): no-break spaces, a footnote call after the title,
# amendments adopted without a resolution, one amendment restating the whole act.
NBSP = "\u00a0"


def test_a_journal_legislative_resolution_with_its_position_note_and_annex() -> None:
    page = _page(
        "P9_TA(2024)0130", "Cyber Resilience Act",
        f"European Parliament legislative resolution of 12{NBSP}March 2024 on the proposal for a regulation on "
        f"horizontal cybersecurity requirements (COM(2022)0454 \u2013 C9-0308/2022 \u2013 2022/0272(COD)) (1)",
        "(Ordinary legislative procedure: first reading)", "(C/2025/1022)", "The European Parliament,",
        "\u2014 having regard to the Commission proposal to Parliament and the Council (COM(2022)0454),",
        f"\u2014 having regard to the opinion of the European Economic and Social Committee of 14{NBSP}December "
        "2022 (1),",
        "1. Adopts its position at first reading hereinafter set out;",
        "2. Instructs its President to forward its position to the Council.",
        f"(1){NBSP}{NBSP} OJ{NBSP}C{NBSP}100, 16.3.2023, p.{NBSP}101.",
        "P9_TC1-COD(2022)0272",
        f"Position of the European Parliament adopted at first reading on 12{NBSP}March 2024 with a view to the "
        "adoption of Regulation (EU) 2024/\u2026",
        "(As an agreement was reached between Parliament and Council, Parliament's position corresponds to the "
        "final legislative act, Regulation (EU) 2024/2847.)",
        "ANNEX TO THE LEGISLATIVE RESOLUTION",
        "Joint political statement by the European Parliament, the Council and the Commission on ENISA resources",
        "The European Parliament and the Council consider that this Regulation confers additional tasks on ENISA.",
        "ELI: http://data.europa.eu/eli/C/2025/1022/oj", "ISSN 1977-091X (electronic edition)",
    )
    prepared = prepare_bytes("oj.html", page, base_url=PUBLIC)
    meta = prepared.document.meta
    assert (meta.reference, meta.adopted) == ("2022/0272(COD)", dt.date(2024, 3, 12))
    assert meta.title == ("European Parliament legislative resolution of 12 March 2024 on the proposal for a "
                          "regulation on horizontal cybersecurity requirements")
    passages = prepared.document.passages
    assert [p.position.describe() for p in passages] == [
        "citation 1", "citation 2", "paragraph 1", "paragraph 2", "annex", "annex"]
    assert passages[1].text.endswith("of 14 December 2022 (1),")
    assert passages[4].text.startswith("Joint political statement")
    assert passages[5].text.endswith("additional tasks on ENISA.")  # no ELI, no ISSN
    assert not any("(As an agreement" in p.text or "OJ C 100" in p.text for p in passages)


def test_amendments_adopted_without_a_resolution_are_cited_one_by_one() -> None:
    page = _page(
        "P9_TA(2021)0499", "Digital Markets Act ***I",
        f"Amendments adopted by the European Parliament on 15{NBSP}December 2021 on the proposal for a{NBSP}regulation "
        "on contestable and fair markets in the digital sector (Digital Markets Act) (COM(2020)0842 \u2014 "
        "C9-0419/2020 \u2014 2020/0374(COD)) (1)",
        "(Ordinary legislative procedure: first reading)", "(2022/C 251/33)",
        "Amendment 1", f"Proposal for a{NBSP}regulation", "Recital 1",
        ("Text proposed by the Commission", "Amendment"),
        ("(1) Digital services play an important role.", "(1) Digital services play an increasingly important role."),
        "Amendment 244", "Proposal for a regulation", f"Recital 14 a{NBSP}(new)",
        ("Text proposed by the Commission", "Amendment"), ("", "(14a)"), ("", "Gatekeepers may also provide services."),
    )
    prepared = prepare_bytes("oj.html", page, base_url=PUBLIC)
    meta = prepared.document.meta
    assert (meta.reference, meta.adopted, meta.kind) == ("2020/0374(COD)", dt.date(2021, 12, 15), Kind.text_adopted)
    labels = {p.position.describe(): p.text for p in prepared.document.passages}
    assert list(labels) == ["amendment 1", "amendment 244"]
    assert labels["amendment 244"] == ("Proposal for a regulation\nRecital 14 a (new)\nAmendment: (14a)\n"
                                       "Gatekeepers may also provide services.")


def test_an_amendment_restating_the_whole_act_is_cited_by_the_acts_numbering() -> None:
    page = _page(
        f"Amendments adopted by the European Parliament on 14{NBSP}March 2023 on the proposal for a regulation on "
        "harmonised rules on fair access to and use of data (Data Act) (COM(2022)0068 \u2014 C9-0051/2022 \u2014 "
        "2022/0047(COD)) (1)",
        "Amendment 1", "AMENDMENTS BY THE EUROPEAN PARLIAMENT (*1)", "to the Commission proposal",
        "THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,",
        "Having regard to the Treaty on the Functioning of the European Union,", "Whereas:",
        "(69) The ability to switch providers is a key condition for a competitive market.", "(69a)",
        "Switching charges are charges imposed by providers of cloud computing on their customers.",
        "(70) Regulation (EU) 2018/1807 of the European Parliament and of the Council encourages providers to "
        "develop codes of conduct.",
        "HAVE ADOPTED THIS REGULATION:", "Article 2", "Definitions",
        "For the purposes of this Regulation, the following definitions apply:",
        "(1) \u2018data\u2019 means any digital representation of acts;", "(1a)",
        "\u2018personal data\u2019 means personal data as defined in Regulation (EU) 2016/679;",
    )
    prepared = prepare_bytes("oj.html", page, base_url=PUBLIC)
    assert [p.position.describe() for p in prepared.document.passages] == [
        "amendment 1, citation 1", "amendment 1, recital 69", "amendment 1, recital 69a", "amendment 1, recital 70",
        "amendment 1, article 2", "amendment 1, article 2, point (1)", "amendment 1, article 2, point (1a)",
    ]
    texts = [p.text for p in prepared.document.passages]
    assert texts[3].startswith("Regulation (EU) 2018/1807")  # a recital naming an act is no footnote
    assert texts[-1] == "\u2018personal data\u2019 means personal data as defined in Regulation (EU) 2016/679;"

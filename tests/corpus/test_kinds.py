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

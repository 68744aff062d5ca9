"""EP texts adopted cut into citations, recitals, paragraphs and points, in every layout real copies come in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.corpus.load import inspect_document, load_corpus
from bot.corpus.models import Document, Kind, Problem
from bot.corpus.structure import Reading, join_lines, read
from tests.corpus.ep_texts import FRONT, LAYOUTS, Resolution, example, letters, render

EXPECTED_LABELS = [
    "citation 1", "citation 2", "citation 3", "recital A", "recital B",
    "paragraph 1", "paragraph 1, point (a)", "paragraph 1, point (b)", "paragraph 2", "paragraph 3",
]


def _inspect(text: str, name: str = "ep.txt") -> tuple[Document, list[Problem], Reading]:
    return inspect_document(name, text.encode("utf-8"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_gives_the_same_units_with_the_parliaments_labels(layout: str) -> None:
    resolution = example()
    document, warnings, reading = _inspect(render(resolution, layout))
    assert [p.position.describe() for p in document.passages] == EXPECTED_LABELS
    assert [p.text for p in document.passages] == [text for _, text, _ in resolution.units()]
    assert reading.parts == {"citation": 3, "recital": 2, "paragraph": 3, "point": 2}
    assert reading.parts_summary() == "3 citations, 2 recitals (A\u2013B), 3 paragraphs (1\u20133), 2 points"
    assert warnings == []
    # The title line is metadata, never a passage; it gives the title, date and reference.
    meta = document.meta
    assert meta.title == "European Parliament resolution of 11 February 2031 on the situation in Examplestan"
    assert (meta.reference, meta.adopted) == ("2031/2544(RSP)", dt.date(2031, 2, 11))
    assert {document.origins[f] for f in ("title", "reference", "adopted")} == {"inferred"}
    assert not any("European Parliament resolution of" in p.text for p in document.passages)


def test_points_carry_their_paragraphs_lead_in() -> None:
    document, _, _ = _inspect(render(example(), "lines"))
    point = document.passages[6]
    assert point.position.describe() == "paragraph 1, point (a)"
    assert (point.position.part, point.position.number, point.position.point) == ("paragraph", "1", "a")
    assert point.lead == "Calls on the authorities of Examplestan to:"
    assert point.text == "release all journalists detained for their work;"


@pytest.mark.parametrize(
    ("layout", "reasons"),
    [
        ("blank", {"title line", "opening formula"}),
        ("lines", {"title line", "opening formula"}),
        ("web", {"navigation", "text number", "heading", "title line", "opening formula"}),
        ("oj", {"page header", "text number", "heading", "title line", "opening formula"}),
        ("pdf", {"page header", "text number", "footnote", "title line", "opening formula"}),
    ],
)
def test_every_line_left_out_is_listed_with_its_reason(layout: str, reasons: set[str]) -> None:
    _, _, reading = _inspect(render(example(), layout))
    assert {item.reason for item in reading.left_out} == reasons


def test_the_web_pages_navigation_footer_and_footnotes_are_not_answerable() -> None:
    text = render(example(), "web").replace(
        "Last updated", "(1) OJ C 93, 9.3.2026, p. 111.\nLast updated"
    )
    document, _, reading = _inspect(text)
    served = " ".join(p.text for p in document.passages)
    for furniture in ("PDF 146kWORD 61k", "Document stages", "Last updated", "OJ C 93", "Thursday"):
        assert furniture not in served
    left = {item.text: item.reason for item in reading.left_out}
    assert left["(1) OJ C 93, 9.3.2026, p. 111."] == "footnote"
    assert left["PDF 146kWORD 61k"] == "navigation"
    assert document.meta.text_id == "P9_TA(2031)0056" and document.origins["text_id"] == "inferred"


def test_official_journal_cells_join_a_marker_and_its_text() -> None:
    text = FRONT + "\n".join([
        "9.2.2018 |", "EN |", "Official Journal of the European Union |", "C 50/38 |",
        "European Parliament resolution of 10 March 2031 on Examplestan (2031/2607(RSP))",
        "(2032/C 050/05)", "The European Parliament,",
        "\u2014 |", "having regard to the 1948 Universal Declaration of Human Rights, |",
        "A. |", "whereas the situation in Examplestan has worsened; |",
        "1. |", "Calls on the authorities to: |",
        "(a) |", "free the prisoners; |",
    ])
    document, _, reading = _inspect(text)
    assert [(p.position.describe(), p.text) for p in document.passages] == [
        ("citation 1", "having regard to the 1948 Universal Declaration of Human Rights,"),
        ("recital A", "whereas the situation in Examplestan has worsened;"),
        ("paragraph 1", "Calls on the authorities to:"),
        ("paragraph 1, point (a)", "free the prisoners;"),
    ]
    assert {i.text for i in reading.left_out if i.reason == "page header"} == {
        "9.2.2018", "EN", "Official Journal of the European Union", "C 50/38", "(2032/C 050/05)"
    }


def test_pdf_text_is_rejoined_across_wraps_hyphens_and_page_breaks() -> None:
    resolution = Resolution(
        citations=["having regard to the Enhanced Partnership and Cooperation Agreement signed in 2029,"],
        recitals=["whereas the independent broadcasters of Examplestan were closed down in 2030;"],
        paragraphs=[("Condemns the intimidation of journalists and representatives of civil society;", [])] * 1
        + [("Instructs its President to forward this resolution to the Council.", [])],
    )
    document, _, _ = _inspect(render(resolution, "pdf"))
    assert [p.text for p in document.passages] == [text for _, text, _ in resolution.units()]


def test_hyphenation_rejoins_a_broken_word_and_keeps_a_compound() -> None:
    assert join_lines(["the situ-", "ation in"]) == "the situation in"
    assert join_lines(["the EU-", "Examplestan agreement"]) == "the EU-Examplestan agreement"
    assert join_lines(["ends here,", "then more"]) == "ends here, then more"


def test_recitals_go_past_z_and_a_hundred_do_not_break_anything() -> None:
    resolution = Resolution(
        recitals=[f"whereas fact number {n} holds;" for n in range(1, 101)],
        paragraphs=[("Instructs its President to forward this resolution.", [])],
    )
    document, warnings, reading = _inspect(render(resolution, "lines"))
    labels = [p.position.describe() for p in document.passages]
    assert labels[25:28] == ["recital Z", "recital AA", "recital AB"]
    assert labels[99] == f"recital {letters(100)}" == "recital CV"
    assert warnings == []
    assert "100 recitals (A\u2013CV)" in reading.parts_summary()


def test_broken_numbering_is_a_warning_and_the_document_is_still_served(tmp_path: Path) -> None:
    text = FRONT + "\n".join([
        "The European Parliament,",
        "A. whereas one;", "B. whereas two;", "C. whereas three;", "E. whereas five;",
        "6. Notes six;", "7. Notes seven;", "7. Notes seven again;", "8. Notes eight.",
    ])
    (tmp_path / "broken.txt").write_text(text, encoding="utf-8")
    corpus = load_corpus(tmp_path, cache=False)
    assert [d.name for d in corpus.documents] == ["broken.txt"]
    messages = [(p.line, p.severity, p.message) for p in corpus.problems if "unknown" not in p.message]
    assert messages == [
        (9, "warning", "numbering gap: recital C (line 8) then recital E"),
        (10, "warning", "numbering starts at paragraph 6"),
        (12, "warning", "paragraph 7 twice (lines 11 and 12)"),
    ]
    labels = [p.position.describe() for p in corpus.documents[0].passages]
    assert labels.count("paragraph 7") == 2


@pytest.mark.parametrize(
    "ending",
    ["1. Calls for action;\n2.", "1. Calls for action;\n(a)", "1. Calls for action;\n\u2013", "1.\n2. Notes."],
)
def test_a_marker_without_text_is_reported_not_a_crash(ending: str) -> None:
    text = FRONT + "The European Parliament,\n\u2013 having regard to the Treaty,\n" + ending + "\n"
    document, warnings, reading = _inspect(text)
    assert any("has no text" in w.message for w in warnings)
    assert any(item.reason == "marker without text" for item in reading.left_out)
    assert all(p.text for p in document.passages)


def test_roman_points_and_an_annex() -> None:
    text = FRONT + "\n".join([
        "The European Parliament,",
        "\u2013 having regard to the Treaty,",
        "1. Recommends that the Council:",
        "(i) acts;", "(ii) reports;", "(iii) reviews;",
        "2. Instructs its President to forward this resolution.",
        "ANNEX I",
        "The list of persons concerned is kept by the Council.",
        "It is reviewed every year.",
    ])
    document, warnings, reading = _inspect(text)
    labels = [p.position.describe() for p in document.passages]
    assert labels == [
        "citation 1", "paragraph 1", "paragraph 1, point (i)", "paragraph 1, point (ii)",
        "paragraph 1, point (iii)", "paragraph 2", "annex I", "annex I",
    ]
    assert [w for w in warnings if "unknown" not in w.message] == []
    assert reading.parts == {"citation": 1, "paragraph": 2, "point": 3, "annex": 2}


def test_a_text_adopted_without_structure_falls_back_to_the_files_paragraphs() -> None:
    text = FRONT + "Some notes about Examplestan, written by hand.\n\nThey have no EP structure at all here.\n"
    document, _, reading = _inspect(text)
    assert not reading.structured
    assert reading.parts_summary() == "no EP structure found: cut into the file's paragraphs"
    assert [p.position.describe() for p in document.passages] == ["paragraph 1", "paragraph 2"]
    assert document.passages[0].position.part is None


def test_a_summary_keeps_its_paragraphs_but_never_drops_a_short_comma_line() -> None:
    body = (
        "Intro paragraph of the summary, long enough to count.\n\n"
        "\u2013 having regard to the Charter,\n\nShort Heading\n"
    )
    reading = read("s.md", body, 1, Kind.summary)
    assert not reading.structured
    assert [p.text for p in reading.passages][1] == "having regard to the Charter,"
    assert [(i.text, i.reason) for i in reading.left_out] == [("Short Heading", "heading")]


def test_a_structured_text_citation_shows_the_label_file_and_line() -> None:
    document, _, _ = _inspect(render(example(), "lines"), "examplestan.txt")
    passage = document.passages[4]
    lines = document.citation(passage.position)
    assert lines[2] == "recital B of examplestan.txt (line 11)"
    assert lines[1].startswith("2031/2544(RSP) \u00b7 adopted 2031-02-11")
    # With the text number known, it is shown beside the reference.
    document, _, _ = _inspect(render(example(), "web"), "examplestan.txt")
    second = document.citation(document.passages[0].position)[1]
    assert second.startswith("2031/2544(RSP) \u00b7 P9_TA(2031)0056 \u00b7")


def test_a_eur_lex_copy_takes_the_title_line_just_before_the_text_and_reports_the_rest() -> None:
    title = "European Parliament resolution of 10 June 2031 on Examplestan (2031/2741(RSP))"
    text = FRONT + "\n".join([
        "This document is an excerpt from the EUR-Lex website", "Document 52031IP0293", title,
        "OJ C 67, 8.2.2032, p. 118\u2013124 (BG, ES, CS)", "8.2.2032", "EN",
        "Official Journal of the European Union", "C 67/118", "P9_TA(2031)0293", "Examplestan", title,
        "(2032/C 67/15)", "The European Parliament,", "having regard to its previous resolutions on Examplestan,",
        "1. Calls for the release of all political prisoners.",
    ])
    document, _, reading = _inspect(text)
    assert document.meta.title == "European Parliament resolution of 10 June 2031 on Examplestan"
    assert document.meta.text_id == "P9_TA(2031)0293"
    assert [p.position.describe() for p in document.passages] == ["citation 1", "paragraph 1"]
    reasons = {item.line: item.reason for item in reading.left_out}
    assert reasons[7] == reasons[15] == "title line" and reasons[14] == "heading"
    assert reasons[5] == "heading" and reasons[6] == reasons[16] == "page header"


def test_a_pdf_title_wrapped_before_its_reference_is_joined() -> None:
    text = FRONT + "\n".join([
        "European Parliament recommendation of 4 July 2031 to the Council on",
        "relations with Examplestan",
        "(2031/2056(INI))",
        "The European Parliament,",
        "\u2013 having regard to Rule 118 of its Rules of Procedure,",
        "1. Recommends that the Council act.",
    ])
    document, _, reading = _inspect(text)
    assert reading.title_line == (
        "European Parliament recommendation of 4 July 2031 to the Council on relations with Examplestan "
        "(2031/2056(INI))"
    )
    assert (document.meta.reference, document.meta.adopted) == ("2031/2056(INI)", dt.date(2031, 7, 4))


def test_a_summarys_own_numbered_list_is_not_read_as_the_parliaments_paragraphs() -> None:
    body = (
        "European Parliament resolution of 10 March 2031 on Examplestan (2031/2607(RSP))\n\n"
        "Parliament made these points, whereas the report says little:\n\n"
        "1. It asked for the release of the journalists held in Examplestan.\n"
        "2. It asked the Commission to report back within the year.\n"
    )
    reading = read("s.md", body, 1, Kind.summary)
    assert not reading.structured
    assert all(p.position.part is None for p in reading.passages)
    quoted = read("s.md", "The European Parliament,\n1. Calls for the release of the journalists.\n", 1, Kind.summary)
    assert quoted.structured and quoted.passages[0].position.describe() == "paragraph 1"


def test_points_under_a_lettered_point_are_cited_under_it() -> None:
    text = FRONT + "\n".join([
        "The European Parliament,",
        "\u2013 having regard to the Treaty,",
        "1. Calls on the authorities to:",
        *(f"({c}) take step {c} without delay;" for c in "abcdefghij"),
        "2. Urges the Commission to:",
        "(a) act as follows:",
        "(i) first measure of the action;",
        "(ii) second measure of the action;",
        "(b) report back to Parliament within a year;",
        "3. Instructs its President to forward this resolution.",
    ])
    document, warnings, reading = _inspect(text)
    labels = [p.position.describe() for p in document.passages]
    # "(i)" after "(h)" is the letter i; after "(a) … as follows:" it opens points under (a).
    assert labels[9:12] == ["paragraph 1, point (h)", "paragraph 1, point (i)", "paragraph 1, point (j)"]
    assert labels[12:] == [
        "paragraph 2", "paragraph 2, point (a)", "paragraph 2, point (a)(i)", "paragraph 2, point (a)(ii)",
        "paragraph 2, point (b)", "paragraph 3",
    ]
    second = document.passages[15]
    assert second.lead == "Urges the Commission to: act as follows:"
    assert second.text == "second measure of the action;"
    assert second.position.labels() == {
        "part": "paragraph", "number": "2", "point": "a.ii", "label": "paragraph 2, point (a)(ii)",
    }
    assert [w.message for w in warnings if "unknown" not in w.message] == []  # no false numbering gap
    assert reading.parts["point"] == 14


def test_words_before_any_numbered_unit_are_served_but_never_given_an_ep_label() -> None:
    text = "\n".join([
        "European Parliament resolution of 11 February 2031 on the situation in Examplestan (2031/2544(RSP))",
        "The European Parliament,",
        "Some orphan words stand here before anything else.",
        "(a) orphan alpha point text here;",
        "1. Calls on the authorities of Examplestan to release everyone;",
        "2. Instructs its President to forward this resolution to the Council.",
    ])
    document, warnings, _ = _inspect(text)
    labels = [p.position.describe() for p in document.passages]
    assert labels == ["unnumbered text", "paragraph 1", "paragraph 2"]  # never a second "paragraph 1"
    assert "orphan alpha point" in document.passages[0].text  # every word still served
    assert document.passages[0].position.locator("c.txt") == "unnumbered text of c.txt (line 3)"
    assert [w.message for w in warnings if w.line == 3] == [
        "text outside any citation, recital or paragraph: cited as unnumbered text"
    ]


def test_a_text_built_as_a_text_adopted_is_inferred_to_be_one() -> None:
    # Title line, "The European Parliament," and numbered units: the kind is stated by the shape.
    bare = render(example(), "lines").split("---\n", 2)[-1]
    document, _, _ = _inspect(bare)
    assert document.meta.kind is Kind.text_adopted and document.origins["kind"] == "inferred"
    assert document.is_resolution_text
    # Without the opening formula the shape is not enough: the kind stays unknown.
    document, _, _ = _inspect(bare.replace("The European Parliament,\n", ""))
    assert document.meta.kind is None and document.origins["kind"] == "unknown"


def test_no_citation_is_opened_once_recitals_or_paragraphs_have_begun() -> None:
    text = (
        "European Parliament resolution of 11 February 2021 on Kazakhstan (2021/2544(RSP))\n"
        "The European Parliament,\n"
        "\u2013 having regard to its previous resolutions on Kazakhstan,\n"
        "A. whereas the Court ruled on the case brought\n"
        "having regard to the evidence of the defence;\n"  # a wrapped line, not a citation
        "1. Calls on the authorities to act as follows:\n"
        "\u2013\n"  # a list dash standing alone in its table cell
        "release all journalists;\n"
        "2. Instructs its President to forward this resolution.\n"
    )
    _, _, reading = _inspect(text)
    labels = [(p.position.describe(), p.text) for p in reading.passages]
    assert labels == [
        ("citation 1", "having regard to its previous resolutions on Kazakhstan,"),
        ("recital A", "whereas the Court ruled on the case brought having regard to the evidence of the defence;"),
        ("paragraph 1", "Calls on the authorities to act as follows: \u2013 release all journalists;"),
        ("paragraph 2", "Instructs its President to forward this resolution."),
    ]


def test_a_part_of_one_unit_is_counted_in_the_singular_with_its_one_label() -> None:
    text = (
        "European Parliament resolution of 11 February 2021 on Kazakhstan (2021/2544(RSP))\n"
        "The European Parliament,\n\u2013 having regard to its previous resolutions on Kazakhstan,\n"
        "A. whereas journalists were detained;\n1. Instructs its President to forward this resolution.\n"
    )
    _, _, reading = _inspect(text)
    assert reading.parts_summary() == "1 citation, 1 recital (A), 1 paragraph (1)"

"""Real EP pages and Open Data API answers, saved by public projects, read as a user would import them.

Every artefact is in ``artefacts/`` with its provenance (repository, path and commit, or
the page's URL; how it was obtained; licence; sha256) in ``artefacts/MANIFEST.yaml``.
The figures asserted here (units per part, labels, references, dates, text numbers) were
counted from the saved pages by a person, and are recorded under each entry's
``expected:`` key; they are not the code's output copied back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.corpus.extract import html_text
from bot.corpus.importer import ImportRefused, Prepared, prepare_bytes, prepare_file
from bot.corpus.load import inspect_document
from bot.corpus.models import Kind
from bot.corpus.opendata import _listed
from bot.corpus.structure import read

ARTEFACTS = Path(__file__).parent / "artefacts"
PUBLIC = "https://www.europarl.europa.eu/"


def _manifest() -> list[dict[str, Any]]:
    entries = yaml.safe_load((ARTEFACTS / "MANIFEST.yaml").read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


def _import(name: str) -> Prepared:
    return prepare_file(ARTEFACTS / name, base_url=PUBLIC)


def _refusal(name: str) -> str:
    with pytest.raises(ImportRefused) as info:
        _import(name)
    return info.value.reason


# ----------------------------------------------------------------------- provenance


def test_every_artefact_is_in_the_manifest_with_its_provenance_and_checksum() -> None:
    entries = _manifest()
    listed = {entry["file"] for entry in entries}
    on_disk = {path.name for path in ARTEFACTS.iterdir() if path.name != "MANIFEST.yaml"}
    assert listed == on_disk
    assert len(entries) >= 12
    for entry in entries:
        needed = ["url"] if entry["kind"] == "pages_excerpt" else ["repository", "path", "commit"]
        for key in [*needed, "obtained", "licence", "ep_copyright", "sha256", "expected"]:
            assert entry.get(key), f"{entry['file']}: no {key}"
        if entry["kind"] != "pages_excerpt":
            assert len(entry["commit"]) == 40
        assert hashlib.sha256((ARTEFACTS / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]


# ------------------------------------------------------------- OEIL document summaries


def test_the_oeil_summary_of_a_resolution_imports_with_every_paragraph() -> None:
    # 2021/2540(RSP), Myanmar: "2021/2540(RSP) 11/02/2021" on one line, under the heading.
    prepared = _import("oeil_summary_2021-2540RSP_id1651118.html")
    meta = prepared.document.meta
    assert (meta.kind, meta.title, meta.reference, meta.adopted, meta.source) == (
        Kind.summary, "Resolution on the situation in Myanmar", "2021/2540(RSP)", dt.date(2021, 2, 11),
        "Legislative Observatory (OEIL)",
    )
    assert prepared.text_id is None  # the page does not show it: unknown
    passages = prepared.document.passages
    # 16 <p>, the 15th the tail of the 14th's sentence: 15 paragraphs, 5 of them dashed items.
    assert len(passages) == 15
    assert passages[0].text.startswith("The European Parliament adopted by 667 votes to 1, with 27 abstentions")
    items = [p for p in passages if p.position.item is not None]
    assert [p.lead for p in items] == ["The EU and its Member States are urged to:"] * 3 + [
        "Parliament urged the Council to:"] * 2
    # "... including all those involved in the coup and other</p><p>legal entities directly ...": one item.
    assert items[3].text.endswith("Myanmar\u2019s military, including all those involved in the coup and other legal "
                                  "entities directly owned by those involved in the coup;")
    assert items[-1].text.startswith("review, and possibly amend, the EU\u2019s arms embargo on Myanmar")
    assert not any("Text adopted by Parliament" in p.text for p in passages)


def test_the_oeil_summary_of_a_legislative_resolution_imports_under_the_files_title() -> None:
    # 2023/0321(CNS), BEFIT: the heading is the procedure's title, not "Resolution on ...".
    prepared = _import("oeil_summary_2023-0321CNS_id1864147.html")
    meta = prepared.document.meta
    assert (meta.kind, meta.title, meta.reference, meta.adopted) == (
        Kind.summary, "Business in Europe: Framework for Income Taxation (BEFIT)", "2023/0321(CNS)",
        dt.date(2025, 11, 13),
    )
    passages = prepared.document.passages
    assert len(passages) == 19  # 28 <p>: 9 sub-headings and 19 paragraphs
    assert passages[0].text.startswith("The European Parliament adopted by 370 votes to 160, with 107 abstentions "
                                       "(following a special legislative procedure), a legislative resolution")
    assert passages[-1].text.startswith("Members stressed that improving corporate tax compliance depends largely on")
    _, _, reading = inspect_document(prepared.file_name, prepared.data)
    headings = [item.text for item in reading.left_out if item.reason == "heading"]
    assert headings[2:] == [
        "Significant presence", "Structure of a BEFIT group", "Calculation of the preliminary tax result",
        "Limitation of royalties, entertainment costs", "Controlled foreign companies",
        "Accelerated depreciation rules", "Tax incentives", "Transitional allocation rule", "One-stop shop",
    ]
    assert headings[:2] == ["# Business in Europe: Framework for Income Taxation (BEFIT)", "2023/0321(CNS) 13/11/2025"]


# ------------------------------------------------------------------ OEIL procedure files

PROCEDURE_FILES = {
    "oeil_procedure_2021-2540RSP.html": "TA-9-2021-0054",
    "oeil_procedure_2022-2852RSP.html": "TA-9-2022-0364",
}


@pytest.mark.parametrize(("name", "text_id"), sorted(PROCEDURE_FILES.items()))
def test_a_procedure_file_is_refused_naming_the_text_adopted_to_import(name: str, text_id: str) -> None:
    assert _refusal(name) == (
        "a Legislative Observatory procedure file, not a summary nor a text: "
        f"import the text adopted ({text_id}) or its summary"
    )


# ------------------------------------------------------------------------ doceo pages


def test_a_report_is_refused_naming_its_text_adopted() -> None:
    assert _refusal("doceo_A-9-2024-0163_EN.html") == (
        "a committee report (what the committee tabled), not a text adopted; "
        "the page lists its text adopted, P9_TA(2024)0315: import TA-9-2024-0315"
    )


def test_the_reports_decision_reads_with_each_amendment_cited_and_both_columns_as_written() -> None:
    lines = html_text((ARTEFACTS / "doceo_A-9-2024-0163_EN.html").read_bytes()).lines
    start = lines.index("PROPOSAL FOR A EUROPEAN PARLIAMENT DECISION")
    reading = read("decision.md", "\n\n".join(lines[start:]))  # the excerpt ends with the amendments
    assert reading.parts_summary() == "2 citations, 3 paragraphs (1\u20133), 5 amendments (1\u20135)"
    amendments = [p for p in reading.passages if p.position.part == "amendment"]
    assert [p.position.describe() for p in amendments] == [f"amendment {n}" for n in range(1, 6)]
    targets = [p.text.split("\n")[1] for p in amendments]
    assert targets == [
        "Rule 10 \u2013 paragraph 6 \u2013 subparagraph 2", "Rule 21 \u2013 paragraph 1",
        "Rule 21 \u2013 paragraph 2", "Rule 176 \u2013 paragraph 1 \u2013 subparagraph 3",
        "Annex II \u2013 point 5",
    ]
    first = amendments[0].text.split("\n")
    assert first[0] == "Parliament's Rules of Procedure"
    assert first[2].startswith("Present text: Members may not be elected as office-holders") and first[2].endswith(
        "if they have not signed the declaration relating to that Code.")
    assert first[3].startswith("Amendment: Members may not be elected") and first[3].endswith("negotiations:")
    assert first[4].startswith("(a) if they have not signed the declaration confirming their commitment")
    # The amendment's points are its words, not the decision's: the decision has 3 paragraphs, no points.
    assert [p.position.describe() for p in reading.passages if p.position.part != "amendment"] == [
        "citation 1", "citation 2", "paragraph 1", "paragraph 2", "paragraph 3"]
    assert "transparency[13], the committee which appointed him or her" in amendments[2].text



# ---------------------------------------------- doceo texts adopted, as the search tool stores them


def _excerpt(name: str) -> Prepared:
    """A stored excerpt of a doceo page ("# source: URL" on its first line), imported as its text."""
    source, text = (ARTEFACTS / name).read_bytes().split(b"\n", 1)
    assert source.startswith(b"# source: https://") or source.startswith(b"# source: http://")
    return prepare_bytes(name, text, base_url=PUBLIC)


EXCERPTS = {
    # file: (title, reference, adopted, text number, labels)
    "pages_excerpt_TA-8-2015-0323_EN.txt": (
        "European Parliament resolution of 16 September 2015 on the Commission Work Programme 2016",
        "2015/2729(RSP)", dt.date(2015, 9, 16), "TA-8-2015-0323",
        ["citation 1", "citation 2", "recital A", "recital B", "recital C", "recital D"],
    ),
    "pages_excerpt_TA-8-2016-0080_EN.txt": (
        "European Parliament resolution of 9 March 2016 on general guidelines for the preparation of the 2017 budget, "
        "Section III \u2013 Commission",
        "2016/2004(BUD)", dt.date(2016, 3, 9), "TA-8-2016-0080", [f"citation {n}" for n in range(1, 10)],
    ),
    "pages_excerpt_TA-8-2017-0238_EN.txt": (
        "European Parliament legislative resolution of 1 June 2017 on the draft Council decision establishing a "
        "Multiannual Framework for the European Union Agency for Fundamental Rights for 2018\u20132022",
        "2016/0204(APP)", dt.date(2017, 6, 1), "TA-8-2017-0238",
        ["citation 1", "citation 2", "citation 3", "citation 4", "paragraph 1", "paragraph 2"],
    ),
    "pages_excerpt_TA-9-2021-0417_EN.txt": (
        "European Parliament resolution of 7 October 2021 on the human rights situation in Myanmar, including the "
        "situation of religious and ethnic groups",
        "2021/2905(RSP)", dt.date(2021, 10, 7), "TA-9-2021-0417", [f"citation {n}" for n in range(1, 8)],
    ),
    # Term 5: the title is undated and its reference malformed ("((2000/2109/(IMM))"): both unknown.
    "pages_excerpt_TA-5-2003-0307_EN.txt": (
        "European Parliament decision on the request for waiver of the immunity of Mr Daniel Marc Cohn-Bendit",
        None, None, "TA-5-2003-0307", [f"citation {n}" for n in range(1, 8)] + ["paragraph 1", "paragraph 2"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_a_stored_doceo_text_adopted_imports_with_its_units_and_citation(name: str) -> None:
    title, reference, adopted, text_id, labels = EXCERPTS[name]
    prepared = _excerpt(name)
    meta = prepared.document.meta
    assert (meta.title, meta.reference, meta.adopted, prepared.text_id, meta.kind) == (
        title, reference, adopted, text_id, Kind.text_adopted)
    assert [p.position.describe() for p in prepared.document.passages] == labels
    _, _, reading = inspect_document(prepared.file_name, prepared.data)
    # No navigation in a passage: what the page has around the text is left out with its reason.
    assert not any(word in p.text for p in prepared.document.passages
                   for word in ("Document stages", "PDF ", "Texts tabled", "Legal notice"))
    assert {item.reason for item in reading.left_out} <= {"title line", "opening formula", "before the title line"}


def test_the_consent_texts_paragraphs_and_procedure_line_read_as_published() -> None:
    prepared = _excerpt("pages_excerpt_TA-8-2017-0238_EN.txt")
    passages = prepared.document.passages
    assert passages[4].text == "Gives its consent to the draft Council decision;"
    assert passages[1].text.endswith("(C8\u20110528/2016),")  # the page's non-breaking hyphen, as written
    _, _, reading = inspect_document(prepared.file_name, prepared.data)
    assert ("(Special legislative procedure \u2013 consent)", "before the title line") in {
        (item.text, item.reason) for item in reading.left_out}


def test_an_undated_title_is_refused_unless_the_page_is_named_as_a_text_adopted() -> None:
    _, text = (ARTEFACTS / "pages_excerpt_TA-5-2003-0307_EN.txt").read_bytes().split(b"\n", 1)
    with pytest.raises(ImportRefused, match="the title line has no adoption date"):
        prepare_bytes("decision.txt", text, base_url=PUBLIC)


# ------------------------------------------------------ Open Data API v2 procedures


@pytest.mark.parametrize("name", sorted(p.name for p in ARTEFACTS.glob("opendata_procedure_*.json")))
def test_every_procedure_reference_the_open_data_api_gives_is_of_the_shared_form(name: str) -> None:
    from bot.corpus.importer import normalise_text_number
    from bot.corpus.models import REFERENCE_RE

    (process,) = json.loads((ARTEFACTS / name).read_text(encoding="utf-8"))["data"]
    assert REFERENCE_RE.match(process["label"]), process["label"]
    assert _listed(process) is None  # a procedure in a listing is no text adopted
    adopted = [d.rsplit("/", 1)[-1] for d in process.get("created_a_realization_of", []) if "/TA-" in d]
    assert all(normalise_text_number(text_id) == text_id for text_id in adopted)
    expected = next(e["expected"] for e in _manifest() if e["file"] == name)
    assert (process["label"], adopted) == (expected["label"], expected["texts_adopted_in_created_a_realization_of"])


# ------------------------------------------------------------ nothing dropped silently


_MARKER_RE = re.compile(r"^(?:[\u2013\u2014-]\s?|[A-Z]{1,2}\.\s|\d{1,3}\.\s|\([a-z]{1,4}\)\s)")


def _importable() -> list[Prepared]:
    prepared = [_import(name) for name in ("oeil_summary_2021-2540RSP_id1651118.html",
                                           "oeil_summary_2023-0321CNS_id1864147.html")]
    return prepared + [_excerpt(name) for name in sorted(EXCERPTS)]


def test_every_line_of_every_imported_artefact_is_served_or_reported_with_its_reason() -> None:
    for prepared in _importable():
        _, _, reading = inspect_document(prepared.file_name, prepared.data)
        body = prepared.data.decode("utf-8").split("\n---\n", 1)[1]
        served = "\n".join(p.text for p in prepared.document.passages)
        reported = {" ".join(item.text.split()) for item in reading.left_out}
        for line in body.splitlines():
            text = " ".join(line.replace("**", "").split())
            if not text:
                continue
            words = _MARKER_RE.sub("", text)  # "– ", "A. ", "1. ", "(a) ", "- ": carried by the label
            assert words in served or text in reported, f"{prepared.file_name}: {text[:80]!r} is neither"

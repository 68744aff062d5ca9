"""Importing published texts: each format from a file, a URL and a text number; every refusal."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest

from bot.corpus.fetch import DOCX_TYPE, PDF_TYPE, Fetcher
from bot.corpus.importer import (
    CorpusIndex,
    ImportRefused,
    Prepared,
    normalise_text_number,
    prepare,
    prepare_bytes,
    prepare_file,
    write,
)
from bot.corpus.load import load_corpus
from bot.corpus.models import Kind
from tests.ep_documents import make_docx, make_pdf
from tests.standin_ep import IMPORT_FIXTURES, Route, StandIn, doceo_page

PUBLIC = "https://www.europarl.europa.eu/"
TITLE = "European Parliament resolution of 11 February 2021 on the human rights situation in Kazakhstan"
DETAINED = "1. Calls on the authorities to release all persons detained for exercising their freedom of assembly;"


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(requests_per_second=1000.0, timeout=0.5, retries=1, backoff=0.01) as client:
        yield client


def _body(prepared: Prepared) -> str:
    return prepared.data.decode("utf-8").split("---\n", 2)[2]


def test_text_numbers_in_both_notations() -> None:
    assert normalise_text_number("TA-9-2021-0056") == "TA-9-2021-0056"
    assert normalise_text_number("P9_TA(2021)0056") == "TA-9-2021-0056"
    assert normalise_text_number("P8_TA-PROV(2019)0203") == "TA-8-2019-0203"
    assert normalise_text_number("TA-9-2021-56") is None
    assert normalise_text_number("page.html") is None


@pytest.mark.parametrize("number", ["TA-9-2021-0056", "P9_TA(2021)0056"])
def test_a_text_number_fetches_the_doceo_page(server: StandIn, fetcher: Fetcher, number: str) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    prepared = prepare(number, fetcher=fetcher, base_url=server.url)
    assert server.requests[0].path == "/doceo/document/TA-9-2021-0056_EN.html"
    meta = prepared.document.meta
    assert meta.title == TITLE
    assert meta.reference == "2021/2544(RSP)"
    assert meta.adopted == dt.date(2021, 2, 11)
    assert meta.kind is Kind.text_adopted
    assert meta.source == "European Parliament, texts adopted"
    assert meta.url == f"{server.url}doceo/document/TA-9-2021-0056_EN.html"
    assert prepared.text_id == "TA-9-2021-0056"
    assert prepared.file_name == "2021-02-11_2021-2544_TA-9-2021-0056.md"
    assert prepared.inferred["reference"] == "title line"
    assert prepared.inferred["text_id"] == "text number printed with the text"


def test_the_page_keeps_the_text_and_drops_navigation_scripts_and_footer(fetcher: Fetcher) -> None:
    prepared = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    body = _body(prepared)
    units = body.strip().split("\n\n")
    assert units[0].startswith("European Parliament resolution of 11 February 2021")
    assert units[0].endswith("(2021/2544(RSP))")  # the title line is kept whole in the body
    assert units[1] == "The European Parliament,"
    assert units[2].startswith("– having regard to its previous resolutions")
    assert "A. whereas the authorities have detained peaceful demonstrators before and after the parliamentary " \
        "elections;" in units
    assert "(a) end the harassment of independent journalists and bloggers;" in units
    assert units[-1] == "(1) Texts adopted, P8_TA(2019)0204."
    for furniture in ("analytics", "font-weight", "Home", "Index", "Procedure :", "PDF 146k", "Last updated",
                      "Legal notice", "footer links"):
        assert furniture not in body
    assert any("17 lines before the title" in n for n in prepared.notes)
    assert any("after the text" in n for n in prepared.notes)
    # A local copy keeps the page's own address.
    assert prepared.document.meta.url == "https://www.europarl.europa.eu/doceo/document/TA-9-2021-0056_EN.html"


def test_an_official_journal_page_joins_marker_cells_and_names_the_journal() -> None:
    prepared = prepare_file(IMPORT_FIXTURES / "oj-2018-C50-38.html", base_url=PUBLIC)
    body = _body(prepared)
    assert "\u2014 having regard to the annual EU-Kazakhstan Human Rights Dialogue held in Astana," in body
    assert "A. whereas the climate for independent media in the country has worsened;" in body
    assert "(2018/C 050/05)" not in body
    meta = prepared.document.meta
    assert meta.source == "Official Journal of the European Union, C 50/38"
    assert prepared.text_id == "TA-8-2016-0083"
    assert meta.adopted == dt.date(2016, 3, 10)


def test_a_legislative_observatory_summary_imports_as_a_summary(server: StandIn, fetcher: Fetcher) -> None:
    server.routes["/oeil/en/document-summary"] = Route.fixture("oeil-summary-1427734.html")
    url = f"{server.url}oeil/en/document-summary?id=1427734"
    prepared = prepare(url, fetcher=fetcher, base_url=server.url)
    meta = prepared.document.meta
    assert meta.kind is Kind.summary
    assert meta.source == "Legislative Observatory (OEIL)"
    assert meta.reference == "2016/2607(RSP)"
    assert meta.adopted is None  # the page does not state it: unknown, not guessed
    assert prepared.text_id is None
    assert prepared.file_name == "2016-2607_oeil-summary.md"
    # The list stays one block under the sentence that leads into it.
    items = [p for p in prepared.document.passages if p.position.item is not None]
    assert [p.lead for p in items] == ["It called on the authorities to:"] * 2


def test_a_docx_from_a_file_and_from_a_url(server: StandIn, fetcher: Fetcher, tmp_path: Path) -> None:
    data = make_docx()
    path = tmp_path / "TA-9-2021-0056_EN.docx"
    path.write_bytes(data)
    from_file = prepare_file(path, base_url=PUBLIC)
    server.routes["/doc.docx"] = Route(body=data, content_type=DOCX_TYPE)
    from_url = prepare(f"{server.url}doc.docx", fetcher=fetcher, base_url=PUBLIC)
    for prepared in (from_file, from_url):
        body = _body(prepared)
        assert "– having regard to its previous resolutions on Kazakhstan," in body  # the tab became a space
        assert "1. Calls on the authorities" in body
        assert prepared.text_id == "TA-9-2021-0056"
        assert prepared.document.meta.reference == "2021/2544(RSP)"


def test_a_docx_table_of_citations_reads_as_one_unit_a_row() -> None:
    prepared = prepare_bytes("t.docx", make_docx(table_citations=True), base_url=PUBLIC)
    assert "\u2014 having regard to its previous resolutions on Kazakhstan," in _body(prepared).split("\n\n")


def test_a_pdf_loses_its_page_furniture_and_its_line_breaks(server: StandIn, fetcher: Fetcher) -> None:
    server.routes["/ta.pdf"] = Route(body=make_pdf(), content_type=PDF_TYPE)
    prepared = prepare(f"{server.url}ta.pdf", fetcher=fetcher, base_url=PUBLIC)
    units = _body(prepared).strip().split("\n\n")
    assert units[0] == f"{TITLE} (2021/2544(RSP))"
    assert DETAINED in units
    assert not any("PE662.878" in u or u in {"1/2", "2/2"} for u in units)
    assert any("hyphenated" in n for n in prepared.notes)
    assert prepared.document.meta.adopted == dt.date(2021, 2, 11)


def test_a_plain_text_file_imports(tmp_path: Path) -> None:
    path = tmp_path / "ta.txt"
    path.write_text(
        "European Parliament resolution of 11 February 2021 on the situation\nin Kazakhstan (2021/2544(RSP))\n"
        "The European Parliament,\n– having regard to its previous resolutions,\n"
        "1. Calls on the authorities to release\nall persons detained;\n",
        encoding="utf-8",
    )
    prepared = prepare_file(path, base_url=PUBLIC)
    assert _body(prepared).split("\n\n")[-1].strip() == "1. Calls on the authorities to release all persons detained;"


# Refusals: one line each, nothing written.


def _refused(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(ImportRefused) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_refused_a_404(server: StandIn, fetcher: Fetcher) -> None:
    message = _refused(prepare, "TA-9-2021-9999", fetcher=fetcher, base_url=server.url)
    assert message.startswith("TA-9-2021-9999: HTTP 404")


def test_refused_a_time_out(server: StandIn, fetcher: Fetcher) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html", delay=1.5))
    assert "timed out" in _refused(prepare, "TA-9-2021-0056", fetcher=fetcher, base_url=server.url)


def test_refused_a_body_that_is_not_html(server: StandIn, fetcher: Fetcher) -> None:
    server.doceo("TA-9-2021-0056", Route(body=b"%PDF-1.4", content_type="application/pdf"))
    message = _refused(prepare, "TA-9-2021-0056", fetcher=fetcher, base_url=server.url)
    assert "sent application/pdf, not application/xhtml+xml, text/html" in message


def test_refused_a_url_of_an_image(server: StandIn, fetcher: Fetcher) -> None:
    server.routes["/x.png"] = Route(body=b"\x89PNG", content_type="image/png")
    assert "sent image/png" in _refused(prepare, f"{server.url}x.png", fetcher=fetcher, base_url=server.url)


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("news.html", "not a resolution: no title line"),
        ("motion-B9-0356-2022.html", "title line has no adoption date"),
        ("TA-9-2019-07-18_EN.html", "holds 2 resolutions"),
    ],
)
def test_refused_a_page_that_is_not_one_resolution(fixture: str, reason: str) -> None:
    assert reason in _refused(prepare_file, IMPORT_FIXTURES / fixture, base_url=PUBLIC)


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["P9_TA(2022)0133", "Corrigendum to the position of the European Parliament adopted at first reading on "
          "15 September 2021", "The European Parliament,", "1. In the text, replace 'shall' by 'may';"],
         "a corrigendum (Corrigendum to the position of the European Parliament adop…): it corrects"),
        (["European Parliament decision of 4 May 2022 on discharge in respect of the implementation of the general "
          "budget, Section III (2021/2106(DEC))", "The European Parliament,", "1. Grants the Commission discharge;",
          "European Parliament resolution of 4 May 2022 with observations forming an integral part of the decision "
          "on discharge, Section III (2021/2106(DEC))", "The European Parliament,", "1. Welcomes the report;"],
         "the text holds 2 acts of one procedure, 2021/2106(DEC) (a discharge's decisions and resolution?)"),
    ],
)
def test_refused_a_kind_of_text_adopted_not_read_names_it(lines: list[str], reason: str, tmp_path: Path) -> None:
    path = tmp_path / "text.html"
    path.write_text("".join(f"<p>{line}</p>" for line in lines), encoding="utf-8")
    assert _refused(prepare_file, path, base_url=PUBLIC).startswith(f"{path}: {reason}")


@pytest.mark.parametrize("opening", ["", "<p>The European Parliament,</p>"])
def test_refused_a_title_without_structure(tmp_path: Path, opening: str) -> None:
    # The corpus's own reader decides: an opening formula followed by prose has no unit to cite.
    path = tmp_path / "title-only.html"
    path.write_text(
        "<p>European Parliament resolution of 11 February 2021 on Kazakhstan (2021/2544(RSP))</p>"
        f"{opening}<p>Our correspondent writes that the vote was close and the debate long.</p>",
        encoding="utf-8",
    )
    assert _refused(prepare_file, path, base_url=PUBLIC).endswith(
        "not a resolution: after the title there is no citation, recital, numbered paragraph or amendment to cite")


def test_refused_a_page_that_is_another_text(server: StandIn, fetcher: Fetcher) -> None:
    server.doceo("TA-9-2021-0057", Route.fixture("TA-9-2021-0056_EN.html"))
    message = _refused(prepare, "TA-9-2021-0057", fetcher=fetcher, base_url=server.url)
    assert "the page is text TA-9-2021-0056, not TA-9-2021-0057" in message


def test_refused_a_file_over_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: no need to write 21 MB
    assert "over the 20,971,520 byte cap" in _refused(prepare_file, path, base_url=PUBLIC)


def test_refused_a_broken_docx(tmp_path: Path) -> None:
    good = make_docx()
    broken = BytesIO()
    with zipfile.ZipFile(BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info))
    path = tmp_path / "broken.docx"
    path.write_bytes(broken.getvalue())
    assert "not a readable DOCX file" in _refused(prepare_file, path, base_url=PUBLIC)
    path.write_bytes(good[: len(good) // 2])
    assert "not a readable DOCX file" in _refused(prepare_file, path, base_url=PUBLIC)


def test_refused_a_broken_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(make_pdf()[:400])
    assert "broken.pdf: " in _refused(prepare_file, path, base_url=PUBLIC)
    path.write_bytes(b"this is not a pdf")
    assert "not a PDF file" in _refused(prepare_file, path, base_url=PUBLIC)


def test_refused_an_unknown_file_type_and_a_missing_file(tmp_path: Path) -> None:
    assert "unknown file type .odt" in _refused(prepare_file, tmp_path / "x.odt", base_url=PUBLIC)
    assert "no such file" in _refused(prepare_file, tmp_path / "x.html", base_url=PUBLIC)


# Writing: atomically, never a duplicate unless forced, the replaced file kept in .trash/.


def test_write_then_refuse_the_same_text_then_force_it(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    prepared = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    written = write(prepared, CorpusIndex.load(corpus_dir))
    assert written.path == corpus_dir / "2021-02-11_2021-2544_TA-9-2021-0056.md"
    loaded = load_corpus(corpus_dir, cache=False)
    assert [d.name for d in loaded.documents] == [written.path.name]
    assert not [p for p in loaded.problems if p.severity == "error"]

    again = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    message = _refused(write, again, CorpusIndex.load(corpus_dir))
    assert "already in the corpus: 2021-02-11_2021-2544_TA-9-2021-0056.md (same text number TA-9-2021-0056)" in message

    replaced = write(again, CorpusIndex.load(corpus_dir), force=True)
    assert replaced.replaced == ("2021-02-11_2021-2544_TA-9-2021-0056.md",)
    trash = list((corpus_dir / ".trash").iterdir())
    assert len(trash) == 1 and trash[0].read_bytes() == prepared.data
    assert not [p for p in corpus_dir.iterdir() if p.name.startswith(".upload-")]


def test_refused_a_duplicate_by_reference_and_kind_under_another_name(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "kazakhstan-2021.md").write_text(
        "---\ntitle: Kazakhstan 2021\nreference: 2021/2544(RSP)\nadopted: 2021-02-11\nkind: text_adopted\n---\n"
        "1. Calls on the authorities to release all persons detained for exercising their freedom;\n",
        encoding="utf-8",
    )
    prepared = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    message = _refused(write, prepared, CorpusIndex.load(corpus_dir))
    assert "kazakhstan-2021.md (same reference 2021/2544(RSP) and kind text_adopted)" in message
    assert sorted(p.name for p in corpus_dir.iterdir()) == ["kazakhstan-2021.md"]
    write(prepared, CorpusIndex.load(corpus_dir), force=True)
    assert sorted(p.name for p in corpus_dir.iterdir()) == [".trash", prepared.file_name]
    assert [p.name.split(".md.")[0] for p in (corpus_dir / ".trash").iterdir()] == ["kazakhstan-2021"]


def test_a_summary_and_the_text_of_one_resolution_live_side_by_side(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    index = CorpusIndex.load(corpus_dir)
    write(prepare_file(IMPORT_FIXTURES / "oj-2018-C50-38.html", base_url=PUBLIC), index)
    write(prepare_file(IMPORT_FIXTURES / "oeil-summary-1427734.html", base_url=PUBLIC), index)
    assert len(load_corpus(corpus_dir, cache=False).documents) == 2


def test_refused_a_text_whose_date_contradicts_the_corpus(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "summary.md").write_text(
        "---\ntitle: Summary\nreference: 2021/2544(RSP)\nadopted: 2021-02-12\nkind: summary\n---\n"
        "The European Parliament adopted a resolution on the situation in Kazakhstan.\n",
        encoding="utf-8",
    )
    prepared = prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC)
    assert "dates disagree" in _refused(write, prepared, CorpusIndex.load(corpus_dir))


def test_the_preview_shows_citation_units_and_first_labels() -> None:
    prepared = prepare_bytes("page.html", doceo_page("TA-9-2021-0056", "Situation in Kazakhstan", 4), base_url=PUBLIC)
    preview = prepared.preview
    assert preview.title == "European Parliament resolution of 11 February 2021 on situation in kazakhstan"
    assert (preview.reference, preview.adopted, preview.text_id) == ("2021/2544(RSP)", dt.date(2021, 2, 11),
                                                                      "TA-9-2021-0056")
    assert sum(count for _, count in preview.units) == preview.passages == len(prepared.document.passages)
    assert preview.first_labels == tuple(p.position.describe() for p in prepared.document.passages[:5])
    assert preview.lines()[0] == preview.title


def test_eur_lex_repeats_the_title_above_the_journal_header_of_the_new_c_series() -> None:
    prepared = prepare_file(IMPORT_FIXTURES / "eurlex-C-2023-399.html", base_url=PUBLIC)
    units = _body(prepared).strip().split("\n\n")
    assert units[0].startswith("European Parliament resolution of 15 March 2023")
    assert units[1:3] == ["The European Parliament,", "having regard to its previous resolutions on Belarus,"]
    assert not any(u.startswith(("OJ C", "ELI", "Series C", "(C/2023/399)")) for u in units)
    assert prepared.document.meta.source == "Official Journal of the European Union, C/2023/399"
    assert prepared.text_id == "TA-9-2023-0075"
    assert prepared.document.meta.reference == "2023/2573(RSP)"


def test_a_provisional_edition_says_so() -> None:
    page = doceo_page("TA-8-2019-0203", "Situation in Kazakhstan").replace(b"P8_TA(2019)0203", b"P8_TA-PROV(2019)0203")
    prepared = prepare_bytes("TA-8-2019-0203_EN.html", page, base_url=PUBLIC)
    assert prepared.text_id == "TA-8-2019-0203"
    assert prepared.document.meta.source == "European Parliament, texts adopted (provisional edition)"


def test_a_date_line_that_contradicts_the_title_is_refused() -> None:
    page = doceo_page("TA-9-2021-0056", "Situation").replace(b"Thursday, 11 February", b"Thursday, 18 February")
    assert "does not match the title's date 2021-02-11" in _refused(prepare_bytes, "p.html", page, base_url=PUBLIC)


def test_a_legislative_resolution_with_a_long_title_and_a_compound_procedure() -> None:
    subject = "the proposal for a regulation on " + "a very long subject, " * 30 + "and its annexes"
    page = doceo_page("TA-9-2024-0100", "Long one").replace(
        b"European Parliament resolution of 11 February 2021 on long one (2021/2544(RSP))",
        f"European Parliament legislative resolution of 11 February 2021 on {subject} "
        "(COM(2021)0206 \u2013 C9-0146/2021 \u2013 2021/0106(COD))".encode(),
    )
    prepared = prepare_bytes("p.html", page, base_url=PUBLIC)
    meta = prepared.document.meta
    assert meta.reference == "2021/0106(COD)"
    assert meta.title is not None and len(meta.title) <= 500 and meta.title.endswith("…")
    assert "(COM(2021)0206" in _body(prepared).split("\n\n")[0]  # the text keeps the title line whole
    assert any("title shortened" in n for n in prepared.notes)


def test_a_front_end_can_refuse_local_paths(tmp_path: Path, fetcher: Fetcher) -> None:
    path = tmp_path / "secret.html"
    path.write_text("<p>x</p>", encoding="utf-8")
    message = _refused(prepare, str(path), fetcher=fetcher, base_url=PUBLIC, allow_files=False)
    assert "not a text number" in message


@pytest.mark.parametrize(
    ("dateline", "adopted"),
    [
        ("2014/2832(RSP) - 18/09/2014  ", dt.date(2014, 9, 18)),  # the old popup layout
        ("2014/2832(RSP) - 18/09/2014 - Text adopted by Parliament, single reading", dt.date(2014, 9, 18)),
        ("2014/2832(RSP) - 17/09/2014 - Debate in Parliament", None),  # a debate's date is no adoption date
    ],
)
def test_an_oeil_dateline_gives_the_adoption_date_only_when_it_says_so(dateline: str, adopted: dt.date | None) -> None:
    page = (
        "<p>Resolution on the persecution of human rights defenders in Azerbaijan  </p>"
        f"<p>{dateline}</p>"
        "<p>The European Parliament adopted a resolution on the persecution of human rights defenders.</p>"
        "<p>It reiterated its call on the government to release all political prisoners without delay.</p>"
    ).encode()
    prepared = prepare_bytes("summary.html", page, base_url=PUBLIC)
    assert prepared.document.meta.kind is Kind.summary
    assert prepared.document.meta.adopted == adopted
    assert prepared.document.meta.reference == "2014/2832(RSP)"


def test_a_text_copy_of_the_journal_with_cell_bars(tmp_path: Path) -> None:
    path = tmp_path / "oj.txt"
    path.write_text(
        "9.2.2018 |\nEN |\nOfficial Journal of the European Union |\nC 50/38 |\nP8_TA(2016)0083\n"
        "Freedom of expression in Kazakhstan\n"
        "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan (2016/2607(RSP))\n"
        "(2018/C 050/05)\nThe European Parliament,\n"
        "— |\nhaving regard to its previous resolutions on Kazakhstan, |\n"
        "— |\nhaving regard to the annual human rights dialogue held in Astana, |\n"
        "A. |\nwhereas several bloggers were convicted for what they posted online; |\n"
        "1. |\nStresses its concern about the climate for media and free speech; |\n",
        encoding="utf-8",
    )
    prepared = prepare_file(path, base_url=PUBLIC)
    units = _body(prepared).strip().split("\n\n")
    assert units == [
        "European Parliament resolution of 10 March 2016 on freedom of expression in Kazakhstan (2016/2607(RSP))",
        "The European Parliament,",
        "— having regard to its previous resolutions on Kazakhstan,",
        "— having regard to the annual human rights dialogue held in Astana,",
        "A. whereas several bloggers were convicted for what they posted online;",
        "1. Stresses its concern about the climate for media and free speech;",
    ]
    meta = prepared.document.meta
    assert (meta.reference, meta.source) == ("2016/2607(RSP)", "Official Journal of the European Union, C 50/38")
    assert prepared.text_id == "TA-8-2016-0083"


def test_the_text_number_is_written_into_the_front_matter(server: StandIn, fetcher: Fetcher) -> None:
    server.doceo("TA-9-2021-0056", Route.fixture("TA-9-2021-0056_EN.html"))
    prepared = prepare("TA-9-2021-0056", fetcher=fetcher, base_url=server.url)
    front = prepared.data.decode().split("---")[1]
    assert "\ntext_id: TA-9-2021-0056\n" in front
    assert prepared.document.meta.text_id == "TA-9-2021-0056"


def test_an_imported_file_is_readable_by_any_user_whatever_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o077)  # an admin's strict umask: mkstemp alone would leave 0600
    try:
        written = write(prepare_file(IMPORT_FIXTURES / "TA-9-2021-0056_EN.html", base_url=PUBLIC),
                        CorpusIndex.load(tmp_path))
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.path.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("dateline", "adopted"),
    [
        ("<p>2014/2832(RSP)</p><p>18/09/2014</p>", dt.date(2014, 9, 18)),  # reference and date on two lines
        ("<p>2014/2832(RSP)</p><p>17/09/2014 - Debate in Parliament</p>", None),
        ("<p>2014/2832(RSP) 18/09/2014</p>", dt.date(2014, 9, 18)),  # today's document-summary page
    ],
)
def test_an_oeil_dateline_in_every_layout(dateline: str, adopted: dt.date | None) -> None:
    page = (
        "<h1>Resolution on the persecution of human rights defenders in Azerbaijan</h1>"
        f"{dateline}"
        "<p>The European Parliament adopted a resolution on the persecution of human rights defenders.</p>"
        "<p>It reiterated its call on the government to release all political prisoners without delay.</p>"
    ).encode()
    prepared = prepare_bytes("summary.html", page, base_url=PUBLIC)
    assert (prepared.document.meta.reference, prepared.document.meta.adopted) == ("2014/2832(RSP)", adopted)
    assert [p.text[:30] for p in prepared.document.passages] == [
        "The European Parliament adopte", "It reiterated its call on the "]


def test_a_debate_label_under_a_summary_keeps_its_date_from_being_taken() -> None:
    page = (
        b"<h1>Resolution on the persecution of human rights defenders in Azerbaijan</h1>"
        b"<p>2014/2832(RSP) 17/09/2014</p>"
        b"<p>The European Parliament adopted a resolution on the persecution of human rights defenders.</p>"
        b"<ul><li>Debate in Parliament</li></ul>"
    )
    prepared = prepare_bytes("summary.html", page, base_url=PUBLIC)
    assert prepared.document.meta.adopted is None
    assert not any("Debate in Parliament" in p.text for p in prepared.document.passages)


def test_a_waiting_import_is_charged_what_it_holds_not_its_file_size() -> None:
    import tracemalloc

    raw = doceo_page("TA-9-2021-0056", "Human rights in Kazakhstan", paragraphs=400)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        prepared = prepare_bytes("TA-9-2021-0056_EN.html", raw, base_url=PUBLIC)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # What the preview keeps is the file and its parsed passages: well over the file's bytes.
    assert prepared.held_bytes > 2 * len(prepared.data)
    assert held / 2 < prepared.held_bytes < held * 2, (held, prepared.held_bytes)


@pytest.mark.parametrize("source", ["TA-9-2021-56", "ta-9-2021-0056x", "P9_TA(2021)56", "TA-"])
def test_a_mistyped_text_number_is_called_so(source: str, fetcher: Fetcher) -> None:
    assert _refused(prepare, source, fetcher=fetcher, base_url=PUBLIC) == (
        f"{source}: not a text number: write it like TA-9-2021-0056 or P9_TA(2021)0056")

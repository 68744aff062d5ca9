"""A year of texts adopted: the Open Data API listing, paging, matching, skipping what is present."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.corpus.fetch import Fetcher, FetchError
from bot.corpus.importer import CorpusIndex
from bot.corpus.opendata import Listed, OpenDataError, list_year, title_matches
from bot.corpus.yearly import import_year
from tests.standin_ep import Route, StandIn, doceo_page

LISTING = "/api/v2/adopted-texts"


def listing_item(text_id: str, title: str | None = None, date: str = "2021-02-11") -> dict[str, object]:
    """An item as the v2 list gives it (JSON-LD Work); ``title`` None gives the minimal feed shape."""
    term, year, number = text_id.split("-")[1:]
    item: dict[str, object] = {
        "id": f"eli/dl/doc/{text_id}",
        "type": "Work",
        "work_type": "def/ep-document-types/TEXT_ADOPTED",
        "identifier": text_id,
        "label": f"T{term}-{number}/{year}",
    }
    if title is not None:
        item["title_dcterms"] = {"en": title}
        item["document_date"] = date
    return item


def serve_listing(
    server: StandIn, items: list[dict[str, object]], *, end_with_204: bool = False, end_with_404: bool = False
) -> None:
    """Pages of the list by offset and limit, as the API serves them, with its JSON-LD context."""

    def page(query: dict[str, list[str]]) -> Route:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        chunk = items[offset : offset + limit]
        if not chunk and end_with_204:
            return Route(204, content_type=None)
        if not chunk and end_with_404:
            return Route(404, b'{"error": "no data"}', content_type="application/json")
        return Route.json({
            "data": chunk,
            "@context": [{"data": "@graph", "@base": "https://data.europarl.europa.eu/"},
                         "https://data.europarl.europa.eu/api/v2/context.jsonld"],
        })

    server.routes[LISTING] = page


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(requests_per_second=1000.0, timeout=2.0, retries=1, backoff=0.01) as client:
        yield client


def test_the_listing_pages_through_the_year(server: StandIn, fetcher: Fetcher) -> None:
    items = [listing_item(f"TA-9-2021-{n:04d}", f"Text {n}") for n in range(1, 121)]
    serve_listing(server, items)
    listed = list(list_year(fetcher, server.url + "api/v2/", 2021))
    assert [x.text_id for x in listed] == [f"TA-9-2021-{n:04d}" for n in range(1, 121)]
    assert listed[0] == Listed("TA-9-2021-0001", "Text 1", dt.date(2021, 2, 11))
    offsets = [r.query["offset"][0] for r in server.requests]
    assert offsets == ["0", "50", "100"]  # the third page is short: the end
    first = server.requests[0].query
    assert first["year"] == ["2021"] and first["work-type"] == ["TEXT_ADOPTED"]
    assert first["format"] == ["application/ld+json"]


def test_the_listing_ends_on_204_and_takes_minimal_items(server: StandIn, fetcher: Fetcher) -> None:
    serve_listing(server, [listing_item(f"TA-9-2021-{n:04d}") for n in range(1, 51)], end_with_204=True)
    listed = list(list_year(fetcher, server.url + "api/v2", 2021))
    assert len(listed) == 50 and listed[0].title is None and listed[0].adopted is None


def test_a_404_after_the_first_page_ends_the_listing(server: StandIn, fetcher: Fetcher) -> None:
    serve_listing(server, [listing_item(f"TA-9-2021-{n:04d}", f"Text {n}") for n in range(1, 101)], end_with_404=True)
    listed = list(list_year(fetcher, server.url + "api/v2/", 2021))
    assert len(listed) == 100 and [r.query["offset"][0] for r in server.requests] == ["0", "50", "100"]
    serve_listing(server, [], end_with_404=True)  # a 404 at once is a wrong address, not an empty year
    with pytest.raises(FetchError, match="HTTP 404"):
        list(list_year(fetcher, server.url + "api/v2/", 2021))


def test_an_item_shifted_onto_the_next_page_is_listed_once(server: StandIn, fetcher: Fetcher) -> None:
    first = [listing_item(f"TA-9-2021-{n:04d}", f"Text {n}") for n in range(1, 51)]
    second = [first[-1], *(listing_item(f"TA-9-2021-{n:04d}", f"Text {n}") for n in range(51, 60))]
    server.routes[LISTING] = lambda query: Route.json({"data": first if query["offset"] == ["0"] else second})
    listed = [x.text_id for x in list_year(fetcher, server.url + "api/v2/", 2021)]
    assert listed == [f"TA-9-2021-{n:04d}" for n in range(1, 60)]


def test_a_minimal_item_takes_its_title_from_its_expressions(server: StandIn, fetcher: Fetcher) -> None:
    item = {**listing_item("TA-9-2021-0056"), "is_realized_by": [
        {"id": "eli/dl/doc/TA-9-2021-0056/fra", "title": {"fr": "La situation au Myanmar"}},
        {"id": "eli/dl/doc/TA-9-2021-0056/eng", "title": {"en": "The situation in Myanmar"}},
    ]}
    serve_listing(server, [item])
    (listed,) = list_year(fetcher, server.url + "api/v2/", 2021)
    assert listed.title == "The situation in Myanmar"


def test_the_listing_skips_budget_drafts_and_stops_on_a_server_ignoring_offset(
    server: StandIn, fetcher: Fetcher
) -> None:
    draft = {**listing_item("TA-9-2021-0001"), "work_type": "def/ep-document-types/BUDGET_EP_DRAFT"}
    same_page = [draft, *(listing_item(f"TA-9-2021-{n:04d}") for n in range(2, 51))]
    server.routes[LISTING] = lambda query: Route.json({"data": same_page})
    listed = list(list_year(fetcher, server.url + "api/v2/", 2021))
    assert len(listed) == 49 and len(server.requests) == 2


def test_a_broken_listing_is_an_error(server: StandIn, fetcher: Fetcher) -> None:
    server.routes[LISTING] = Route(body=b"{not json", content_type="application/ld+json")
    with pytest.raises(OpenDataError, match="broken JSON"):
        list(list_year(fetcher, server.url + "api/v2/", 2021))
    server.routes[LISTING] = Route(500)
    with pytest.raises(FetchError, match="HTTP 500"):
        list(list_year(fetcher, server.url + "api/v2/", 2021))


def test_title_matching_needs_every_word() -> None:
    assert title_matches("Human rights situation in Kazakhstan", "kazakhstan rights")
    assert not title_matches("Human rights situation in Kazakhstan", "kazakhstan belarus")
    assert title_matches(None, None) and not title_matches(None, "belarus")


@pytest.mark.parametrize(
    ("title", "words", "kept"),
    [
        ("Software industry and jobs", "war", False),
        ("Russia's war of aggression against Ukraine", "war", True),
        ("Post-war reconstruction of Ukraine", "WAR ukraine", True),
        ("Sanctions against Belarusian officials", "belarus", False),
        ("Women\u2019s rights in Afghanistan", "women's", True),
        ("EU\u2013China relations", "eu-china", True),
        ("EU-China\u00a0relations", "china relations", True),
    ],
)
def test_title_matching_is_by_whole_words_with_typography_folded(title: str, words: str, kept: bool) -> None:
    assert title_matches(title, words) is kept


def test_a_year_matching_war_leaves_software_out(server: StandIn, fetcher: Fetcher, tmp_path: Path) -> None:
    titles = {1: "Software industry and jobs", 2: "Russia\u2019s war against Ukraine"}
    serve_listing(server, [listing_item(f"TA-9-2021-{n:04d}", t) for n, t in titles.items()])
    for n, title in titles.items():
        server.doceo(f"TA-9-2021-{n:04d}", Route(body=doceo_page(f"TA-9-2021-{n:04d}", title,
                                                                 reference=f"2021/{2500 + n}(RSP)")))
    run = import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                      corpus=CorpusIndex.load(tmp_path / "corpus"), match="war", dry_run=True)
    assert {item.listed.text_id: item.status for item in run} == {
        "TA-9-2021-0001": "unmatched", "TA-9-2021-0002": "imported"}


def test_deeply_nested_json_in_the_listing_is_an_error_not_a_crash(server: StandIn, fetcher: Fetcher) -> None:
    server.routes[LISTING] = Route(body=b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                                   content_type="application/ld+json")
    with pytest.raises(OpenDataError) as caught:
        list(list_year(fetcher, server.url + "api/v2/", 2021))
    listing = f"{server.url}api/v2/adopted-texts"
    assert str(caught.value) == f"the Open Data API sent JSON nested too deeply to read ({listing})"


def test_a_title_nested_deep_is_no_title(server: StandIn, fetcher: Fetcher) -> None:
    item = listing_item("TA-9-2021-0001")
    nested: object = {"en": "deep"}
    for _ in range(900):  # parses (json's limit is higher up), but is no title
        nested = [nested]
    item["title_dcterms"] = nested
    serve_listing(server, [item])
    assert [entry.title for entry in list_year(fetcher, server.url + "api/v2/", 2021)] == [None]


def test_a_year_imports_the_matching_texts_and_skips_what_is_present(
    server: StandIn, fetcher: Fetcher, tmp_path: Path
) -> None:
    titles = {1: "Situation in Belarus", 2: "Situation in Kazakhstan", 3: "Budget guidelines",
              4: "Human rights in Belarus"}
    serve_listing(server, [listing_item(f"TA-9-2021-{n:04d}", t) for n, t in titles.items()])
    for n, title in titles.items():
        server.doceo(f"TA-9-2021-{n:04d}", Route(body=doceo_page(f"TA-9-2021-{n:04d}", title,
                                                                 reference=f"2021/{2500 + n}(RSP)")))
    corpus_dir = tmp_path / "corpus"
    run = import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                      corpus=CorpusIndex.load(corpus_dir), match="belarus")
    outcome = {item.listed.text_id: item.status for item in run}
    assert outcome == {"TA-9-2021-0001": "imported", "TA-9-2021-0002": "unmatched",
                       "TA-9-2021-0003": "unmatched", "TA-9-2021-0004": "imported"}
    fetched = [r.path for r in server.requests if r.path.startswith("/doceo/")]
    assert fetched == ["/doceo/document/TA-9-2021-0001_EN.html", "/doceo/document/TA-9-2021-0004_EN.html"]

    again = import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                        corpus=CorpusIndex.load(corpus_dir))
    statuses = [(item.listed.text_id, item.status) for item in again]
    assert statuses == [("TA-9-2021-0001", "present"), ("TA-9-2021-0002", "imported"),
                        ("TA-9-2021-0003", "imported"), ("TA-9-2021-0004", "present")]
    assert len([p for p in corpus_dir.iterdir() if p.suffix == ".md"]) == 4


def test_a_year_with_minimal_items_matches_on_the_page_title(
    server: StandIn, fetcher: Fetcher, tmp_path: Path
) -> None:
    serve_listing(server, [listing_item("TA-9-2021-0001"), listing_item("TA-9-2021-0002")])
    server.doceo("TA-9-2021-0001", Route(body=doceo_page("TA-9-2021-0001", "Situation in Belarus")))
    server.doceo("TA-9-2021-0002", Route(503, headers={"Retry-After": "0"}))
    corpus_dir = tmp_path / "corpus"
    run = list(import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                           corpus=CorpusIndex.load(corpus_dir), match="belarus"))
    assert [(i.status, i.title) for i in run][0] == ("imported", "European Parliament resolution of 11 February "
                                                                 "2021 on situation in belarus")
    assert run[1].status == "failed" and "HTTP 503" in (run[1].reason or "")


def test_a_text_present_but_not_matching_is_counted_as_not_matching(
    server: StandIn, fetcher: Fetcher, tmp_path: Path
) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "2021-02-11_2021-2501_TA-9-2021-0001.md").write_text(
        "---\ntitle: Software\nkind: text_adopted\n---\nParliament calls for better software for all.\n")
    serve_listing(server, [listing_item("TA-9-2021-0001", "Software industry and jobs")])
    run = import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                      corpus=CorpusIndex.load(corpus_dir), match="war", dry_run=True)
    assert [item.status for item in run] == ["unmatched"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_text_held_under_another_name_is_present_not_refused(
    server: StandIn, fetcher: Fetcher, tmp_path: Path, dry_run: bool
) -> None:
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "belarus.md").write_text(
        "---\ntitle: Situation in Belarus\nreference: 2021/2501(RSP)\nadopted: 2021-02-11\nkind: text_adopted\n---\n"
        "Calls on the authorities to take measure number 1 without delay;\n")
    serve_listing(server, [listing_item("TA-9-2021-0001", "Situation in Belarus")])
    server.doceo("TA-9-2021-0001", Route(body=doceo_page("TA-9-2021-0001", "Situation in Belarus",
                                                         reference="2021/2501(RSP)")))
    run = list(import_year(2021, fetcher=fetcher, open_data_url=server.url + "api/v2/", base_url=server.url,
                           corpus=CorpusIndex.load(corpus_dir), dry_run=dry_run))
    assert [(item.status, item.file) for item in run] == [("present", "belarus.md")]
    assert sorted(p.name for p in corpus_dir.iterdir()) == ["belarus.md"]

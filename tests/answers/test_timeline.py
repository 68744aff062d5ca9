"""The timeline, and grouped answers: one header per resolution, shared wording once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.answers.answer import notes
from bot.answers.grouping import group_hits
from bot.answers.service import BadQuestion, Service
from bot.cli import run_cli
from bot.telegram.render import Page
from tests.conftest import CORPUS

RESOLUTION = (
    "put an end to all forms of political repression and release the jailed labour union leaders;"
)


def _corpus(tmp_path: Path) -> Path:
    """One resolution in its own words and in a news report quoting it, plus an older one."""
    (tmp_path / "a-text.md").write_text(
        "---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\nkind: text_adopted\n"
        "source: European Parliament\n---\n"
        f"The Parliament calls on the authorities to:\n\n- {RESOLUTION}\n",
        encoding="utf-8",
    )
    (tmp_path / "b-news.md").write_text(
        "---\nreference: 2019/2610(RSP)\nadopted: 2019-03-14\nkind: news_report\n"
        "source: Daily Example\n---\n"
        f"Parliament urged Astana to “{RESOLUTION}” and the labour union leaders cheered loudly.\n",
        encoding="utf-8",
    )
    (tmp_path / "c-older.md").write_text(
        "---\nreference: 2012/2001(RSP)\nadopted: 2012-05-10\nkind: summary\nsource: OEIL\n---\n"
        "Members asked for the labour union leaders detained in Zhanaozen to be freed at once.\n",
        encoding="utf-8",
    )
    return tmp_path


def test_timeline_is_oldest_first_with_one_line_per_resolution(service: Service) -> None:
    timeline = service.timeline("release of political prisoners")
    assert [e.reference for e in timeline.entries] == ["2016/2607(RSP)", "2019/2610(RSP)"]
    assert [e.adopted for e in timeline.entries] == [dt.date(2016, 3, 10), dt.date(2019, 3, 14)]
    assert "Vladimir Kozlov" in timeline.entries[0].hit.passage.text


def test_timeline_prefers_the_resolutions_own_words(tmp_path: Path) -> None:
    timeline = Service(_corpus(tmp_path)).timeline("labour union leaders")
    assert [e.reference for e in timeline.entries] == ["2012/2001(RSP)", "2019/2610(RSP)"]
    assert timeline.entries[1].hit.document.name == "a-text.md"


def test_timeline_refuses_vague_topics_and_finds_nothing_for_absent_ones(service: Service) -> None:
    with pytest.raises(BadQuestion, match="nearly every passage"):
        service.timeline("Kazakhstan")
    assert not service.timeline("cryptocurrency").found


@pytest.mark.parametrize(
    "topic",
    ["political prisoners Uzbekistan", "политические заключённые", "political prisoners zxqvw", "Kozlov"],
)
def test_a_timeline_has_the_notes_of_an_answer_to_the_same_words(service: Service, topic: str) -> None:
    timeline, answer = service.timeline(topic), service.ask(topic)
    assert (timeline.unmatched_terms, timeline.language_note) == (answer.unmatched_terms, answer.language_note)
    assert notes(timeline) == notes(answer)


def test_a_timeline_names_the_words_the_corpus_lacks(service: Service) -> None:
    assert notes(service.timeline("political prisoners Uzbekistan")) == ["Nothing in the corpus mentions: Uzbekistan"]
    assert [e.reference for e in service.timeline("political prisoners zxqvw").entries] == [
        "2016/2607(RSP)", "2019/2610(RSP)"
    ]


def test_timeline_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert run_cli(["timeline", "political prisoners", "--corpus", str(CORPUS)], out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("2016-03-10 · 2016/2607(RSP) · “")
    assert lines[1].startswith("2019-03-14 · 2019/2610(RSP) · “")
    assert "[news report's wording, not the resolution's text]" in lines[1]
    out = io.StringIO()
    assert run_cli(["timeline", "political prisoners", "--json", "--corpus", str(CORPUS)], out) == 0
    data = json.loads(out.getvalue())
    assert [e["adopted"] for e in data["entries"]] == ["2016-03-10", "2019-03-14"]
    assert data["entries"][0]["hit"]["position"]["paragraph"] == 8
    assert run_cli(["timeline", "cryptocurrency", "--corpus", str(CORPUS)], io.StringIO()) == 1
    assert run_cli(["timeline", "Kazakhstan", "--corpus", str(CORPUS)], io.StringIO()) == 2
    assert "nearly every passage" in capsys.readouterr().err


def test_hits_of_one_resolution_share_a_header(service: Service) -> None:
    groups = group_hits(service.ask("political prisoners", top=5).hits)
    assert [g.reference for g in groups] == ["2019/2610(RSP)", "2016/2607(RSP)"]
    assert groups[0].header()[1] == "2019/2610(RSP) · adopted 2019-03-14 · news report, Times of Central Asia"
    ranks = [w.rank for g in groups for w in g.wordings]
    assert sorted(ranks) == list(range(1, len(ranks) + 1))


def test_shared_wording_is_shown_once_with_each_source(tmp_path: Path) -> None:
    hits = Service(_corpus(tmp_path)).ask("political repression labour union leaders").hits
    groups = group_hits(hits)
    quoted = next(g for g in groups if g.reference == "2019/2610(RSP)")
    assert len(quoted.wordings) == 1
    wording = quoted.wordings[0]
    assert wording.text == RESOLUTION
    assert {d.name for d in wording.documents} == {"a-text.md", "b-news.md"}
    assert wording.wording_note is None  # the text adopted carries these words
    out = io.StringIO()
    assert run_cli(["ask", "political repression labour union leaders", "--corpus", str(tmp_path)], out) == 0
    text = out.getvalue()
    assert text.count(RESOLUTION) == 1
    assert "paragraph 2, item 1 of a-text.md (text adopted, European Parliament)" in text
    assert "paragraph 1 of b-news.md (news report, Daily Example)" in text


def test_an_incomplete_timeline_says_other_resolutions_may_use_the_phrase(service: Service) -> None:
    from bot.telegram.render_timeline import render_timeline

    timeline = service.timeline("political prisoners")
    complete = _text(render_timeline(timeline))
    assert "Only the best-ranked passages" not in complete
    partial = _text(render_timeline(dataclasses.replace(timeline, complete=False)))
    assert "Only the best-ranked passages holding the phrase were checked" in partial


def _text(page: Page | None) -> str:
    assert page is not None
    return page.text


# Pages -------------------------------------------------------------------------------


OTHER = (
    "The fisheries budget of the coastal regions grows again this year, as the Commission asked.\n\n"
    "Railway safety needs more inspectors at every border crossing and in every depot.\n\n"
    "Farmers in the southern regions receive drought aid for the third season in a row.\n\n"
    "Vaccines reach rural clinics faster when the roads to them are kept open in winter.\n"
)


def _many(directory: Path, count: int) -> Path:
    """``count`` resolutions on press freedom, one a year from 1990, written newest first,
    plus one whose adoption date is unknown; each also speaks of other things, so that
    the topic is not in nearly every passage."""
    for n in reversed(range(count)):
        (directory / f"r{n:02d}.md").write_text(
            f"---\ntitle: Resolution number {n} of the Parliament\nreference: {1990 + n}/{n + 2000}(RSP)\n"
            f"adopted: {1990 + n}-06-01\nkind: text_adopted\nsource: European Parliament\n---\n"
            f"Parliament defends press freedom and journalists, resolution {n}.\n\n{OTHER}",
            encoding="utf-8",
        )
    (directory / "undated.md").write_text(
        "---\ntitle: An undated resolution\nkind: text_adopted\n---\n"
        f"Parliament defends press freedom and journalists, undated.\n\n{OTHER}",
        encoding="utf-8",
    )
    return directory


def test_timeline_pages_are_slices_of_the_whole_with_the_total(tmp_path: Path) -> None:
    service = Service(_many(tmp_path, 24))
    whole = service.timeline("press freedom")
    assert whole.count == 25 and len(whole.entries) == 25
    assert whole.entries[0].adopted == dt.date(1990, 6, 1) and whole.entries[-1].adopted is None
    pages = [service.timeline("press freedom", offset, 10) for offset in (0, 10, 20)]
    assert [len(p.entries) for p in pages] == [10, 10, 5]
    assert all(p.count == 25 for p in pages)
    assert [e for p in pages for e in p.entries] == list(whole.entries)
    past = service.timeline("press freedom", 25, 10)
    assert past.entries == () and past.count == 25 and past.found
    assert not service.timeline("cryptocurrency", 0, 10).found
    assert whole.as_json()["entries"] == [e.as_json() for e in whole.entries]


def test_a_timeline_page_says_which_resolutions_of_how_many(tmp_path: Path) -> None:
    from bot.telegram.render_timeline import render_timeline

    service = Service(_many(tmp_path, 24))
    first = render_timeline(service.timeline("press freedom", 0, 10))
    assert first is not None and first.next_offset == 10
    assert first.text.startswith("<b>Timeline</b> of “press freedom”: 1–10 of 25 resolutions, oldest first\n\n")
    assert first.text.index("<b>1990-06-01</b>") < first.text.index("<b>1999-06-01</b>")
    last = render_timeline(service.timeline("press freedom", 20, 10))
    assert last is not None and last.next_offset is None
    assert "21–25 of 25 resolutions" in last.text
    assert last.text.rstrip().endswith("paragraph 1 of undated.md — text adopted, source unknown")
    assert "<b>adoption date unknown</b> · reference unknown" in last.text
    single = render_timeline(service.timeline("press freedom", 24, 10))
    assert single is not None and "25 of 25 resolutions" in single.text
    assert render_timeline(service.timeline("press freedom", 25, 10)) is None  # past the end
    whole = render_timeline(service.timeline("press freedom year:1990"))
    assert whole is not None and whole.next_offset is None
    assert "“press freedom year:1990”: 1 resolution\n" in whole.text


def test_a_page_that_does_not_fit_one_message_stops_early_and_goes_on_from_there(tmp_path: Path) -> None:
    from bot.telegram.render import MAX_MESSAGE, visible_length
    from bot.telegram.render_timeline import render_timeline

    for n in range(12):
        (tmp_path / f"r{n:02d}.md").write_text(
            f"---\ntitle: {'A very long title ' * 27}\nreference: {2000 + n}/{n + 1000}(RSP)\n"
            f"adopted: {2000 + n}-01-01\n---\n"
            f"Parliament defends press freedom. {'More words about the matter. ' * 20}\n\n{OTHER}",
            encoding="utf-8",
        )
    page = render_timeline(Service(tmp_path).timeline("press freedom", 0, 10))
    assert page is not None and page.next_offset is not None and page.next_offset < 10
    assert visible_length(page.text) <= MAX_MESSAGE
    assert f"1–{page.next_offset} of 12 resolutions" in page.text


def test_a_reload_orders_the_timeline_by_the_new_dates(tmp_path: Path) -> None:
    service = Service(_many(tmp_path, 3))
    assert [e.reference for e in service.timeline("press freedom", 0, 2).entries] == [
        "1990/2000(RSP)", "1991/2001(RSP)",
    ]
    oldest = tmp_path / "r00.md"
    oldest.write_text(oldest.read_text(encoding="utf-8").replace("1990-06-01", "2030-06-01"), encoding="utf-8")
    service.reload()
    page = service.timeline("press freedom", 0, 3)
    assert [e.reference for e in page.entries] == ["1991/2001(RSP)", "1992/2002(RSP)", "1990/2000(RSP)"]
    assert page.count == 4  # the undated one is on the next page

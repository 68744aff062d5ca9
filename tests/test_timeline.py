"""The timeline, and grouped answers: one header per resolution, shared wording once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.grouping import group_hits
from bot.render import Page
from bot.service import BadQuestion, Service
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
    from bot.render_timeline import render_timeline

    timeline = service.timeline("political prisoners")
    complete = _text(render_timeline(timeline))
    assert "Only the best-ranked passages" not in complete
    partial = _text(render_timeline(dataclasses.replace(timeline, complete=False)))
    assert "Only the best-ranked passages holding the phrase were checked" in partial


def _text(page: Page | None) -> str:
    assert page is not None
    return page.text

"""``python -m bot sync``: new texts imported, nothing twice, --since, --dry-run, --json, and a failed sync resumed."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import run_cli
from bot.corpus.importer import CorpusIndex
from bot.corpus.load import load_corpus
from bot.corpus.sync import MARGIN, SyncInterrupted, SyncSource, read_state, run_sync
from bot.corpus.yearly import YearItem
from tests.standin_ep import Parliament, Route, StandIn

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def ep(monkeypatch: pytest.MonkeyPatch) -> Iterator[Parliament]:
    with StandIn() as stand_in:
        monkeypatch.setenv("EP_BASE_URL", stand_in.url)
        monkeypatch.setenv("EP_OPEN_DATA_URL", stand_in.url + "api/v2/")
        monkeypatch.setenv("EP_REQUESTS_PER_SECOND", "100")
        yield Parliament(stand_in)


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return run_cli(list(argv), out), out.getvalue()


def _md(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.md"))


def _adopt(ep: Parliament, number: int, day: dt.date, title: str | None = None) -> str:
    text_id = f"TA-10-{day.year}-{number:04d}"
    ep.adopt(text_id, title or f"Situation number {number}", day)
    return text_id


def test_sync_imports_the_new_texts_and_a_second_run_imports_nothing(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    days = [dt.date(TODAY.year - 1, 3, 12), TODAY, TODAY]
    for number, day in enumerate(days, start=1):
        _adopt(ep, number, day)
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0, out
    assert len(_md(corpus)) == 3
    since = dt.date(TODAY.year - 1, 1, 1)
    assert out.splitlines()[-1] == (
        f"sync {since} to {TODAY} (no dated text in the corpus: this year and last): imported 3, "
        f"skipped 0 already present, 0 adopted before {since}, 0 refused"
    )
    assert sum(line.startswith(f"wrote {corpus}/") for line in out.splitlines()) == 3
    state = read_state(corpus)
    assert state is not None and state.outcome == "complete" and state.imported == 3

    # The window now starts at the newest text minus the margin: the old one is not fetched again.
    ep.server.requests.clear()
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0
    since = TODAY - MARGIN
    assert f"sync {since} to {TODAY} (the newest text in the corpus, {TODAY}, minus 14 days): imported 0" in out
    assert "skipped 2 already present" in out  # last year's text is not even listed unless since reaches it
    assert not [r for r in ep.server.requests if r.path.startswith("/doceo/")]
    assert len(_md(corpus)) == 3

    # A text adopted since is taken, alone.
    new = _adopt(ep, 4, TODAY, "Situation in Examplestan")
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0 and "imported 1, skipped 2 already present" in out
    assert [r.path for r in ep.server.requests if r.path.startswith("/doceo/")] == [f"/doceo/document/{new}_EN.html"]
    code, answer = _run("ask", "measure number 1", "--top", "10", "--corpus", str(corpus))
    assert code == 0 and new in answer


def test_the_state_file_is_no_corpus_file(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _adopt(ep, 1, TODAY)
    assert _run("sync", "--corpus", str(corpus))[0] == 0
    assert (corpus / ".sync.json").is_file()
    loaded = load_corpus(corpus, cache=False)
    assert [d.name for d in loaded.documents] == _md(corpus) and loaded.problems == ()
    code, out = _run("check-corpus", str(corpus))
    assert code == 0 and ".sync" not in out and "0 errors, 0 warnings" in out


def test_since_leaves_older_texts_out_without_fetching_them(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    old = _adopt(ep, 1, dt.date(TODAY.year - 1, 5, 4))
    new = _adopt(ep, 2, dt.date(TODAY.year - 1, 6, 20))
    code, out = _run("sync", "--since", f"{TODAY.year - 1}-06-01", "--corpus", str(corpus))
    assert code == 0
    assert "(asked for): imported 1, skipped 0 already present, 1 adopted before" in out
    fetched = [r.path for r in ep.server.requests if r.path.startswith("/doceo/")]
    assert fetched == [f"/doceo/document/{new}_EN.html"] and old not in "".join(_md(corpus))
    years = sorted({r.query["year"][0] for r in ep.server.requests if r.path == "/api/v2/adopted-texts"})
    assert years == [str(TODAY.year - 1), str(TODAY.year)]


def test_an_undated_listing_is_filtered_on_the_page_date(ep: Parliament, tmp_path: Path) -> None:
    ep.dated = False  # the minimal feed: no date, no title
    corpus = tmp_path / "corpus"
    _adopt(ep, 1, dt.date(TODAY.year - 1, 5, 4))
    new = _adopt(ep, 2, dt.date(TODAY.year - 1, 6, 20))
    code, out = _run("sync", "--since", f"{TODAY.year - 1}-06-01", "--corpus", str(corpus))
    assert code == 0 and "imported 1, skipped 0 already present, 1 adopted before" in out
    assert [new in name for name in _md(corpus)] == [True]


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2999-01-01", "1900-01-01"])
def test_a_bad_since_is_a_usage_error(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        _run("sync", "--since", value, "--corpus", str(tmp_path))
    assert stopped.value.code == 2
    assert "--since" in capsys.readouterr().err


def test_dry_run_lists_what_would_be_imported_and_writes_nothing(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    first = _adopt(ep, 1, TODAY)
    code, out = _run("sync", "--dry-run", "--corpus", str(corpus))
    assert code == 0
    assert out.splitlines()[0].startswith(f"would write {corpus}/") and first in out.splitlines()[0]
    assert "would import 1," in out
    assert not corpus.exists()  # not even the state file

    (corpus).mkdir()
    assert _run("sync", "--corpus", str(corpus))[0] == 0
    state = (corpus / ".sync.json").read_bytes()
    _adopt(ep, 2, TODAY)
    code, out = _run("sync", "--dry-run", "--corpus", str(corpus))
    assert code == 0 and "would import 1, skipped 1 already present" in out
    assert len(_md(corpus)) == 1 and (corpus / ".sync.json").read_bytes() == state


def test_json_is_the_report(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good = _adopt(ep, 1, TODAY)
    bad = f"TA-10-{TODAY.year}-0002"
    ep.adopt(bad, "Broken", TODAY, route=Route.fixture("news.html"))
    code, out = _run("sync", "--json", "--corpus", str(corpus))
    data = json.loads(out)
    assert code == 1  # one text refused
    assert set(data) == {"since", "until", "since_why", "dry_run", "imported", "refused", "present", "older",
                         "listing_error", "interrupted", "outcome"}
    assert data["outcome"] == "complete" and data["dry_run"] is False and data["until"] == TODAY.isoformat()
    [imported] = data["imported"]
    assert set(imported) == {"file", "title", "reference", "adopted", "text_id", "passages"}
    assert imported["text_id"] == good and imported["adopted"] == TODAY.isoformat() and imported["passages"] == 5
    assert data["refused"] == [{"text_id": bad, "reason": "not a resolution: no title line such as "
                                "'European Parliament resolution of <date> on ...' (English pages only)"}]


def test_a_sync_failing_mid_way_leaves_whole_files_and_the_next_run_resumes(
    ep: Parliament, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    day = dt.date(TODAY.year - 1, 9, 1)
    for number in range(1, 121):  # three pages of 50
        _adopt(ep, number, day)
    # The server fails on the listing's third page, and cuts one text short.
    ep.fail_listing_from = 100
    ep.server.doceo(f"TA-10-{day.year}-0007", Route(body=b"<html><body>Texts adopted", declared=50_000))
    code, out = _run("sync", "--corpus", str(corpus))
    err = capsys.readouterr().err
    assert code == 1
    assert "refused the listing: the listing of" in err and "failed after 100 texts" in err
    assert f"refused TA-10-{day.year}-0007: " in err
    assert "imported 99, skipped 0 already present" in out and "run sync again to resume" in out
    names = [p.name for p in corpus.iterdir()]
    assert not [n for n in names if n.endswith(".tmp")]  # no half file
    assert len(_md(corpus)) == 99 and load_corpus(corpus, cache=False).problems == ()
    state = read_state(corpus)
    assert state is not None and state.outcome == "incomplete"

    # The server is well again: the same window is taken up where it stopped.
    ep.fail_listing_from = None
    ep.adopt(f"TA-10-{day.year}-0007", "Situation number 7", day)
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0, capsys.readouterr().err
    assert "(the last sync (incomplete) started there): imported 21, skipped 99 already present" in out
    assert len(_md(corpus)) == 120
    state = read_state(corpus)
    assert state is not None and state.outcome == "complete"


def test_a_broken_state_file_is_ignored(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / ".sync.json").write_text("{not json")
    _adopt(ep, 1, TODAY)
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0 and "no dated text in the corpus" in out
    assert read_state(corpus) is not None


def test_ctrl_c_keeps_whole_files_and_the_next_sync_resumes(ep: Parliament, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for number in range(1, 6):
        _adopt(ep, number, TODAY)
    seen: list[YearItem] = []

    def stop_after_two(item: YearItem) -> None:
        seen.append(item)
        if len(seen) == 2:
            raise KeyboardInterrupt

    source = SyncSource(ep.server.url + "api/v2/", ep.server.url, requests_per_second=100, timeout=2)
    with pytest.raises(SyncInterrupted) as caught:
        run_sync(CorpusIndex.load(corpus), source, on_item=stop_after_two)
    assert len(caught.value.report.imported) == 2 and caught.value.report.outcome == "interrupted"
    assert len(_md(corpus)) == 2 and not [p for p in corpus.iterdir() if p.suffix == ".tmp"]
    state = read_state(corpus)
    assert state is not None and state.outcome == "interrupted"
    code, out = _run("sync", "--corpus", str(corpus))
    assert code == 0
    assert "(the last sync (interrupted) started there): imported 3, skipped 2 already present" in out


def test_a_failed_listing_makes_no_empty_corpus(ep: Parliament, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ep.fail_listing_from = 0
    corpus = tmp_path / "corpus"
    code, out = _run("sync", "--corpus", str(corpus))
    err = capsys.readouterr().err
    assert code == 1 and "imported 0," in out
    assert err.splitlines() == [f"refused the listing: the listing of {TODAY.year - 1} failed after 0 texts: "
                                f"the Open Data API sent broken JSON (Unterminated string starting at: line 1 column "
                                f"18 (char 17)) ({ep.server.url}api/v2/adopted-texts)"]
    assert not corpus.exists()

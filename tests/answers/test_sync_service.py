"""The service's sync: the new texts written and served after one reload, one sync at a time, refusals told once."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answers.service import Service, SyncRunning
from bot.corpus.sync import SyncSource
from tests.conftest import CORPUS
from tests.standin_ep import Parliament, Route, StandIn

TODAY = dt.datetime.now(dt.UTC).date()
NEW, BROKEN = f"TA-10-{TODAY.year}-0101", f"TA-10-{TODAY.year}-0102"


@pytest.fixture
def ep() -> Iterator[Parliament]:
    with StandIn() as server:
        yield Parliament(server)


def _source(ep: Parliament) -> SyncSource:
    return SyncSource(ep.server.url + "api/v2/", ep.server.url, requests_per_second=100, timeout=2)


def _service(tmp_path: Path) -> Service:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus_dir)
    return Service(corpus_dir)


def test_a_sync_serves_the_new_text_and_tells_a_refusal_once(ep: Parliament, tmp_path: Path) -> None:
    service = _service(tmp_path)
    ep.adopt(NEW, "Situation in Examplestan", TODAY, paragraphs=4)
    ep.adopt(BROKEN, "Broken", TODAY, route=Route.fixture("news.html"))
    done = service.sync(_source(ep))
    [added] = done.report.imported
    assert added.text_id == NEW and done.reload is not None and done.reload.added == (added.file,)
    assert [r.text_id for r in done.new_refusals] == [BROKEN]
    assert service.ask("measure number 4 without delay").hits[0].document.name == added.file

    again = service.sync(_source(ep))
    assert again.report.imported == () and again.reload is None  # nothing written: no reload
    assert [r.text_id for r in again.report.refused] == [BROKEN] and again.new_refusals == ()


def test_two_syncs_never_run_at_once(ep: Parliament, tmp_path: Path) -> None:
    service = _service(tmp_path)
    ep.adopt(NEW, "Situation in Examplestan", TODAY, route=Route(body=b"", delay=1.5))
    first = threading.Thread(target=service.sync, args=(_source(ep),))
    first.start()
    try:
        while not any(r.path.startswith("/doceo/") for r in ep.server.requests):
            threading.Event().wait(0.02)
        assert service.syncing
        with pytest.raises(SyncRunning):
            service.sync(_source(ep))
    finally:
        first.join(10)
    assert not service.syncing

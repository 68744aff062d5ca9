"""When the first scheduled sync runs: one interval after the last one kept on disk, never at once."""

from __future__ import annotations

import datetime as dt

from bot.corpus.sync import SyncState
from bot.telegram.sync import FIRST_SYNC_DELAY, first_delay

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)


def _state(hours_ago: float) -> SyncState:
    return SyncState(finished_at=NOW - dt.timedelta(hours=hours_ago), since=dt.date(2026, 11, 19),
                     until=dt.date(2026, 12, 2), outcome="complete", imported=0, refused=())


def test_a_restart_does_not_postpone_the_next_sync() -> None:
    assert first_delay(_state(1), DAY, NOW) == dt.timedelta(hours=23)


def test_an_overdue_or_first_sync_comes_soon_after_start_not_at_once() -> None:
    assert first_delay(None, DAY, NOW) == FIRST_SYNC_DELAY
    assert first_delay(_state(48), DAY, NOW) == FIRST_SYNC_DELAY


def test_a_state_from_the_future_waits_one_interval_at_most() -> None:
    assert first_delay(_state(-100), DAY, NOW) == DAY

"""Texts adopted since the last sync imported: the window, the years' listings, the outcome kept on disk.

A sync is the year import (bot.corpus.yearly) over every year from ``since`` to today,
leaving out the texts adopted before ``since``: the same refusals, files written
atomically one by one, so an interrupted sync leaves whole files only and the next one
resumes. By default ``since`` is the newest adoption date in the corpus minus
``MARGIN`` (texts the Parliament lists a few days late are still caught), or the first
of January of last year on a corpus with no dated text; after a sync that did not
finish (a listing failed, or Ctrl-C), the next one takes that sync's window again.

The outcome of the last sync is ``CORPUS_DIR/.sync.json``, written atomically; the
corpus loader ignores it (a hidden name) and a dry run never writes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, computed_field

from bot.corpus.fetch import Fetcher, FetchError
from bot.corpus.importer import CorpusIndex
from bot.corpus.load import SYNC_STATE
from bot.corpus.models import Document
from bot.corpus.opendata import OpenDataError
from bot.corpus.yearly import YearItem, import_year

logger = logging.getLogger(__name__)

# How far before the newest text in the corpus a sync starts: the listing may name a
# text days after its vote, and a plenary week's texts are published over several days.
MARGIN = dt.timedelta(days=14)
# The most the state file may hold: it is ours, a few hundred bytes; anything larger is not.
_MAX_STATE_BYTES = 1 << 20

Outcome = Literal["complete", "incomplete", "interrupted"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SyncedText(_Frozen):
    """A text a sync imported (or, in a dry run, would import)."""

    file: str
    title: str | None
    reference: str | None
    adopted: dt.date | None
    text_id: str | None
    passages: int


class RefusedText(_Frozen):
    """A listed text the importer refused, with its one-line reason."""

    text_id: str
    reason: str


class SyncReport(_Frozen):
    """What one sync did: ``python -m bot sync --json`` prints it, the bot tells its admins."""

    since: dt.date
    until: dt.date
    since_why: str
    dry_run: bool
    imported: tuple[SyncedText, ...]
    refused: tuple[RefusedText, ...]
    present: int  # listed and in the corpus already
    older: int  # listed, adopted before ``since``
    listing_error: str | None = None  # why the listing stopped early: the window is incomplete
    interrupted: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome:
        if self.interrupted:
            return "interrupted"
        return "incomplete" if self.listing_error is not None else "complete"


class SyncState(_Frozen):
    """The last sync, as kept on disk."""

    finished_at: dt.datetime
    since: dt.date
    until: dt.date
    outcome: Outcome
    imported: int
    refused: tuple[str, ...]  # their text numbers: the bot tells its admins of a refusal once


class SyncInterrupted(Exception):
    """Ctrl-C during a sync; ``report`` is what was done until then (whole files only)."""

    def __init__(self, report: SyncReport) -> None:
        super().__init__("sync interrupted")
        self.report = report


@dataclass(frozen=True, slots=True)
class SyncSource:
    """Where a sync reads, and how politely: the EP_* settings."""

    open_data_url: str
    base_url: str
    requests_per_second: float
    timeout: float


def state_path(directory: Path) -> Path:
    return directory / SYNC_STATE


def read_state(directory: Path) -> SyncState | None:
    """The last sync's state, or None: none yet, or a file that is not ours (logged, never fatal)."""
    path = state_path(directory)
    try:
        if path.stat().st_size > _MAX_STATE_BYTES:
            raise ValueError(f"over {_MAX_STATE_BYTES} bytes")
        return SyncState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        # The window is then worked out from the corpus, as on a first sync.
        logger.warning("ignoring %s: %s", path, str(exc).splitlines()[0])
        return None


def write_state(directory: Path, state: SyncState) -> None:
    """Write ``state`` atomically: a reader sees the old file or the new one, whole."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".sync-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(state.model_dump_json(indent=2).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, state_path(directory))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def default_since(documents: Iterable[Document], state: SyncState | None, today: dt.date) -> tuple[dt.date, str]:
    """Where a sync starts when not told, and why (one phrase for the report)."""
    if state is not None and state.outcome != "complete":
        return state.since, f"the last sync ({state.outcome}) started there"
    dates = [d.meta.adopted for d in documents if d.meta.adopted is not None and d.meta.adopted <= today]
    if not dates:
        return dt.date(today.year - 1, 1, 1), "no dated text in the corpus: this year and last"
    newest = max(dates)
    return newest - MARGIN, f"the newest text in the corpus, {newest.isoformat()}, minus {MARGIN.days} days"


def run_sync(
    corpus: CorpusIndex,
    source: SyncSource,
    *,
    since: dt.date | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
    on_item: Callable[[YearItem], None] | None = None,
) -> SyncReport:
    """Import every listed text adopted from ``since`` to ``today``, one request at a time.

    Writes the state file at the end, even when interrupted (SyncInterrupted carries the
    report), unless ``dry_run``. A listing that fails is in the report, not raised.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    state = read_state(corpus.directory)
    if since is None:
        since, why = default_since(corpus.documents.values(), state, today)
    else:
        why = "asked for"
    tally = _Tally(since, today, why, dry_run)
    try:
        with Fetcher(requests_per_second=source.requests_per_second, timeout=source.timeout) as fetcher:
            for year in range(since.year, today.year + 1):
                try:
                    for item in import_year(
                        year, fetcher=fetcher, open_data_url=source.open_data_url, base_url=source.base_url,
                        corpus=corpus, dry_run=dry_run, since=since,
                    ):
                        tally.add(item)
                        if on_item is not None:
                            on_item(item)
                except (FetchError, OpenDataError) as exc:
                    tally.listing_error = f"the listing of {year} failed after {tally.listed} texts: {exc}"
                    logger.info("sync: %s", tally.listing_error)  # in the report: the caller says it
                    break
    except KeyboardInterrupt:
        report = tally.report(interrupted=True)
        _record(corpus.directory, report)
        raise SyncInterrupted(report) from None
    report = tally.report()
    _record(corpus.directory, report)
    logger.info("sync since %s: %d imported, %d refused, %d present, %d older, %s", since, len(report.imported),
                len(report.refused), report.present, report.older, report.outcome)
    return report


def newly_refused(report: SyncReport, before: SyncState | None) -> tuple[RefusedText, ...]:
    """The refusals the sync before ``report`` did not have: what admins have not been told yet."""
    told = set(before.refused) if before is not None else set()
    return tuple(r for r in report.refused if r.text_id not in told)


def _record(directory: Path, report: SyncReport) -> None:
    if report.dry_run or not directory.is_dir():
        return  # no folder: nothing was written, and a state file alone would make an empty corpus
    state = SyncState(
        finished_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        since=report.since,
        until=report.until,
        outcome=report.outcome,
        imported=len(report.imported),
        refused=tuple(r.text_id for r in report.refused),
    )
    try:
        write_state(directory, state)
    except OSError as exc:  # the texts are written; only the memory of this sync is lost
        logger.error("cannot write %s: %s", state_path(directory), exc)


class _Tally:
    """The report being built, item by item, so that an interruption still has one."""

    def __init__(self, since: dt.date, until: dt.date, why: str, dry_run: bool) -> None:
        self.since, self.until, self.why, self.dry_run = since, until, why, dry_run
        self.imported: list[SyncedText] = []
        self.refused: list[RefusedText] = []
        self.present = self.older = self.listed = 0
        self.listing_error: str | None = None

    def add(self, item: YearItem) -> None:
        self.listed += 1
        if item.status == "imported" and item.imported is not None:
            self.imported.append(SyncedText.model_validate(item.imported))
        elif item.status == "failed":
            self.refused.append(RefusedText(text_id=item.listed.text_id, reason=item.reason or "failed"))
        elif item.status == "present":
            self.present += 1
        elif item.status == "older":
            self.older += 1

    def report(self, interrupted: bool = False) -> SyncReport:
        return SyncReport(
            since=self.since, until=self.until, since_why=self.why, dry_run=self.dry_run,
            imported=tuple(self.imported), refused=tuple(self.refused), present=self.present, older=self.older,
            listing_error=self.listing_error, interrupted=interrupted,
        )

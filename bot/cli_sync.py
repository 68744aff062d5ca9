"""``python -m bot sync``: every text adopted the Open Data API lists since the last sync, into the corpus.

The year import's importer, refusals and one-line reports (bot.corpus.sync), over the
window from ``--since`` (or the default: see bot.corpus.sync) to today; ``--dry-run``
lists what would be imported and writes nothing, ``--json`` prints the SyncReport.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from bot.cli_output import EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, corpus_to_write, dump_json

if TYPE_CHECKING:  # the importer's libraries load only when the command runs
    from bot.corpus.sync import SyncReport

logger = logging.getLogger(__name__)


def since_date(value: str) -> dt.date:
    """``--since``: a YYYY-MM-DD day, not in the future (argparse's type)."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value} is not a date like 2026-11-19 (YYYY-MM-DD)") from None
    if day.year < 1952:
        raise argparse.ArgumentTypeError(f"{value} is before the Parliament's first texts (1952)")
    if day > dt.datetime.now(dt.UTC).date():
        raise argparse.ArgumentTypeError(f"{value} is in the future")
    return day


def cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the window was listed whole and nothing refused, 1 when a text was refused or
    the listing failed (the next run resumes), 2 bad usage, 130 Ctrl-C."""
    from bot.config import Settings, SettingsFileError, env_file_problem

    if problem := env_file_problem():
        raise SettingsFileError(problem)
    settings = Settings()
    from tqdm import tqdm

    from bot.corpus.importer import CorpusIndex
    from bot.corpus.sync import SyncInterrupted, SyncSource, run_sync
    from bot.corpus.yearly import YearItem

    directory = args.corpus or settings.corpus_dir
    if not corpus_to_write("sync", directory):
        return EXIT_USAGE
    source = SyncSource(settings.ep_open_data_url, settings.ep_base_url, settings.ep_requests_per_second,
                        settings.ep_timeout_seconds)
    new = not directory.exists()
    corpus = CorpusIndex.load(directory)
    verb = "would write" if args.dry_run else "wrote"
    # On a terminal only (disable=None): a bar with no total, as the API gives none.
    with tqdm(desc="sync", unit=" texts", file=sys.stderr, disable=None) as bar:

        def said(item: YearItem) -> None:
            bar.update(1)
            if args.json:
                return
            if item.status == "imported":
                bar.write(f"{verb} {directory / (item.file or '')}", file=out)
            elif item.status == "failed":
                bar.write(f"refused {item.listed.text_id}: {item.reason or 'failed'}", file=sys.stderr)

        try:
            report = run_sync(corpus, source, since=args.since, dry_run=args.dry_run, on_item=said)
        except SyncInterrupted as stopped:
            report = stopped.report
    _print(report, args, out)
    if new and directory.exists():
        print(f"sync: {directory} did not exist: it was made, a new corpus", file=sys.stderr)
    if report.interrupted:
        print(
            f"\ninterrupted: {len(report.imported)} imported so far, nothing half-written; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_NOT_FOUND if report.refused or report.listing_error else EXIT_OK


def _print(report: SyncReport, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        dump_json(report.model_dump(mode="json"), out)
        return
    if report.listing_error:
        print(f"refused the listing: {report.listing_error}", file=sys.stderr)
    verb = "would import" if report.dry_run else "imported"
    print(
        f"sync {report.since.isoformat()} to {report.until.isoformat()} ({report.since_why}): "
        f"{verb} {len(report.imported)}, skipped {report.present} already present, "
        f"{report.older} adopted before {report.since.isoformat()}, {len(report.refused)} refused"
        + ("; the listing failed (above): run sync again to resume" if report.listing_error else ""),
        file=out,
    )

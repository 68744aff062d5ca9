"""``python -m bot import``: EP texts adopted and OEIL summaries into the corpus, with a report.

One source at a time (a file, a URL or a text number), or a year listed through the
Open Data API. Each refusal is one line; files are written atomically, so Ctrl-C leaves
whole files only and the same command run again resumes. The importer's libraries
(selectolax, python-docx, pypdf, tqdm) load only when this command runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli_output import EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, corpus_to_write, dump_json

if TYPE_CHECKING:
    from bot.corpus.fetch import Fetcher
    from bot.corpus.importer import CorpusIndex, Prepared

logger = logging.getLogger(__name__)


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when every source was imported, 1 when any was refused or failed, 2 bad usage, 130 Ctrl-C.

    Each refusal is one line on stderr (or an entry of ``skipped`` with ``--json``);
    nothing is written for it. Files are written atomically, so Ctrl-C leaves whole files
    only and the same command run again resumes.
    """
    from bot.config import Settings, SettingsFileError, env_file_problem

    if bool(args.sources) == (args.year is not None):
        print("import: give SOURCE... or --year YEAR (one or the other)", file=sys.stderr)
        return EXIT_USAGE
    if args.match and args.year is None:
        print("import: --match goes with --year", file=sys.stderr)
        return EXIT_USAGE
    # A bad setting or .env is reported by bot.__main__, as for every command.
    if problem := env_file_problem():
        raise SettingsFileError(problem)
    settings = Settings()
    from bot.corpus.fetch import Fetcher
    from bot.corpus.importer import CorpusIndex

    directory = args.corpus or settings.corpus_dir
    if not corpus_to_write("import", directory):
        return EXIT_USAGE
    new = not directory.exists()
    report = _ImportReport(args, out, directory)
    try:
        corpus = CorpusIndex.load(directory)
        with Fetcher(
            requests_per_second=settings.ep_requests_per_second, timeout=settings.ep_timeout_seconds
        ) as fetcher:
            if args.year is not None:
                _import_year(args, settings.ep_open_data_url, settings.ep_base_url, fetcher, corpus, report)
            else:
                for source in args.sources:
                    _import_one(args, source, settings.ep_base_url, fetcher, corpus, report)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {len(report.imported)} imported so far, nothing half-written; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        report.finish()
        return EXIT_INTERRUPTED
    report.finish()
    if new and directory.exists():
        print(f"import: {directory} did not exist: it was made, a new corpus", file=sys.stderr)
    return EXIT_NOT_FOUND if report.failed else EXIT_OK


class _ImportReport:
    """What an import run did, printed as it goes (text) or at the end (``--json``)."""

    def __init__(self, args: argparse.Namespace, out: TextIO, directory: Path) -> None:
        self.json = bool(args.json)
        self.dry_run = bool(args.dry_run)
        self.out = out
        self.directory = directory
        self.imported: list[dict[str, object]] = []
        self.skipped: list[dict[str, str]] = []
        self.failed = 0

    def wrote(self, prepared: Prepared, replaced: Sequence[str]) -> None:
        self.imported.append(prepared.as_json())
        if self.json:
            return
        verb = "would write" if self.dry_run else "wrote"
        lines = [f"{verb} {self.directory / prepared.file_name}"]
        if replaced:
            moved = "would move" if self.dry_run else "moved"
            lines.append(f"  {moved} {', '.join(replaced)} to {self.directory / '.trash'}")
        lines.extend(f"  {line}" for line in prepared.preview.lines())
        inferred = ", ".join(f"{name} ({how})" for name, how in prepared.inferred.items())
        lines.append(f"  inferred: {inferred}")
        unknown = [n for n in ("title", "reference", "adopted", "url") if getattr(prepared.document.meta, n) is None]
        if prepared.text_id is None and prepared.document.is_resolution_text:
            unknown.append("text_id")
        if unknown:
            lines.append(f"  unknown: {', '.join(unknown)}")
        lines.extend(f"  note: {note}" for note in prepared.notes)
        print("\n".join(lines), file=self.out)

    def refused(self, source: str, reason: str, *, failure: bool = True, say: bool = True) -> None:
        """Note a source not imported; a failure is said on stderr unless ``say`` is False (said elsewhere)."""
        self.skipped.append({"source": source, "reason": reason})
        if failure:
            self.failed += 1
            if say and not self.json:
                print(f"refused {source}: {reason}", file=sys.stderr)

    def finish(self) -> None:
        if self.json:
            dump_json({"imported": self.imported, "skipped": self.skipped, "dry_run": self.dry_run}, self.out)


def _import_one(
    args: argparse.Namespace, source: str, base_url: str, fetcher: Fetcher, corpus: CorpusIndex, report: _ImportReport
) -> None:
    from bot.corpus.importer import ImportRefused, check, prepare, write

    try:
        prepared = prepare(source, fetcher=fetcher, base_url=base_url)
        if args.dry_run:
            replaced = check(prepared, corpus, force=args.force)
            corpus.add(prepared, replaced)  # so that a later source in this run is checked against it
        else:
            replaced = list(write(prepared, corpus, force=args.force).replaced)
    except ImportRefused as exc:
        report.refused(source, exc.reason)
        return
    report.wrote(prepared, replaced)


def _import_year(
    args: argparse.Namespace,
    open_data_url: str,
    base_url: str,
    fetcher: Fetcher,
    corpus: CorpusIndex,
    report: _ImportReport,
) -> None:
    from tqdm import tqdm

    from bot.corpus.fetch import FetchError
    from bot.corpus.opendata import OpenDataError
    from bot.corpus.yearly import import_year

    counts = {"imported": 0, "present": 0, "unmatched": 0, "failed": 0}
    items = import_year(
        args.year, fetcher=fetcher, open_data_url=open_data_url, base_url=base_url, corpus=corpus,
        match=args.match, dry_run=args.dry_run, force=args.force,
    )
    # On a terminal only (disable=None): a bar with no total, as the API gives none.
    with tqdm(desc=f"texts adopted {args.year}", unit=" texts", file=sys.stderr, disable=None) as bar:
        try:
            for item in items:
                counts[item.status] = counts.get(item.status, 0) + 1  # "older" only with since
                bar.update(1)
                bar.set_postfix(counts, refresh=False)
                text_id = item.listed.text_id
                if item.status == "imported" and item.imported is not None:
                    report.imported.append(item.imported)
                    if not report.json:
                        bar.write(f"{'would write' if args.dry_run else 'wrote'} {item.file}", file=report.out)
                elif item.status == "present":
                    report.refused(text_id, f"already present as {item.file}", failure=False)
                elif item.status == "failed":
                    # Said once, as it happens, above the bar; the summary counts it.
                    report.refused(text_id, item.reason or "failed", say=False)
                    if not report.json:
                        bar.write(f"refused {text_id}: {item.reason or 'failed'}", file=sys.stderr)
        except (FetchError, OpenDataError) as exc:
            listed = sum(counts.values())
            report.refused(f"year {args.year}", f"listing failed after {listed} texts: {exc}")
            failed_listing = True
        else:
            failed_listing = False
    if not report.json:
        verb = "would import" if args.dry_run else "imported"
        print(
            f"{args.year}: {verb} {counts['imported']}, skipped {counts['present']} already present, "
            f"{counts['unmatched']} not matching, {counts['failed']} refused"
            + ("; the listing failed (above), so the year is incomplete" if failed_listing else ""),
            file=report.out,
        )

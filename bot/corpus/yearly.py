"""A year of texts adopted imported one by one: listed, filtered, skipped when present, resumable.

Sequential on purpose (one Fetcher keeps the request rate). Each text is written
atomically as soon as it is read, so an interruption leaves whole files only, and the
next run skips them: a text is present when a corpus file carries its text number, or
when the corpus holds it under another name (same reference and kind). With ``since``
(bot.corpus.sync), a text adopted before that day is left out: without fetching it when
the listing gives its date, after reading its page otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from bot.corpus.fetch import Fetcher
from bot.corpus.importer import AlreadyInCorpus, CorpusIndex, ImportRefused, check, prepare, write
from bot.corpus.opendata import Listed, list_year, title_matches

logger = logging.getLogger(__name__)

Status = Literal["imported", "present", "unmatched", "older", "failed"]


@dataclass(frozen=True, slots=True)
class YearItem:
    """What became of one listed text."""

    listed: Listed
    status: Status
    file: str | None = None
    reason: str | None = None
    title: str | None = None
    passages: int = 0
    imported: dict[str, object] | None = None  # Prepared.as_json() of an imported text


def import_year(
    year: int,
    *,
    fetcher: Fetcher,
    open_data_url: str,
    base_url: str,
    corpus: CorpusIndex,
    match: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    since: dt.date | None = None,
) -> Iterator[YearItem]:
    """Yield one YearItem per text listed for ``year``; listing errors raise FetchError or OpenDataError.

    A dry run checks each text as a real run would (duplicates, dates), writing nothing.
    """
    for listed in list_year(fetcher, open_data_url, year):
        # Matching first: a text the words leave out is "not matching", present or not.
        if listed.title is not None and not title_matches(listed.title, match):
            yield YearItem(listed, "unmatched", title=listed.title)
            continue
        if since is not None and listed.adopted is not None and listed.adopted < since:
            yield YearItem(listed, "older", title=listed.title)
            continue
        present = corpus.has_text(listed.text_id)
        if present and not force:
            yield YearItem(listed, "present", file=present, title=listed.title)
            continue
        try:
            prepared = prepare(listed.text_id, fetcher=fetcher, base_url=base_url)
            title = prepared.document.meta.title
            if listed.title is None and not title_matches(title, match):
                yield YearItem(listed, "unmatched", title=title)
                continue
            adopted = prepared.document.meta.adopted
            if since is not None and adopted is not None and adopted < since:
                yield YearItem(listed, "older", title=title)
                continue
            if dry_run:
                corpus.add(prepared, check(prepared, corpus, force=force))  # a later text is checked against it
            else:
                write(prepared, corpus, force=force)
        except AlreadyInCorpus as exc:
            # Held under another name (a file written by hand, say): present, not a failure.
            yield YearItem(listed, "present", file=exc.found[0][0], title=listed.title)
            continue
        except ImportRefused as exc:
            yield YearItem(listed, "failed", reason=exc.reason, title=listed.title)
            continue
        yield YearItem(listed, "imported", prepared.file_name, title=title, passages=len(prepared.document.passages),
                       imported=prepared.as_json())

"""A year of texts adopted imported one by one: listed, filtered, skipped when present, resumable.

Sequential on purpose (one Fetcher keeps the request rate). Each text is written
atomically as soon as it is read, so an interruption leaves whole files only, and the
next run skips them: a text is present when a corpus file carries its text number.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from bot.corpus.fetch import Fetcher
from bot.corpus.importer import CorpusIndex, ImportRefused, prepare, write
from bot.corpus.opendata import Listed, list_year, title_matches

logger = logging.getLogger(__name__)

Status = Literal["imported", "present", "unmatched", "failed"]


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
) -> Iterator[YearItem]:
    """Yield one YearItem per text listed for ``year``; listing errors raise FetchError or OpenDataError."""
    for listed in list_year(fetcher, open_data_url, year):
        # Matching first: a text the words leave out is "not matching", present or not.
        if listed.title is not None and not title_matches(listed.title, match):
            yield YearItem(listed, "unmatched", title=listed.title)
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
            if not dry_run:
                write(prepared, corpus, force=force)
        except ImportRefused as exc:
            yield YearItem(listed, "failed", reason=exc.reason, title=listed.title)
            continue
        yield YearItem(listed, "imported", prepared.file_name, title=title, passages=len(prepared.document.passages),
                       imported=prepared.as_json())

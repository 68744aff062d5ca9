"""The year's texts adopted, listed through the European Parliament's Open Data API v2.

Built against the API's published OpenAPI 3.0.3 document, ``info.version`` "v2"
(https://data.europarl.europa.eu/api/v2, endpoint ``GET /adopted-texts``, operation
``get_adopted_texts``) and the adopted-texts data structure documented in the EP's
``europarl/open-data-beta-testing`` repository (ELI-EP profile 0.4.4). The list is paged
with ``offset``/``limit`` and no total is given: paging stops at a short or empty page,
an HTTP 204, or an HTTP 404 after the first page (the OpenAPI document gives both for
"no more items"). An item listed twice (offset paging over a list that changed) is
yielded once. Items are read tolerantly: only ``identifier`` (or the last part of
``id``) is required; the English title (``title_dcterms``, ``title``, or the title of
an expression in ``is_realized_by``: the minimal listing gives it there, if anywhere)
and ``document_date`` are used when present.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.corpus.fetch import JSON_TYPES, Fetcher, FetchError

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# A listing longer than this many pages is a server ignoring ``offset``; stop rather than loop.
MAX_PAGES = 400
_IDENTIFIER_RE = re.compile(r"^TA-\d{1,2}-\d{4}-\d{4}$")
_WORK_TYPE = "TEXT_ADOPTED"
# How deep a title is looked for in nested JSON-LD values; real ones are one or two levels.
_MAX_TITLE_DEPTH = 4
# Typographic characters a reader takes for their plain forms (curly quotes, dashes, no-break
# and thin spaces, the soft hyphen), folded before titles are matched. bot.search.tokens
# folds the same way for search; the corpus room cannot import it.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u00ad": "",
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),
    }
)


class OpenDataError(Exception):
    """The listing could not be read; the message is one line for the admin."""


@dataclass(frozen=True, slots=True)
class Listed:
    """One text adopted as the listing gives it."""

    text_id: str
    title: str | None
    adopted: dt.date | None


def list_year(fetcher: Fetcher, open_data_url: str, year: int, *, page_size: int = PAGE_SIZE) -> Iterator[Listed]:
    """The texts adopted in ``year``, page by page (one page in memory at a time).

    Raises bot.corpus.fetch.FetchError when a page cannot be fetched and OpenDataError
    when it is not the expected JSON.
    """
    url = f"{open_data_url.rstrip('/')}/adopted-texts"
    offset = 0
    previous_first: str | None = None
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        params = {
            "year": str(year),
            "work-type": _WORK_TYPE,
            "format": "application/ld+json",
            "offset": str(offset),
            "limit": str(page_size),
        }
        try:
            fetched = fetcher.get(url, JSON_TYPES, params=params, empty_ok=True)
        except FetchError as exc:
            if exc.status == 404 and page > 0:
                return  # past the last item; on the first page a 404 is a wrong address
            raise
        if not fetched.body:
            return
        items = _items(fetched.body, url)
        listed = [found for item in items if (found := _listed(item)) is not None]
        if not items or (listed and listed[0].text_id == previous_first):
            return
        previous_first = listed[0].text_id if listed else None
        for found in listed:
            if found.text_id not in seen:
                seen.add(found.text_id)
                yield found
        if len(items) < page_size:
            return
        offset += len(items)
    logger.warning("stopped listing %s after %d pages", url, MAX_PAGES)


def _items(body: bytes, url: str) -> list[Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise OpenDataError(f"the Open Data API sent JSON nested too deeply to read ({url})") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise OpenDataError(f"the Open Data API sent broken JSON ({exc}) ({url})") from None
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise OpenDataError(f"the Open Data API answer has no 'data' list ({url})")
    return items


def _listed(item: Any) -> Listed | None:
    if not isinstance(item, dict):
        return None
    work_type = item.get("work_type")
    if isinstance(work_type, str) and not work_type.endswith(_WORK_TYPE):
        return None
    identifier = item.get("identifier")
    if not isinstance(identifier, str):
        identifier = str(item.get("id", "")).rsplit("/", 1)[-1]
    if not _IDENTIFIER_RE.match(identifier):
        return None
    title = (
        _english(item.get("title_dcterms"), _MAX_TITLE_DEPTH)
        or _english(item.get("title"), _MAX_TITLE_DEPTH)
        or _realized_title(item.get("is_realized_by"))
    )
    adopted = None
    date = item.get("document_date")
    if isinstance(date, str):
        try:
            adopted = dt.date.fromisoformat(date[:10])
        except ValueError:
            adopted = None
    return Listed(identifier, title, adopted)


def _realized_title(value: Any) -> str | None:
    """The English title of the work's expressions (``is_realized_by[].title``), if listed."""
    if not isinstance(value, list):
        return None
    for expression in value[:100]:  # one per language: 24 in all
        if isinstance(expression, dict) and (found := _english(expression.get("title"), _MAX_TITLE_DEPTH)):
            return found
    return None


def _english(value: Any, depth: int) -> str | None:
    """The English text of a JSON-LD language map ({"en": ...}) or value list, else None.

    Looks ``depth`` levels down at most: a list nested hundreds deep is no title.
    """
    if depth <= 0:
        return None
    if isinstance(value, dict):
        text = value.get("en")
        if isinstance(text, list):
            text = text[0] if text else None
        if text is None and value.get("@language") == "en":
            text = value.get("@value")
        return text.strip() or None if isinstance(text, str) else None
    if isinstance(value, list):
        for entry in value:
            if (found := _english(entry, depth - 1)) is not None:
                return found
    return None


def fold(text: str) -> str:
    """``text`` with case and typography folded (NFKC, curly quotes, dashes, odd spaces)."""
    return unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()


def title_matches(title: str | None, words: str | None) -> bool:
    """Whether every word of ``words`` stands as a whole word in ``title``; no words match all.

    Case and typography are folded on both sides ("women’s" matches "women's", "EU–China"
    matches "EU-China"); "war" matches "war" and "post-war", never "software" or "wars".
    """
    if not words:
        return True
    if not title:
        return False
    folded = fold(title)
    return all(
        re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", folded) is not None for word in fold(words).split()
    )

"""A document's body cut into passages: paragraphs and list items, with headings and page chrome left out."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.corpus.layout import OEIL_DATELINE_RE, PAGE_CHROME, page_chrome
from bot.corpus.models import LeftOut, Passage, Position

logger = logging.getLogger(__name__)

MIN_PASSAGE_WORDS = 5
# A single line this short without closing punctuation is a title, a dateline or a byline.
MAX_HEADING_WORDS = 20

# "-", "*", "•", the en and em dashes of EP citations, "1." and "1)".
_BULLET_RE = re.compile(r"^\s*(?:[-*\u2022\u2013\u2014]|\d{1,3}[.)])\s+")
_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def first_heading(body: str) -> str | None:
    for block, _ in _blocks(body, 1):
        if len(block) == 1 and _is_heading(block[0]):
            return block[0].strip().lstrip("#").strip()
        return None
    return None


def _blocks(body: str, first_line: int) -> Iterable[tuple[list[str], int]]:
    """Blank-line separated blocks of lines, each with its first line number."""
    block: list[str] = []
    start = first_line
    for number, line in enumerate(body.splitlines(), start=first_line):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield block, start
            block = []
    if block:
        yield block, start


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    # A line ending with a comma continues a sentence (an EP citation ends so): never a heading.
    ends_sentence = stripped.rstrip("*_ ").endswith(
        (".", ",", "!", "?", ":", ";", '"', "\u201d", "\u2019", ")", "\u2026")
    )
    return not ends_sentence and not _has_words(stripped, MAX_HEADING_WORDS + 1)


def clean(text: str) -> str:
    """Passage text as quoted: markdown emphasis markers removed, nothing else changed."""
    return text.replace("**", "")


def last_sentence(text: str) -> str:
    """The last sentence of ``text``: a list item's lead-in."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return parts[-1]


def split_passages(
    name: str, body: str, first_line: int = 1, left_out: list[LeftOut] | None = None
) -> list[Passage]:
    """Paragraphs and list items of ``body``; headings and fragments are left out.

    Paragraphs are numbered as they stand in the file, headings included, so that a
    reader can count to the cited one. What is left out is added to ``left_out``, with
    the reason ("heading" or "too short"), when it is given.
    """
    skipped = left_out if left_out is not None else []
    passages: list[Passage] = []
    previous_text: str | None = None
    for paragraph, (block, block_start) in enumerate(_blocks(body, first_line), start=1):
        kept = _without_chrome(block, block_start, skipped)
        if not kept:
            continue
        lines, start = [line for _, line in kept], kept[0][0]
        items = _list_items(lines, [number for number, _ in kept])
        if items is None:
            text = clean("\n".join(lines))
            if len(lines) == 1 and _is_heading(lines[0]):
                skipped.append(LeftOut(start, lines[0].strip(), "heading"))
            elif _long_enough(text):
                passages.append(Passage(name, Position(paragraph, None, start), text))
            else:
                skipped.append(LeftOut(start, text, "too short"))
            previous_text = text
            continue
        head, entries = items
        lead = None
        if head:
            head_text = clean("\n".join(head))
            if _long_enough(head_text):
                passages.append(Passage(name, Position(paragraph, None, start), head_text))
            else:
                skipped.append(LeftOut(start, head_text, "too short"))
            lead = last_sentence(head_text) if head_text.rstrip().endswith(":") else None
        elif previous_text and previous_text.rstrip().endswith(":"):
            lead = last_sentence(previous_text)
        for number, (item_lines, item_start) in enumerate(entries, start=1):
            text = clean("\n".join(item_lines))
            if _long_enough(text):
                passages.append(Passage(name, Position(paragraph, number, item_start), text, lead))
            else:
                skipped.append(LeftOut(item_start, text, "too short"))
        previous_text = None
    return passages


def _without_chrome(lines: list[str], start: int, skipped: list[LeftOut]) -> list[tuple[int, str]]:
    """The lines of a block (with their numbers) that may be text: page chrome and a summary's heading left out.

    A procedure page copied around a summary brings its chrome ("Progress: Procedure
    completed", "Legal Basis:", "RoP 144", "Events"), and a summary copied with its
    heading brings it run into its first sentence ("Resolution on ...",
    "2014/2832(RSP) - 18/09/2014", "The European Parliament adopted ..."): neither is
    the summary's text. Each line left out is reported, with its reason. A block of one
    line that is a procedure line stays a heading, as before.
    """
    numbered = list(enumerate(lines, start=start))
    kept: list[tuple[int, str]] = []
    for number, line in numbered:
        if page_chrome(" ".join(line.split())):
            skipped.append(LeftOut(number, line.strip(), PAGE_CHROME))
        else:
            kept.append((number, line))
    dateline = next(
        (at for at, (_, line) in enumerate(kept) if OEIL_DATELINE_RE.fullmatch(" ".join(line.split()))), None
    )
    if dateline is not None and len(kept) > 1 and all(
        _is_heading(line) for _, line in kept[:dateline]
    ):
        skipped.extend(LeftOut(number, line.strip(), "heading") for number, line in kept[: dateline + 1])
        kept = kept[dateline + 1 :]
    return kept


def _list_items(
    lines: list[str], numbers: list[int]
) -> tuple[list[str], list[tuple[list[str], int]]] | None:
    """Split a block into (lead lines, items) when it holds a list; None otherwise (``numbers``: each line's)."""
    if not any(_BULLET_RE.match(line) for line in lines):
        return None
    head: list[str] = []
    items: list[tuple[list[str], int]] = []
    for offset, line in enumerate(lines):
        match = _BULLET_RE.match(line)
        if match:
            items.append(([line[match.end() :]], numbers[offset]))
        elif items:
            items[-1][0].append(line.strip())
        else:
            head.append(line)
    return head, items


def _long_enough(text: str) -> bool:
    # A text ending with a comma is a clause of a longer sentence (an EP citation): kept at any length.
    return text.endswith(",") or _has_words(text, MIN_PASSAGE_WORDS)  # lines come right-stripped


def _has_words(text: str, count: int) -> bool:
    """Whether ``text`` has at least ``count`` words (as _WORD_RE finds them).

    Stops at the ``count``-th word: finding every word of every paragraph was most of
    the time spent loading a large corpus.
    """
    found = 0
    for _ in _WORD_RE.finditer(text):
        found += 1
        if found >= count:
            return True
    return False

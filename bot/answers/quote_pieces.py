"""Long quotes checked piece by piece: a pasted page spans several passages, none can hold it whole"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from bot.answers.quote_result import MAX_MATCHES, BadQuote, QuoteResult, Verdict
from bot.answers.quote_words import words_of

logger = logging.getLogger(__name__)

# A quote longer than this (in words), or of several paragraphs, is checked piece by
# piece: a pasted page spans several passages, and no one passage can hold it.
PIECE_FROM_WORDS = 120
# Pieces shorter than this (a heading, a dateline) are not checked on their own.
MIN_PIECE_WORDS = 5
_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_SENTENCE_RE = re.compile(r"(?<=[.;:!?])\s+")


def pieces(text: str) -> list[str]:
    """The parts of a long quote to check one by one: paragraphs, and the sentences of a long one."""
    paragraphs = [p.strip() for p in _PARAGRAPH_RE.split(text) if p.strip()]
    if len(paragraphs) == 1 and len(words_of(text).words) <= PIECE_FROM_WORDS:
        return [text]
    found: list[str] = []
    for paragraph in paragraphs:
        if len(words_of(paragraph).words) <= PIECE_FROM_WORDS:
            found.append(paragraph)
        else:
            found += [s for s in _SENTENCE_RE.split(paragraph) if s.strip()]
    return [p for p in found if len(words_of(p).words) >= MIN_PIECE_WORDS] or [text]


_RANK = {Verdict.verbatim: 2, Verdict.near: 1, Verdict.not_found: 0}


def check_pieces(text: str, pieces: list[str], check: Callable[[str], QuoteResult]) -> QuoteResult | None:
    """A long quote checked piece by piece: its verdict is its weakest piece's, with each piece's best passage.

    Verbatim when every piece stands word for word in some passage; near when every
    piece is at least near; else not found, with the closest passages shown. None when
    no piece could be checked (each of common words only).
    """
    results: list[QuoteResult] = []
    for piece in pieces:
        try:
            results.append(check(piece))
        except BadQuote:
            continue  # a piece of common words only ("of the"): nothing to check it by
    if not results:
        return None
    verdict = min((r.verdict for r in results), key=_RANK.__getitem__)
    matches = tuple(r.matches[0] for r in results if r.matches)[:MAX_MATCHES]
    shown = [r.similarity for r in results if r.matches] or [0.0]
    return QuoteResult(
        text,
        verdict,
        any(r.omissions for r in results),
        min(shown),
        matches,
        more=len(results) > MAX_MATCHES or any(r.more for r in results),
        resolution_text_unchecked=any(r.resolution_text_unchecked for r in results),
        pieces=len(results),
        piece_verdicts=tuple(r.verdict for r in results),
    )

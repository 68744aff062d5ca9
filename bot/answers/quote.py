"""Quote check: is this quote in the corpus verbatim, with marked cuts, nearly, or not at all?

Words are compared, not characters: case, whitespace, punctuation between words,
typographic quotes, apostrophes and dashes, and markdown markers do not count. Every
span points into ``Passage.text`` exactly as stored, so what is highlighted is the text
as written. Candidates come from the BM25 index (postings of the quote's rarest
tokens), never from a scan of every passage, so a check stays fast on a large corpus.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Document, Hit, Passage
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.tokens import MAX_TEXT_CHARS, TOKEN_RE, TextMessages, check_text, fold_map, folded_text

logger = logging.getLogger(__name__)

MAX_QUOTE_CHARS = MAX_TEXT_CHARS
# "Most words in order": a journalist's slip of a word or two in a sentence stays near.
NEAR_THRESHOLD = 0.8
MAX_MATCHES = 10
# Verbatim candidates hold every token of the quote; reading more than this many is
# wasted work once MAX_MATCHES are listed, and bounds the time of a quote of frequent
# words. Each candidate is first screened at C speed (some 3 us for an ASCII passage),
# so the bound is set high: a quote standing word for word in a late candidate must
# not be reported as a near miss only because the check stopped before it.
MAX_VERIFIED = 5000
# Compiling the screen costs some 30 us a word, as much as reading a dozen candidates
# word by word: fewer candidates than this are read without it.
SCREEN_FROM = 16
# A passage this long (characters) is screened even when it is the only candidate.
SCREEN_LONG = 20_000
SCREEN_PARTS = 4
SCREEN_WORDS = 8
# Candidates for a near miss: the BM25 best passages for the quote's rarest tokens.
NEAR_CANDIDATES = 12
# Passages holding a quote's rarest word that are paired with their neighbours to find
# a quote running across two units (see _across_units); each pair costs a few us.
ACROSS_CANDIDATES = 500
RAREST_TOKENS = 12

# A cut marked in the quote, after folding ("…" folds to "..."): ..., [...], (...), . . .
_CUT_RE = re.compile(r"\[\s*\.{3,}\s*\]|\(\s*\.{3,}\s*\)|\.{3,}|\.\s\.\s\.")
# Quotation marks a message may be wrapped in, straight or typographic.
_OPENING = "\"'\u201c\u201e\u00ab\u2018\u201a\u201f\u300c"
_CLOSING = "\"'\u201d\u201c\u00bb\u2019\u2018\u300d"
_SEP = "\x01"  # joins folded words for a C-speed sequence search; never inside a word
# An HTML tag pasted with a quote (copied from a web page): not words of the quote.
# Only real HTML element names: "<put an end>" in a quote is words, not a tag.
_HTML_NAMES = (
    "a|abbr|article|b|blockquote|br|cite|code|del|div|em|font|footer|h[1-6]|header|hr|i|img|ins|li|mark|"
    "nav|ol|p|pre|q|s|section|small|span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul"
)
_TAG_RE = re.compile(r"</?(?:" + _HTML_NAMES + r")(?:\s+[^<>]*)?\s*/?>", re.IGNORECASE)
# A quote longer than this (in words), or of several paragraphs, is checked piece by
# piece: a pasted page spans several passages, and no one passage can hold it.
PIECE_FROM_WORDS = 120
# Pieces shorter than this (a heading, a dateline) are not checked on their own.
MIN_PIECE_WORDS = 5
_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_SENTENCE_RE = re.compile(r"(?<=[.;:!?])\s+")


class BadQuote(ValueError):
    """A quote the bot cannot check; the message is meant for the user."""


_QUOTE_MESSAGES = TextMessages(
    empty="Please paste a quote to check: the message is empty.",
    too_long="That quote is {length:,} characters long; please check at most {limit:,} characters at a time.",
    no_words="That quote has no words to check: paste the sentence as it was written.",
    common_words=(
        "That quote has only common words, which stand almost everywhere. "
        "Paste a longer part of the sentence."
    ),
)


class Verdict(StrEnum):
    """How a quote stands in the corpus."""

    verbatim = "verbatim"
    near = "near"
    not_found = "not_found"


DiffKind = Literal["same", "add", "drop", "change", "cut"]


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a word diff, from the quote's point of view.

    ``same``: words as in the passage; ``add``: words the quote adds; ``drop``: passage
    words the quote leaves out; ``cut``: passage words left out where the quote marks a
    cut ("…"); ``change``: passage words the quote replaces. ``quote`` is the quote's
    wording as typed, ``passage`` the passage's as written; ``span`` locates the passage
    words in ``Passage.text`` (None for ``add`` and for words of the lead-in sentence).
    """

    kind: DiffKind
    quote: str
    passage: str
    span: tuple[int, int] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "quote": self.quote,
            "passage": self.passage,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """One passage where the quote stands (or the closest one, for a near miss or none).

    ``span`` is [start, end) in ``passage.text`` from the first matched word to the
    last; ``segments`` are the spans of each part of a quote with cuts (one part
    otherwise); ``lead_span`` is the part matched in ``passage.lead``, if any.
    """

    passage: Passage
    document: Document
    span: tuple[int, int]
    segments: tuple[tuple[int, int], ...]
    lead_span: tuple[int, int] | None
    similarity: float
    diff: tuple[DiffOp, ...] = ()

    @property
    def matched_text(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]

    def as_json(self) -> dict[str, Any]:
        # The citation keys are ask's, from Hit.as_json; rank and score belong to ask.
        data = Hit(0, 0.0, self.passage, self.document).as_json()
        del data["rank"], data["score"]
        data.update(
            {
                "span": list(self.span),
                "segments": [list(s) for s in self.segments],
                "lead_span": list(self.lead_span) if self.lead_span else None,
                "similarity": round(self.similarity, 4),
                "diff": [op.as_json() for op in self.diff],
            }
        )
        return data


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The verdict on a quote and the passages behind it.

    For ``verbatim`` the matches are every passage (up to MAX_MATCHES) holding the
    words; for ``near`` the closest passages with their diffs; for ``not_found`` the
    single closest passage, which is not a match, or none when no word is shared.
    ``more`` says more passages may hold the words than are listed;
    ``resolution_text_unchecked`` that some passage of a resolution's own text was
    never verified (the check stopped at its bound), so the words may stand there too.
    """

    quote: str
    verdict: Verdict
    omissions: bool
    similarity: float
    matches: tuple[QuoteMatch, ...]
    more: bool = False
    resolution_text_unchecked: bool = False
    # The words run, in order, from the first match's unit into the second's (two
    # consecutive units of one document, such as a paragraph and its point (a)).
    across_units: bool = False
    html_stripped: bool = False  # HTML tags were taken out of the quote before the check
    pieces: int = 1  # a long quote is checked piece by piece; matches then hold each piece's best
    piece_verdicts: tuple[Verdict, ...] = ()  # each piece's verdict, in the quote's order

    @property
    def found(self) -> bool:
        return self.verdict is Verdict.verbatim

    @property
    def in_resolution_text(self) -> bool | None:
        """Whether the words stand in a resolution's own text; None when that is unknown.

        False is a proof: every candidate passage of a resolution's text was checked
        and none holds the words, so "only in a report or summary" may be said. None
        means the check stopped before it could tell: say nothing either way.
        """
        if any(m.document.is_resolution_text for m in self.matches):
            return True
        return None if self.resolution_text_unchecked else False

    def as_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "verdict": self.verdict.value,
            "omissions": self.omissions,
            "similarity": round(self.similarity, 4),
            "matches": [m.as_json() for m in self.matches],
            "more": self.more,
            "in_resolution_text": self.in_resolution_text,
            "across_units": self.across_units,
            "html_stripped": self.html_stripped,
            "pieces": self.pieces,
            "piece_verdicts": [v.value for v in self.piece_verdicts],
        }


@dataclass(frozen=True, slots=True)
class _Words:
    """Folded words of a text with their [start, end) offsets in the original text."""

    text: str
    folded: str  # the text as tokens.fold_map folds it; folded_starts index into it
    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    folded_starts: tuple[int, ...]
    joined: str  # _SEP + words joined by _SEP + _SEP
    offsets: tuple[int, ...]  # index in ``joined`` of the separator before each word


# The words of recent passages, kept between quote checks. Bounded by (estimated) bytes,
# not entries: 8,192 entries of 5 MB passages took gigabytes.
WORD_CACHE_BYTES = 64 * 1024 * 1024


class _WordCache:
    """A least-recently-used map of texts to their _Words, at most ``max_bytes`` (estimated)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._entries: OrderedDict[str, tuple[_Words, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> _Words | None:
        with self._lock:
            entry = self._entries.get(text)
            if entry is None:
                return None
            self._entries.move_to_end(text)
            return entry[0]

    def put(self, text: str, words: _Words) -> None:
        size = _estimated_bytes(words)
        if size > self.max_bytes:
            return  # one huge passage would flush everything else, for one use
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = (words, size)
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.nbytes = 0


def _estimated_bytes(words: _Words) -> int:
    # Folded and joined text (up to 4 bytes a character), and per word a string and
    # four integers in tuples (about 220 bytes as CPython stores them).
    return 4 * (len(words.folded) + len(words.joined)) + 220 * len(words.words) + 400


_CACHE = _WordCache(WORD_CACHE_BYTES)


def clear_word_cache() -> None:
    """Forget the words of every passage (a reload: the old passages should not stay alive)."""
    _CACHE.clear()


def word_cache_bytes() -> int:
    """The estimated size of the word cache, for tests and benchmarks."""
    return _CACHE.nbytes


# The words of the passages too large for the cache, kept for one quote check only
# (``_checking``): a 5 MB passage was folded six times by one check, seconds each time.
_local = threading.local()


def _words(text: str) -> _Words:
    cached = _CACHE.get(text)
    if cached is None:
        memo: dict[str, _Words] | None = getattr(_local, "memo", None)
        cached = memo.get(text) if memo is not None else None
        if cached is None:
            cached = _make_words(text)
            _CACHE.put(text, cached)
            if memo is not None:
                memo[text] = cached
    return cached


@contextmanager
def _checking() -> Iterator[None]:
    """Within it, this thread folds each text at most once, whatever its size."""
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def _make_words(text: str) -> _Words:
    # bot.search.tokens' own words (TOKEN_RE on the folded text, as tokens.word_spans finds
    # them), so that a verbatim quote's tokens are always among its passage's tokens
    # and the candidates from the index never miss it.
    folded, fold_starts, fold_ends = fold_map(text)
    found = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(folded)]
    words = tuple(w for w, _, _ in found)
    offsets: list[int] = []
    pos = 0
    for word in words:
        offsets.append(pos)
        pos += len(word) + 1
    return _Words(
        text,
        folded,
        words,
        tuple(fold_starts[a] for _, a, _ in found),
        tuple(fold_ends[b - 1] for _, _, b in found),
        tuple(a for _, a, _ in found),
        _SEP + _SEP.join(words) + _SEP,
        tuple(offsets),
    )


def quoted_text(message: str) -> str | None:
    """The inside of a message wholly in quotation marks (straight or typographic), else None."""
    text = message.strip()
    if len(text) >= 3 and text[0] in _OPENING and text[-1] in _CLOSING:
        inner = text[1:-1].strip()
        return inner or None
    return None


def validate_quote(quote: str) -> tuple[str, list[str]]:
    """The stripped quote and its search tokens, or BadQuote with a message for the user."""
    return check_text(quote, _QUOTE_MESSAGES, BadQuote)


def check_quote(
    quote: str,
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget | None = None,
) -> QuoteResult:
    """Check ``quote`` against one consistent snapshot (passages, documents, index).

    ``budget`` (by default a fresh one) bounds the CPU time of reading and aligning
    candidates; what it leaves unread makes the result say so (``more``, or a
    resolution's text left unchecked), never a verdict it did not establish.
    """
    with _checking():
        return _check(quote, passages, documents, index, budget or Budget())


def _check(
    quote: str,
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> QuoteResult:
    """``check_quote`` within its budget.

    HTML tags pasted with the quote are taken out first (``html_stripped`` says so). A
    quote of several paragraphs, or longer than PIECE_FROM_WORDS words, is checked piece
    by piece (``_check_pieces``), all pieces within the one budget.
    """
    stripped = _without_tags(quote)
    if stripped is not None:
        result = _check(stripped, passages, documents, index, budget)
        return replace(result, quote=quote.strip(), html_stripped=True)
    text, tokens = validate_quote(quote)
    whole = _check_one(text, tokens, passages, documents, index, budget)
    pieces = _pieces(text)
    if whole.verdict is Verdict.verbatim or len(pieces) < 2:
        return whole
    return _check_pieces(text, pieces, passages, documents, index, budget)


def _without_tags(quote: str) -> str | None:
    """The quote without its HTML tags (entities decoded), or None when it has none."""
    if not _TAG_RE.search(quote):
        return None
    return html.unescape(_TAG_RE.sub(" ", quote))


def _pieces(text: str) -> list[str]:
    """The parts of a long quote to check one by one: paragraphs, and the sentences of a long one."""
    paragraphs = [p.strip() for p in _PARAGRAPH_RE.split(text) if p.strip()]
    if len(paragraphs) == 1 and len(_words(text).words) <= PIECE_FROM_WORDS:
        return [text]
    pieces: list[str] = []
    for paragraph in paragraphs:
        if len(_words(paragraph).words) <= PIECE_FROM_WORDS:
            pieces.append(paragraph)
        else:
            pieces += [s for s in _SENTENCE_RE.split(paragraph) if s.strip()]
    return [p for p in pieces if len(_words(p).words) >= MIN_PIECE_WORDS] or [text]


_RANK = {Verdict.verbatim: 2, Verdict.near: 1, Verdict.not_found: 0}


def _check_pieces(
    text: str, pieces: list[str], passages: Sequence[Passage], documents: Mapping[str, Document], index: Bm25Index,
    budget: Budget,
) -> QuoteResult:
    """A long quote checked piece by piece: its verdict is its weakest piece's, with each piece's best passage.

    Verbatim when every piece stands word for word in some passage; near when every
    piece is at least near; else not found, with the closest passages shown.
    """
    results: list[QuoteResult] = []
    for piece in pieces:
        try:
            results.append(_check(piece, passages, documents, index, budget))
        except BadQuote:
            continue  # a piece of common words only ("of the"): nothing to check it by
    if not results:
        raise BadQuote(_QUOTE_MESSAGES.common_words)
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


def _check_one(
    text: str, tokens: list[str], passages: Sequence[Passage], documents: Mapping[str, Document], index: Bm25Index,
    budget: Budget,
) -> QuoteResult:
    q = _words(text)
    segments = _segments(q)
    omissions = len(segments) > 1
    rare = _rarest(index, tokens)

    verbatim, more, unchecked = _verbatim(q, segments, rare, passages, documents, index, budget)
    if verbatim:
        ordered = sorted(verbatim, key=lambda m: not m.document.is_resolution_text)
        return QuoteResult(text, Verdict.verbatim, omissions, 1.0, tuple(ordered), more, unchecked)
    across = _across_units(q, segments, rare, passages, documents, index)
    if across:
        return QuoteResult(text, Verdict.verbatim, omissions, 1.0, across, across_units=True)

    # When the verbatim check stopped at its bound, candidates of a resolution's own
    # text may hold the words unread: the answer must not say "only in a report" then.
    near = _closest(q, segments, rare[:RAREST_TOKENS], passages, documents, index, budget)
    unchecked = unchecked or budget.exhausted  # out of time: a closer passage may be unread
    if near and near[0].similarity >= NEAR_THRESHOLD:
        listed = tuple(m for m in near if m.similarity >= NEAR_THRESHOLD)[:MAX_MATCHES]
        return QuoteResult(
            text, Verdict.near, omissions, listed[0].similarity, listed, resolution_text_unchecked=unchecked
        )
    if near:
        # Shown as the closest passage, not as a match: no diff to suggest it nearly is one.
        best = near[0]
        closest = QuoteMatch(
            best.passage, best.document, best.span, best.segments, best.lead_span, best.similarity
        )
        return QuoteResult(
            text, Verdict.not_found, omissions, best.similarity, (closest,), resolution_text_unchecked=unchecked
        )
    return QuoteResult(text, Verdict.not_found, omissions, 0.0, (), resolution_text_unchecked=unchecked)


def _segments(q: _Words) -> list[tuple[int, int]]:
    """Word index ranges [i, j) of the quote's parts between marked cuts (empty parts dropped)."""
    cuts = [m.start() for m in _CUT_RE.finditer(q.folded)]
    bounds: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        end = bisect_right(q.folded_starts, cut)
        if end > start:
            bounds.append((start, end))
        start = max(start, end)
    if len(q.words) > start:
        bounds.append((start, len(q.words)))
    return bounds


def _rarest(index: Bm25Index, tokens: list[str]) -> list[str]:
    """Distinct tokens, rarest first; a token unknown to the index comes first (df 0)."""
    return sorted(set(tokens), key=lambda t: (index.document_frequency(t), t))


def _verbatim(
    q: _Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> tuple[list[QuoteMatch], bool, bool]:
    """Passages holding every part of the quote in order.

    Also whether more candidates were left unread, and whether any of those is in a
    resolution's own text. Those are read first, so that when the bound stops the
    check, "only in a report" is either proven or known to be unproven.
    """
    candidates: npt.NDArray[np.int32] | None = None
    for token in rare:
        ids = index.passages_with(token)
        candidates = ids if candidates is None else np.intersect1d(candidates, ids, assume_unique=True)
        # Once few remain, checking them is cheaper than intersecting more postings.
        if len(candidates) <= 8:
            break
    if candidates is None or not len(candidates):
        return [], False, False
    own_text = {name for name, doc in documents.items() if doc.is_resolution_text}
    first: list[int] = []
    then: list[int] = []
    for pid in candidates.tolist():
        (first if passages[pid].document in own_text else then).append(pid)
    needles = [_SEP + _SEP.join(q.words[i:j]) + _SEP for i, j in segments]
    screen = _screen(q, segments)
    many = len(candidates) >= SCREEN_FROM
    matches: list[QuoteMatch] = []
    for checked, pid in enumerate(first + then):
        if len(matches) >= MAX_MATCHES or checked >= MAX_VERIFIED or budget.spent():
            return matches, True, checked < len(first)
        passage = passages[pid]
        # Screened when there are many candidates, and always for a long passage: its
        # words with their offsets cost seconds to make, the screen milliseconds.
        if (many or len(passage.searchable) >= SCREEN_LONG) and not _may_hold(screen, passage.searchable):
            continue
        found = _find_in_order(needles, passage)
        if found is not None:
            matches.append(_match(passage, documents[passage.document], found, 1.0, ()))
    return matches, False, False


def _across_units(
    q: _Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
) -> tuple[QuoteMatch, ...]:
    """The two consecutive passages of one document the quote runs across, in order; () when none.

    A quote that starts in one unit and ends in the next (a paragraph's lead-in and its
    point (a), paragraph 4 into paragraph 5), with or without a marked cut, stands in no
    single passage. Candidates are the passages holding the quote's rarest word, each
    paired with the passage before and after it (read in file order), at most
    ACROSS_CANDIDATES of them.
    """
    if len(q.words) < 2 or not rare:
        return ()
    needles = [_SEP + _SEP.join(q.words[i:j]) + _SEP for i, j in segments]
    tried: set[int] = set()
    for pid in index.passages_with(rare[0])[:ACROSS_CANDIDATES].tolist():
        for first in (pid - 1, pid):
            if first < 0 or first + 1 >= len(passages) or first in tried:
                continue
            tried.add(first)
            a, b = passages[first], passages[first + 1]
            if a.document != b.document:
                continue
            found = _find_across(needles, a, b, documents[a.document])
            if found:
                return found
    return ()


def _find_across(needles: list[str], a: Passage, b: Passage, document: Document) -> tuple[QuoteMatch, ...]:
    """Matches in ``a`` and ``b`` when the needles stand in order in a's text then b's, touching both."""
    wa, wb = _words(a.text), _words(b.text)
    words = wa.words + wb.words
    joined = _SEP + _SEP.join(words) + _SEP
    offsets: list[int] = []
    pos = 0
    for word in words:
        offsets.append(pos)
        pos += len(word) + 1
    ranges: list[tuple[int, int]] = []
    pos = 0
    for needle in needles:
        at = joined.find(needle, pos)
        if at < 0:
            return ()
        start = bisect_right(offsets, at) - 1
        end = start + needle.count(_SEP) - 1
        ranges.append((start, end))
        pos = offsets[end] if end < len(offsets) else len(joined) - 1
    split = len(wa.words)
    # The earliest match: wholly in one passage, it would have been found verbatim there.
    if ranges[0][0] >= split or ranges[-1][1] <= split:
        return ()
    in_a = [(i, min(j, split)) for i, j in ranges if i < split]
    in_b = [(max(i, split) - split, j - split) for i, j in ranges if j > split]
    return (_plain_match(a, document, wa, in_a), _plain_match(b, document, wb, in_b))


def _plain_match(passage: Passage, document: Document, w: _Words, ranges: list[tuple[int, int]]) -> QuoteMatch:
    """A verbatim match from word ranges of ``passage.text`` (its lead not involved)."""
    segments = tuple((w.starts[i], w.ends[j - 1]) for i, j in ranges)
    return QuoteMatch(passage, document, (segments[0][0], segments[-1][1]), segments, None, 1.0, ())


def _screen(q: _Words, segments: list[tuple[int, int]]) -> re.Pattern[str]:
    """A pattern that finds, in its folded text, every passage holding the quote's parts in order.

    And a few more: it is a necessary condition. In the folded text the words are
    substrings, and every letter and digit belongs to a word, so between two words
    stands no [a-z0-9]; parts are searched in order, anywhere after each other. It is
    found at C speed with a literal prefix, without tokenizing the passage (TOKEN_RE
    costs some 30 us on a passage of 400 characters, the screen some 3 us). Only the
    first words of the first parts are in it, which is still a necessary condition:
    compiling a pattern of a 600-word quote would take 20 ms.
    """
    parts = [
        "[^a-z0-9]*".join(re.escape(w) for w in q.words[i : min(j, i + SCREEN_WORDS)])
        for i, j in segments[:SCREEN_PARTS]
    ]
    return re.compile("(?s:.*?)".join(parts))


def _may_hold(screen: re.Pattern[str], text: str) -> bool:
    """Whether ``text`` (lead included) may hold the quote's parts in order: False is a proof it does not."""
    return screen.search(folded_text(text)) is not None


def _find_in_order(needles: list[str], passage: Passage) -> list[tuple[int, int]] | None:
    """Word ranges of each needle, in order, ending in the passage text (not only its lead)."""
    p = _words(passage.searchable)
    lead_words = _lead_word_count(passage, p)
    first_from = 0
    while True:
        ranges: list[tuple[int, int]] = []
        pos = p.offsets[first_from] if first_from < len(p.offsets) else len(p.joined)
        for needle in needles:
            at = p.joined.find(needle, pos)
            if at < 0:
                return None
            start = bisect_right(p.offsets, at) - 1
            end = start + needle.count(_SEP) - 1
            ranges.append((start, end))
            pos = p.offsets[end] if end < len(p.offsets) else len(p.joined) - 1
        if ranges[-1][1] > lead_words:
            return ranges
        # Wholly inside the lead-in sentence, which is a passage of its own: look further.
        first_from = ranges[0][0] + 1


def _lead_word_count(passage: Passage, p: _Words) -> int:
    if not passage.lead:
        return 0
    return bisect_right(p.starts, len(passage.lead))


def _match(
    passage: Passage,
    document: Document,
    ranges: list[tuple[int, int]],
    similarity: float,
    diff: tuple[DiffOp, ...],
) -> QuoteMatch:
    """A match from word ranges of ``passage.searchable``, with spans into text and lead."""
    p = _words(passage.searchable)
    start, end = p.starts[ranges[0][0]], p.ends[ranges[-1][1] - 1]
    shift = len(passage.lead) + 1 if passage.lead else 0
    segments = tuple(
        span
        for i, j in ranges
        if (span := _text_span(p.starts[i], p.ends[j - 1], shift)) is not None
    )
    span = _text_span(start, end, shift) or (0, 0)
    lead_words = _lead_word_count(passage, p)
    lead_span = None
    if ranges[0][0] < lead_words:
        # From the first matched word to the last one that stands in the lead.
        lead_span = (start, p.ends[min(ranges[-1][1], lead_words) - 1])
    return QuoteMatch(passage, document, span, segments, lead_span, similarity, diff)


def _text_span(start: int, end: int, shift: int) -> tuple[int, int] | None:
    """A span of ``searchable`` as a span of ``text`` (clipped), None if wholly in the lead."""
    if end <= shift:
        return None
    return max(start - shift, 0), end - shift


def _closest(
    q: _Words,
    segments: list[tuple[int, int]],
    rare: list[str],
    passages: Sequence[Passage],
    documents: Mapping[str, Document],
    index: Bm25Index,
    budget: Budget,
) -> list[QuoteMatch]:
    """The BM25 candidates aligned word by word with the quote, most similar first.

    Only candidates that may matter are aligned (the alignment of a long quote is the
    cost of a check): one whose similarity cannot reach NEAR_THRESHOLD is still needed
    if it may be the closest passage, so it is skipped only when its upper bound is
    below both the threshold and a similarity already found. Candidates are aligned
    highest bound first, so that the best is found early. The list holds every
    candidate at or above the threshold and, below it, at least the most similar one,
    which is all a verdict reads.
    """
    ids, _, _ = index.top(rare, NEAR_CANDIDATES)
    cut_starts = {i for i, _ in segments[1:]}
    quote_counts = Counter(q.words)
    bounds: list[tuple[float, int]] = []
    for pid in ids.tolist():  # the BM25 best first: out of time, the rest is not read
        if bounds and budget.spent():
            break
        bounds.append((_similarity_bound(q, quote_counts, passages[pid]), pid))
    bounded = sorted(bounds, key=lambda item: -item[0])
    best = 0.0
    aligned: list[tuple[float, int, QuoteMatch]] = []
    for bound, pid in bounded:
        if bound < NEAR_THRESHOLD and bound < best:
            continue  # neither near nor the closest: its alignment would change nothing
        if aligned and budget.spent():
            break  # the best bounds came first; the caller reports the rest as unread
        passage = passages[pid]
        match = _align(q, cut_starts, passage, documents[passage.document])
        if match is not None:
            aligned.append((match.similarity, pid, match))
            best = max(best, match.similarity)
    aligned.sort(key=lambda item: (-item[0], not item[2].document.is_resolution_text, item[1]))
    return [m for _, _, m in aligned]


def _similarity_bound(q: _Words, quote_counts: Counter[str], passage: Passage) -> float:
    """An upper bound of the similarity ``_align`` gives this passage, from word counts.

    The similarity is 2 * same / (len(quote) + width - cut), where ``same`` words are
    matched one to one in order and the window of ``width`` passage words holds the
    ``same`` and ``cut`` words apart: the denominator is at least len(quote) + same.
    ``same`` is at most the words quote and passage share, counted with multiplicity,
    and 2x / (n + x) grows with x.
    """
    p = _words(passage.searchable)
    shared = sum((Counter(p.words) & quote_counts).values())
    return 2 * shared / (len(q.words) + shared)


def _align(q: _Words, cut_starts: set[int], passage: Passage, document: Document) -> QuoteMatch | None:
    """The passage's best window for the quote, its similarity and the word diff."""
    p = _words(passage.searchable)
    base, region = _region(q, p)
    matcher = SequenceMatcher(None, q.words, region, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    # Choose the run of matching blocks with the best ratio, so that a common word far
    # away in the passage does not stretch the window over unrelated text.
    # Passage words between two blocks that meet where the quote marks a cut are the
    # cut's, not differences: "leader [...] pending" spans the words it leaves out.
    best = (0.0, 0, 0)
    total = len(q.words)
    for i in range(len(blocks)):
        matched = cut = 0
        for j in range(i, len(blocks)):
            if j > i and blocks[j].a in cut_starts and blocks[j - 1].a + blocks[j - 1].size == blocks[j].a:
                cut += blocks[j].b - (blocks[j - 1].b + blocks[j - 1].size)
            matched += blocks[j].size
            width = blocks[j].b + blocks[j].size - blocks[i].b - cut
            ratio = 2 * matched / (total + width)
            if ratio > best[0]:
                best = (ratio, base + blocks[i].b, base + blocks[j].b + blocks[j].size)
    _, lo, hi = best
    if hi <= _lead_word_count(passage, p):
        return None  # wholly in the lead-in sentence, a passage of its own
    # A window of the whole region is the sequence already aligned: same opcodes,
    # without aligning it again.
    whole = lo == base and hi == base + len(region)
    window = matcher if whole else SequenceMatcher(None, q.words, p.words[lo:hi], autojunk=False)
    shift = len(passage.lead) + 1 if passage.lead else 0
    diff: list[DiffOp] = []
    same = cut = 0
    for tag, i1, i2, j1, j2 in _slide_to_cuts(window.get_opcodes(), cut_starts, p.words[lo:hi]):
        quote_words = _slice(q, i1, i2)
        passage_words = _slice(p, lo + j1, lo + j2)
        span = (
            _text_span(p.starts[lo + j1], p.ends[lo + j2 - 1], shift) if j2 > j1 else None
        )
        kind: DiffKind
        if tag == "equal":
            kind = "same"
        elif tag == "delete":
            kind = "add"
        elif tag == "insert":
            kind = "cut" if i1 in cut_starts else "drop"
        else:
            kind = "change"
        diff.append(DiffOp(kind, quote_words, passage_words, span))
        same += i2 - i1 if kind == "same" else 0
        cut += j2 - j1 if kind == "cut" else 0
    # Words the quote marks as cut are not differences: they leave the ratio alone.
    similarity = 2 * same / (len(q.words) + hi - lo - cut)
    return _match(passage, document, [(lo, hi)], similarity, tuple(diff))


# A passage longer than this many times the quote (and than ALIGN_MIN_WORDS) is aligned
# only in its stretch densest in the quote's words: aligning a 4,000-character quote
# with a whole 5 MB passage took minutes of CPU, holding the GIL. A near miss (similarity
# 0.8) spans at most 1.5 times the quote, so the stretch holds it.
ALIGN_WIDTH = 3
ALIGN_MIN_WORDS = 2000


def _region(q: _Words, p: _Words) -> tuple[int, Sequence[str]]:
    """Where to align the quote in the passage: (first word index, the words from there)."""
    width = max(ALIGN_MIN_WORDS, ALIGN_WIDTH * len(q.words))
    if len(p.words) <= width:
        return 0, p.words
    wanted = frozenset(q.words)
    hits = np.fromiter((w in wanted for w in p.words), dtype=np.int32, count=len(p.words))
    sums = np.concatenate(([0], np.cumsum(hits)))
    counts = sums[width:] - sums[:-width]  # quote words in each stretch of ``width`` words
    start = int(np.argmax(counts))
    return start, p.words[start : start + width]


Opcode = tuple[str, int, int, int, int]


def _slide_to_cuts(ops: Sequence[Opcode], cut_starts: set[int], b: Sequence[str]) -> list[Opcode]:
    """Move each left-out stretch of the passage to where the quote marks its cut.

    "authorities to ... ensure" against "authorities to quash ... and to ensure" can be
    aligned with either "to" matched; the diff should show the stretch the quote cut,
    so an insertion slides right over equal words while that keeps the same alignment.
    """
    out = list(ops)
    k = 0
    while k < len(out):
        tag, i1, _, j1, j2 = out[k]
        nxt = out[k + 1] if k + 1 < len(out) else None
        k += 1
        if tag != "insert" or i1 in cut_starts or nxt is None or nxt[0] != "equal":
            continue
        shift = 0
        while shift < nxt[2] - nxt[1] and b[j1 + shift] == b[j2 + shift]:
            shift += 1
            if i1 + shift in cut_starts:
                break
        if i1 + shift not in cut_starts:
            continue
        here = k - 1
        prev = out[here - 1] if here > 0 else None
        out[here] = ("insert", i1 + shift, i1 + shift, j1 + shift, j2 + shift)
        out[here + 1] = ("equal", nxt[1] + shift, nxt[2], nxt[3] + shift, nxt[4])
        if prev is not None and prev[0] == "equal":
            out[here - 1] = ("equal", prev[1], prev[2] + shift, prev[3], prev[4] + shift)
        else:
            out.insert(here, ("equal", i1, i1 + shift, j1, j1 + shift))
            k += 1
    return [op for op in out if op[0] != "equal" or op[2] > op[1]]


def _slice(words: _Words, i: int, j: int) -> str:
    """Words i..j as written, with whatever stands between them in the original."""
    if j <= i:
        return ""
    return words.text[words.starts[i] : words.ends[j - 1]]

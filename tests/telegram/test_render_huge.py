"""Huge metadata cannot break a command for everyone.

Titles and sources come from files people write. models.DocumentMeta caps them, but
render must hold on its own: these documents bypass validation (model_construct) with a
4,500-character title, a 5,000-character source and very long URLs, and every reply
must still be HTML Telegram accepts, within 4,096 characters once parsed.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from bot.answers.answer import Answer
from bot.answers.quote import DiffOp, QuoteMatch, QuoteResult, Verdict
from bot.answers.service import Resolution
from bot.answers.timeline import Timeline, TimelineEntry
from bot.corpus.models import Document, DocumentMeta, Hit, Kind, Passage, Position
from bot.search.query import parse_query
from bot.telegram import render, render_admin, render_answer, render_quote, render_sources, render_timeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from fake_telegram import parse_html, utf16_len  # noqa: E402

TITLE = "European Parliament resolution on " + "very " * 900  # 4,534 characters
SOURCE = "Outlet & <Co> " * 358  # 5,012 characters, with characters to escape
LINKED = "https://example.org/" + "a" * 1500  # long, but a link Telegram takes
UNLINKABLE = "https://example.org/" + "b" * 5000  # too long to be a link


def huge(name: str, kind: Kind | None, url: str) -> Document:
    meta = DocumentMeta.model_construct(
        title=TITLE, reference="2019/2610(RSP)", adopted=dt.date(2019, 3, 14), kind=kind,
        source=SOURCE, url=url,
    )
    assert len(meta.title or "") > 4500 and len(meta.source or "") > 5000
    return Document(name, meta, {}, (), "digest")


DOCS = [huge("a.md", Kind.text_adopted, LINKED), huge("b.txt", Kind.news_report, UNLINKABLE)]
WORDS = "Parliament calls for the release of every political prisoner"


def hit(rank: int, doc: Document, text: str = WORDS) -> Hit:
    return Hit(rank, 1.0, Passage(doc.name, Position(rank, None, 3), text, None), doc)


def accepted(*messages: str) -> str:
    """The messages as users read them; each must parse and fit, as Telegram demands."""
    shown = []
    for message in messages:
        text, _ = parse_html(message)  # raises on HTML Telegram would refuse
        assert utf16_len(text) <= render.MAX_MESSAGE
        shown.append(text)
    return "\n\n".join(shown)


def assert_cut(shown: str) -> None:
    """The title and the source are there, cut with "…", never whole."""
    assert "European Parliament resolution on very very" in shown and TITLE.strip() not in shown
    assert "Outlet & <Co> Outlet" in shown and SOURCE.strip() not in shown
    assert "…" in shown


def test_sources() -> None:
    resolutions = [Resolution("2019/2610(RSP)", TITLE, dt.date(2019, 3, 14), tuple(DOCS))] * 30
    offset: int | None = 0
    pages = []
    while offset is not None:
        page = render_sources.render_sources(resolutions, offset)
        assert page is not None
        pages.append(page.text)
        offset = page.next_offset
    shown = accepted(*pages)
    assert_cut(shown)
    assert shown.count("2019-03-14 · 2019/2610(RSP)") == 30
    # The long link is kept; the one too long to link is not linked at all.
    assert LINKED in "".join(pages) and UNLINKABLE not in "".join(pages)


def test_answer_and_single_hits() -> None:
    hits = tuple(hit(n, DOCS[(n - 1) % 2], WORDS + " x" * 500) for n in range(1, 4))
    messages = render_answer.render_answer(Answer("political prisoner", hits, 3))
    assert_cut(accepted(*messages))
    for one in hits:
        assert_cut(accepted(render.render_hit(one, frozenset({"prison"}))))


def test_inline_articles() -> None:
    answer = Answer("political prisoner", tuple(hit(n, DOCS[n % 2]) for n in range(1, 11)), 10)
    articles = render_answer.inline_articles(answer)
    assert len(articles) == 10
    for article in articles:
        assert_cut(accepted(article.html))
        assert utf16_len(article.description) <= render.INLINE_DESCRIPTION_CHARS


@pytest.mark.parametrize("verdict", list(Verdict))
def test_quote(verdict: Verdict) -> None:
    end = len(WORDS)
    diff = (DiffOp("same", WORDS, WORDS, (0, end)), DiffOp("add", "now", "", None))
    matches = tuple(
        QuoteMatch(Passage(d.name, Position(1, None, 1), WORDS, None), d, (0, end), ((0, end),), None, 0.9, diff)
        for d in DOCS
    )
    result = QuoteResult(WORDS, verdict, False, 0.9, matches)
    assert_cut(accepted(*render_quote.render_quote(result)))


def test_timeline() -> None:
    entries = tuple(
        TimelineEntry(None, TITLE, dt.date(2016 + n, 1, 1), hit(1, DOCS[n % 2], "w " * 3000))
        for n in range(3)
    )
    page = render_timeline.render_timeline(Timeline("topic", entries, parse_query("topic")))
    assert page is not None and page.next_offset is None
    shown = accepted(page.text)
    assert_cut(shown)
    assert shown.count("reference unknown") == 3


def test_corpus_listing() -> None:
    docs = DOCS * 20
    offset: int | None = 0
    pages = []
    while offset is not None:
        page = render_admin.corpus_listing(docs, (), offset)
        assert page is not None
        pages.append(page.text)
        offset = page.next_offset
    shown = accepted(*pages)
    assert "Outlet & <Co> Outlet" in shown and SOURCE.strip() not in shown
    assert shown.count("2019/2610(RSP) · 2019-03-14") == 40

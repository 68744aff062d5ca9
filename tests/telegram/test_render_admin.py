"""Admin replies: escaped, complete, and within Telegram's message length."""

from __future__ import annotations

from pathlib import Path

from bot.answers.service import ReloadReport, ServiceStats
from bot.answers.stats import StatsReport
from bot.corpus.load import load_corpus
from bot.corpus.models import Document, Problem
from bot.telegram import render_admin
from bot.telegram.render import Page, visible_length
from tests.conftest import CORPUS


def _report(**changes: object) -> ReloadReport:
    base: dict[str, object] = dict(
        added=("new.md",), removed=(), changed=("<b>x</b>.md",), documents_before=2, documents_after=3,
        passages_before=20, passages_after=21, seconds=0.123, problems=(), kept_old=False,
    )
    base.update(changes)
    return ReloadReport(**base)  # type: ignore[arg-type]


def test_reload_report_says_what_changed_and_escapes_names() -> None:
    text = render_admin.reload_report(_report())
    assert "Added: <code>new.md</code>" in text
    assert "Removed: none" in text
    assert "<code>&lt;b&gt;x&lt;/b&gt;.md</code>" in text
    assert "Passages: 20 → 21" in text and "Time: 0.12 s" in text


def test_reload_report_lists_skipped_files_and_a_kept_old_corpus() -> None:
    problems = tuple(Problem(f"bad{i}&.md", 3, "broken YAML front matter: <oops>") for i in range(30))
    text = render_admin.reload_report(_report(problems=problems, kept_old=True))
    assert "the old corpus is still served" in text
    assert "Skipped files (30)" in text
    assert "bad0&amp;.md:3: error: broken YAML front matter: &lt;oops&gt;" in text
    assert "… and 10 more" in text
    assert len(text) <= 4096


def corpus_pages(docs: list[Document], problems: list[Problem] | None = None) -> list[str]:
    """Every page of /corpus, following the More offsets as the button does."""
    texts: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = render_admin.corpus_listing(docs, problems or [], offset)
        assert page is not None
        texts.append(page.text)
        offset = page.next_offset
    return texts


def test_corpus_listing_comes_in_pages_without_splitting_entries() -> None:
    docs = list(load_corpus(CORPUS).documents) * 60
    pages = corpus_pages(docs)
    assert len(pages) > 1
    # Telegram's limit is on the text after entity parsing, as render.visible_length counts it.
    assert all(visible_length(m) <= 4096 for m in pages)
    assert pages[0].startswith("<b>120 files in the corpus</b> (entries 1–")
    joined = "\n\n".join(pages)
    assert joined.count("<code>2016-2607-kazakhstan-freedom-of-expression-oeil.md</code>: 13 passages") == 60
    assert "2019/2610(RSP) · 2019-03-14 · news report, Times of Central Asia" in joined
    assert render_admin.corpus_listing(docs, [], 120) is None  # past the end: expired


def test_empty_corpus_listing(tmp_path: Path) -> None:
    assert render_admin.corpus_listing([]) == Page("The corpus is empty.", None)


def test_stats_message() -> None:
    text = render_admin.stats(ServiceStats(3725.0, 2, 20, StatsReport(3725.0, 7, 0.42, 1.5)))
    assert "Uptime: 0d 1h 2m 5s" in text
    assert "Questions answered: 7" in text
    assert "median 0.4 ms, p95 1.5 ms" in text
    empty = render_admin.stats(ServiceStats(1.0, 0, 0, StatsReport(1.0, 0, None, None)))
    assert "median n/a, p95 n/a" in empty


def test_long_names_and_reasons_are_cut_and_escaped() -> None:
    name = "<x>" + "n" * 5000 + ".md"
    text = render_admin.upload_refused(name, "bad & " * 2000)
    assert visible_length(text) <= 4096
    assert text.startswith("<b>Not saved:</b> <code>&lt;x&gt;nnn")
    assert "bad &amp; bad" in text and text.count("…") == 2


def test_an_over_long_report_is_cut_at_a_line_boundary() -> None:
    names = tuple(f"file-{i:04d}-{'x' * 150}.md" for i in range(200))
    text = render_admin.reload_report(_report(added=names, changed=names))
    assert "Added: <code>file-0000-" in text and "… and 180 more" in text
    assert "Changed:" not in text  # the line that would not fit is dropped whole
    assert visible_length(text) <= 4096
    assert text.endswith("\n…")
    assert text.count("<code>") == text.count("</code>")  # no tag cut in half


def test_corpus_listing_ends_with_the_skipped_files() -> None:
    docs = load_corpus(CORPUS).documents
    messages = corpus_pages(list(docs), [Problem("broken.md", 2, "broken YAML front matter")])
    assert messages[-1].endswith("<b>Skipped files (1):</b>\n• broken.md:2: error: broken YAML front matter")


def test_too_big_says_the_size_and_the_cap() -> None:
    text = render_admin.too_big("big.md", 6_000_000, 5 * 2**20)
    assert "6,000,000 bytes; the cap is 5,242,880 bytes (5 MiB)" in text

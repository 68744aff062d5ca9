"""The admins' sync report: what was added and refused, escaped, and within one message."""

from __future__ import annotations

import datetime as dt

from bot.answers.service import ReloadReport, SyncDone
from bot.corpus.sync import RefusedText, SyncedText, SyncReport
from bot.telegram import render_sync
from bot.telegram.render import MAX_MESSAGE, visible_length

DAY = dt.date(2026, 11, 26)


def _done(added: int, refused: int, listing_error: str | None = None) -> SyncDone:
    report = SyncReport(
        since=dt.date(2026, 11, 12), until=dt.date(2026, 12, 3), since_why="asked for", dry_run=False,
        imported=tuple(SyncedText(file=f"f{n}.md", title=f"Situation <{n}> & co", reference=None, adopted=DAY,
                                  text_id=f"TA-10-2026-{n:04d}", passages=5) for n in range(added)),
        refused=tuple(RefusedText(text_id=f"TA-10-2026-{9000 + n}", reason="HTTP 404 Not Found " * 40)
                      for n in range(refused)),
        present=37, older=3, listing_error=listing_error,
    )
    reload = ReloadReport(added=(), removed=(), changed=(), documents_before=2, documents_after=2 + added,
                          passages_before=20, passages_after=20 + 5 * added, seconds=0.1, problems=())
    return SyncDone(report, reload if added else None, report.refused)


def test_the_report_lists_what_was_added_and_refused() -> None:
    text = render_sync.report(_done(2, 1))
    assert text.startswith("<b>Sync with the Parliament</b>: texts adopted 2026-11-12 to 2026-12-03")
    assert "<b>Added (2):</b>\n• Situation &lt;0&gt; &amp; co (TA-10-2026-0000 · 2026-11-26)" in text
    assert "<b>Refused (1):</b>\n• TA-10-2026-9000: HTTP 404" in text
    assert "Already in the corpus: 37" in text and "Corpus reloaded: 2 → 4 documents, 20 → 30 passages." in text


def test_nothing_new_and_a_failed_listing_are_said() -> None:
    text = render_sync.report(_done(0, 0, "the listing of 2026 failed after 50 texts: HTTP 500"))
    assert "Added: nothing new" in text and "Refused" not in text and "reloaded" not in text
    assert "<b>The listing failed:</b> the listing of 2026 failed after 50 texts: HTTP 500; the next sync" in text


def test_a_first_sync_of_two_years_fits_one_message() -> None:
    text = render_sync.report(_done(1200, 300))
    assert visible_length(text) <= MAX_MESSAGE
    assert "… and 1185 more (/corpus lists them)" in text

"""Answer statistics: counts and percentiles since start, within one bucket (5%)."""

from __future__ import annotations

import pytest

from bot.answers.stats import AnswerStats


def test_no_answers_yet() -> None:
    report = AnswerStats().report()
    assert report.questions == 0 and report.median_ms is None and report.p95_ms is None


def test_percentiles_since_start() -> None:
    stats = AnswerStats()
    for ms in range(1, 101):  # 1 ms .. 100 ms, once each
        stats.record(ms / 1000)
    report = stats.report()
    assert report.questions == 100
    assert report.median_ms == pytest.approx(50, rel=0.05)
    assert report.p95_ms == pytest.approx(95, rel=0.05)


def test_every_answer_counts_however_many() -> None:
    stats = AnswerStats()
    for _ in range(20_000):
        stats.record(0.002)
    stats.record(30.0)
    report = stats.report()
    assert report.questions == 20_001
    assert report.median_ms == pytest.approx(2, rel=0.05)
    assert report.p95_ms == pytest.approx(2, rel=0.05)


def test_extremes_land_in_the_end_buckets() -> None:
    stats = AnswerStats()
    stats.record(0.0)
    stats.record(10_000.0)
    report = stats.report()
    assert report.questions == 2
    assert report.median_ms is not None and report.median_ms < 0.02
    assert report.p95_ms is not None and report.p95_ms > 100_000

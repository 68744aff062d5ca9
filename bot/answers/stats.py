"""Answer counters and latency percentiles since start, for /stats.

Times go into a histogram with log-spaced buckets (5% apart, 10 µs to about 2 minutes)
rather than a list: memory stays flat however long the bot runs, and a percentile is
exact to within one bucket, which is finer than anyone reads a latency.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_SMALLEST = 1e-5  # seconds
_RATIO = 1.05
_BUCKETS = 340  # 1e-5 * 1.05**340 ≈ 160 s; anything slower lands in the last bucket


@dataclass(frozen=True, slots=True)
class StatsReport:
    uptime_s: float
    questions: int
    median_ms: float | None
    p95_ms: float | None


class AnswerStats:
    """Thread-safe record of answer times since start."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._counts = [0] * _BUCKETS
        self._total = 0

    def record(self, seconds: float) -> None:
        bucket = 0 if seconds <= _SMALLEST else int(math.log(seconds / _SMALLEST, _RATIO)) + 1
        with self._lock:
            self._counts[min(bucket, _BUCKETS - 1)] += 1
            self._total += 1

    def report(self) -> StatsReport:
        with self._lock:
            counts = list(self._counts)
            total = self._total
        return StatsReport(
            time.monotonic() - self._started,
            total,
            _percentile(counts, total, 0.50),
            _percentile(counts, total, 0.95),
        )


def _percentile(counts: list[int], total: int, fraction: float) -> float | None:
    """The upper edge of the bucket holding the ``fraction`` quantile, in milliseconds."""
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return _SMALLEST * _RATIO**bucket * 1000
    return _SMALLEST * _RATIO ** (len(counts) - 1) * 1000

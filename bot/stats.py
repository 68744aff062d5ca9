"""Answer counters and latency percentiles since start, for /stats."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Percentiles over the most recent answers: a bounded window keeps memory flat on a bot
# that runs for months, and recent latency is what an admin wants to know.
WINDOW = 10_000


@dataclass(frozen=True, slots=True)
class StatsReport:
    uptime_s: float
    questions: int
    median_ms: float | None
    p95_ms: float | None


class AnswerStats:
    """Thread-safe record of answer times."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._count = 0
        self._times: deque[float] = deque(maxlen=WINDOW)

    def record(self, seconds: float) -> None:
        with self._lock:
            self._count += 1
            self._times.append(seconds)

    def report(self) -> StatsReport:
        with self._lock:
            times = sorted(self._times)
            count = self._count
        median = statistics.median(times) * 1000 if times else None
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))] * 1000 if times else None
        return StatsReport(time.monotonic() - self._started, count, median, p95)

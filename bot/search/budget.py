"""The CPU time one question may spend reading passages in Python, so one user cannot slow everyone.

Phrase checks, the timeline's choice of each resolution's passage and the quote
alignment read passage text in Python, holding the GIL: a question made of hundreds of
quoted phrases cost seconds of it, and every other user's answer waited. Each question
gets a ``Budget`` of CPU time (``time.thread_time``: the time this thread ran, not the
time it waited for the GIL or for a worker). Past it, those loops stop early; what they
skipped is reported as incomplete ("at least N", "other resolutions may use it too"),
never as a match that was not checked.
"""

from __future__ import annotations

import logging
import sys
import time

logger = logging.getLogger(__name__)

# Python hands the GIL to a waiting thread only once per switch interval (5 ms by
# default). A question gives the GIL up many times (numpy releases it) and, while an
# import runs in another thread, waits the interval each time to get it back: 30 to 40 ms
# an answer (benchmarks/bench_hostile_import.py). At 0.5 ms answers stay within a few
# milliseconds of their own cost, and the import barely slows.
SWITCH_INTERVAL_S = 0.0005


def share_the_interpreter() -> None:
    """Set the process's GIL switch interval so that answers are not held by background work."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)

# CPU seconds a question may spend on Python-level checks. A typical question spends
# well under a millisecond there; 20 questions at the limit (one user's allowance a
# minute) cost 5 s of CPU, not the 76 s they cost before.
QUESTION_CPU_SECONDS = 0.25


class Budget:
    """A question's remaining CPU time; ``spent()`` turns true once, and stays true."""

    __slots__ = ("seconds", "_deadline", "exhausted")

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = QUESTION_CPU_SECONDS if seconds is None else seconds
        self._deadline = time.thread_time() + self.seconds
        self.exhausted = False

    def spent(self) -> bool:
        if not self.exhausted and time.thread_time() >= self._deadline:
            self.exhausted = True
            logger.info("a question used its %.2f s of CPU: its search stopped early", self.seconds)
        return self.exhausted

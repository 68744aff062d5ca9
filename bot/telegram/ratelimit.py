"""Per-user limits on questions: at most N in any sliding window of 60 seconds, and one at a time.

Each search costs CPU for everyone, so one person pasting questions in a loop must not
slow the bot down for the others. A sliding log (not a fixed minute) means a burst at
the end of one minute cannot be followed by another burst at the start of the next.

Used from the event loop only, so it needs no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable

logger = logging.getLogger(__name__)

# Enough for every active user of a busy bot; beyond it the least recently seen user is
# forgotten, which at worst gives that user a fresh allowance.
DEFAULT_MAX_USERS = 10_000


class RateLimiter:
    """Allows ``limit`` events per ``period`` seconds for each key (a Telegram user id)."""

    def __init__(
        self,
        limit: int,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = DEFAULT_MAX_USERS,
    ) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be at least 1 per period, got {limit}")
        if period <= 0:
            raise ValueError(f"rate limit period must be positive, got {period}")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._max_users = max_users
        self._events: OrderedDict[int, deque[float]] = OrderedDict()

    def acquire(self, key: int) -> float:
        """Record one event for ``key`` and return 0.0, or the seconds to wait if over the limit.

        A refused event is not recorded, so waiting the returned time always helps.
        """
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            events = deque()
            self._events[key] = events
            if len(self._events) > self._max_users:
                self._events.popitem(last=False)
        else:
            self._events.move_to_end(key)
        while events and events[0] <= now - self.period:
            events.popleft()
        if len(events) >= self.limit:
            wait = events[0] + self.period - now
            logger.info("user %s is over %d questions per %.0fs", key, self.limit, self.period)
            return max(wait, 0.0)
        events.append(now)
        return 0.0


class Turns:
    """One question at a time for each user: the next one waits until the previous is answered.

    The rate limit caps how many questions a user asks in a minute, not how many run at
    once: twenty pasted together would take every worker thread, and everyone else's
    answer would queue behind them. Taking turns, a user holds at most one thread.
    Used from the event loop only.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}  # the user's questions running or waiting

    @contextlib.asynccontextmanager
    async def turn(self, user: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._holders[user] = self._holders.get(user, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[user] -= 1
            if not self._holders[user]:  # forget idle users: the dict holds only the active
                del self._holders[user], self._locks[user]

    def waiting(self, user: int) -> int:
        """How many of ``user``'s questions are running or waiting."""
        return self._holders.get(user, 0)

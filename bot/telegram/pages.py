"""Short ids for questions, so that a button can name a question within 64 bytes.

Telegram limits a button's callback_data to 64 bytes, and a question can be 4,096
characters. Buttons therefore carry a short random id; this bounded map turns the id
back into the question. The oldest entries are forgotten first, and a button whose id
is gone is "expired": the handler says so rather than guessing.

Used from the event loop only, so it needs no lock. The database copy (when there is
one) is written and read off the loop.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 4096
T = TypeVar("T")


class QueryStore:
    """A least-recently-used map from short ids (8 URL-safe characters) to questions.

    With ``keep`` and ``recall`` (bot.state's put_question and get_question) each question
    is also written to the database, off the event loop, and a button whose question
    this process never saw (made before a restart) finds it there (``fetch``).
    """

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        keep: Callable[[str, str, int | None], None] | None = None,
        recall: Callable[[str], str | None] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"query store capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._keep = keep
        self._recall = recall
        self._writes: set[asyncio.Task[None]] = set()  # held, so a write in flight is not collected
        self._queries: OrderedDict[str, tuple[str, int | None]] = OrderedDict()  # id -> question, who asked

    def __len__(self) -> int:
        return len(self._queries)

    def put(self, question: str, owner: int | None = None) -> str:
        """Store ``question`` (asked by ``owner``, for /forget) and return its new id."""
        key = secrets.token_urlsafe(6)
        while key in self._queries:  # 48 random bits: a clash is rare but possible
            key = secrets.token_urlsafe(6)
        self._queries[key] = (question, owner)
        if len(self._queries) > self.capacity:
            self._queries.popitem(last=False)
        if self._keep is not None:
            self._write(key, question, owner)
        return key

    async def fetch(self, key: str) -> str | None:
        """As ``get``, then the database for a question asked before a restart (None if neither has it)."""
        question = self.get(key)
        if question is not None or self._recall is None:
            return question
        try:
            question = await asyncio.to_thread(self._recall, key)
        except Exception as exc:  # the database failed: the button expires, as without one
            logger.warning("stored question %s not read: %s", key, exc)
            return None
        if question is not None:
            self._queries[key] = (question, None)
            if len(self._queries) > self.capacity:
                self._queries.popitem(last=False)
        return question

    def _write(self, key: str, question: str, owner: int | None) -> None:
        assert self._keep is not None
        keep = self._keep

        async def write() -> None:
            try:
                await asyncio.to_thread(keep, key, question, owner)
            except Exception as exc:  # the button works while this process runs
                logger.warning("stored question %s not kept: %s", key, exc)

        try:
            task = asyncio.get_running_loop().create_task(write())
        except RuntimeError:  # no loop (a synchronous caller): kept in memory only
            return
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    def get(self, key: str) -> str | None:
        """The question stored under ``key``, or None when it has expired or never existed."""
        entry = self._queries.get(key)
        if entry is None:
            return None
        self._queries.move_to_end(key)
        return entry[0]

    def forget_user(self, owner: int) -> int:
        """Drop the questions ``owner`` asked (/forget); how many there were."""
        keys = [key for key, (_, who) in self._queries.items() if who == owner]
        for key in keys:
            del self._queries[key]
        return len(keys)


class PendingStore(Generic[T]):
    """Actions waiting for an admin's button (an upload to confirm, a file to remove).

    Bounded in count and in bytes, since an upload to confirm holds up to 5 MiB: the
    oldest are forgotten first, and a button whose id is gone says it has expired. An
    entry is taken once, so a double tap cannot act twice. Event loop only, no lock.
    """

    def __init__(self, capacity: int = 16, max_bytes: int = 32 * 2**20) -> None:
        if capacity < 1 or max_bytes < 1:
            raise ValueError("a pending store needs room for at least one entry")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, value: T, size: int = 0) -> str:
        """Keep ``value`` (``size`` bytes) and return its new id (8 URL-safe characters)."""
        key = secrets.token_urlsafe(6)
        while key in self._entries:
            key = secrets.token_urlsafe(6)
        self._entries[key] = (value, size)
        self._bytes += size
        # The newest entry always stays, even alone over the byte budget: it is the one
        # the admin is looking at.
        while len(self._entries) > 1 and (
            len(self._entries) > self.capacity or self._bytes > self.max_bytes
        ):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped
        return key

    def peek(self, key: str) -> T | None:
        """The entry stored under ``key``, left in place, or None."""
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def pop(self, key: str) -> T | None:
        """Take the entry stored under ``key``, or None when it has expired or was taken."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        self._bytes -= entry[1]
        return entry[0]

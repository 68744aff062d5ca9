"""Short ids for questions, so that a button can name a question within 64 bytes.

Telegram limits a button's callback_data to 64 bytes, and a question can be 4,096
characters. Buttons therefore carry a short random id; this bounded map turns the id
back into the question. The oldest entries are forgotten first, and a button whose id
is gone is "expired": the handler says so rather than guessing.

Used from the event loop only, so it needs no lock.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 4096


class QueryStore:
    """A least-recently-used map from short ids (8 URL-safe characters) to questions."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"query store capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._queries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._queries)

    def put(self, question: str) -> str:
        """Store ``question`` and return its new id."""
        key = secrets.token_urlsafe(6)
        while key in self._queries:  # 48 random bits: a clash is rare but possible
            key = secrets.token_urlsafe(6)
        self._queries[key] = question
        if len(self._queries) > self.capacity:
            self._queries.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        """The question stored under ``key``, or None when it has expired or never existed."""
        question = self._queries.get(key)
        if question is not None:
            self._queries.move_to_end(key)
        return question

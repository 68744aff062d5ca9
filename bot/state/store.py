"""What the bot keeps across restarts: follows, what was notified, counters, unanswered questions, button questions.

Every method is synchronous and blocking (run it off the event loop) and raises
``StateError`` (one line) when the database cannot be used; a State opened on a folder
that failed is *unavailable*: each method raises its start-up problem, and the bot
answers questions all the same.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.state.database import AlreadyRunning, Database, StateError

logger = logging.getLogger(__name__)

# The questions behind buttons kept: the oldest go first (a button older than that expires).
MAX_STORED_QUESTIONS = 100_000
# Distinct unanswered questions kept (the rarest and oldest go first).
MAX_UNANSWERED = 10_000


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    chat_id: int
    topic: str
    topic_key: str


@dataclass(frozen=True, slots=True)
class Followed:
    """The outcome of /follow: added, already there, or refused because the chat has ``limit``."""

    follow: Follow | None
    outcome: str  # "added", "exists" or "full"
    count: int  # the chat's follows after the call


@dataclass(frozen=True, slots=True)
class Forgotten:
    follows: int
    questions: int


class State:
    """The kept state of one DATA_DIR, or, when its database failed, why it is unavailable."""

    def __init__(self, database: Database | None, problem: str | None = None) -> None:
        self.database = database
        self.problem = problem

    @property
    def available(self) -> bool:
        return self.database is not None

    def close(self) -> None:
        if self.database is not None:
            self.database.close()

    def _db(self) -> Database:
        if self.database is None:
            raise StateError(self.problem or "the database is not open")
        return self.database

    # Follows ---------------------------------------------------------------------

    def follow(self, chat_id: int, topic: str, topic_key: str, added_by: int | None, limit: int) -> Followed:
        def add(c: sqlite3.Connection) -> Followed:
            found = c.execute(
                "SELECT id, chat_id, topic, topic_key FROM follows WHERE chat_id = ? AND topic_key = ?",
                (chat_id, topic_key),
            ).fetchone()
            count = int(c.execute("SELECT count(*) FROM follows WHERE chat_id = ?", (chat_id,)).fetchone()[0])
            if found is not None:
                return Followed(Follow(*found), "exists", count)
            if count >= limit:
                return Followed(None, "full", count)
            cursor = c.execute(
                "INSERT INTO follows (chat_id, topic, topic_key, added_by, created_at) VALUES (?, ?, ?, ?, ?)",
                (chat_id, topic, topic_key, added_by, time.time()),
            )
            assert cursor.lastrowid is not None
            return Followed(Follow(cursor.lastrowid, chat_id, topic, topic_key), "added", count + 1)

        return self._db().write(add)

    def unfollow(self, chat_id: int, *, follow_id: int | None = None, topic_key: str | None = None) -> Follow | None:
        """Remove one of the chat's follows, by id or by topic; the follow removed, or None."""

        def remove(c: sqlite3.Connection) -> Follow | None:
            value: int | str | None
            if follow_id is not None:
                where, value = "id = ?", follow_id
            else:
                where, value = "topic_key = ?", topic_key
            row = c.execute(
                f"SELECT id, chat_id, topic, topic_key FROM follows WHERE chat_id = ? AND {where}", (chat_id, value)
            ).fetchone()
            if row is None:
                return None
            c.execute("DELETE FROM follows WHERE id = ?", (row[0],))
            return Follow(*row)

        return self._db().write(remove)

    def following(self, chat_id: int) -> list[Follow]:
        """The chat's follows, oldest first."""
        rows = self._db().read(lambda c: c.execute(
            "SELECT id, chat_id, topic, topic_key FROM follows WHERE chat_id = ? ORDER BY id", (chat_id,)
        ).fetchall())
        return [Follow(*row) for row in rows]

    def all_follows(self) -> list[Follow]:
        rows = self._db().read(lambda c: c.execute(
            "SELECT id, chat_id, topic, topic_key FROM follows ORDER BY id"
        ).fetchall())
        return [Follow(*row) for row in rows]

    def unsubscribe_chat(self, chat_id: int) -> int:
        """Drop every follow of a chat (it blocked the bot, or left); how many there were."""
        return self._db().write(lambda c: c.execute("DELETE FROM follows WHERE chat_id = ?", (chat_id,)).rowcount)

    # Notifications -----------------------------------------------------------------

    def not_yet_notified(self, chat_ids: list[int], document: str, text_digest: str) -> list[int]:
        """The chats among ``chat_ids`` not yet told about this text of ``document``."""

        def pick(c: sqlite3.Connection) -> list[int]:
            done = {
                row[0] for row in c.execute(
                    "SELECT chat_id FROM notified WHERE document = ? AND text_digest = ?", (document, text_digest)
                )
            }
            return [chat for chat in chat_ids if chat not in done]

        return self._db().read(pick)

    def mark_notified(self, chat_id: int, document: str, text_digest: str) -> None:
        self._db().write(lambda c: c.execute(
            "INSERT OR IGNORE INTO notified (chat_id, document, text_digest, sent_at) VALUES (?, ?, ?, ?)",
            (chat_id, document, text_digest, time.time()),
        ))

    # Counters and unanswered questions ------------------------------------------------

    def count(self, name: str, by: int = 1) -> None:
        self._db().write(lambda c: c.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        ))

    def counters(self) -> dict[str, int]:
        rows = self._db().read(lambda c: c.execute("SELECT name, value FROM counters").fetchall())
        return {name: int(value) for name, value in rows}

    def record_unanswered(self, question: str) -> None:
        """Count a question that got no passage (its words only: no user, no chat)."""
        key = " ".join(question.casefold().split())

        def add(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO unanswered (question_key, question, count, last_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (question_key) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                (key, " ".join(question.split()), time.time()),
            )
            c.execute(
                "DELETE FROM unanswered WHERE question_key IN (SELECT question_key FROM unanswered "
                "ORDER BY count DESC, last_at DESC LIMIT -1 OFFSET ?)", (MAX_UNANSWERED,),
            )

        self._db().write(add)

    def unanswered(self, limit: int) -> list[tuple[str, int]]:
        """The questions that got no passage, most frequent first (then the most recent)."""
        rows = self._db().read(lambda c: c.execute(
            "SELECT question, count FROM unanswered ORDER BY count DESC, last_at DESC LIMIT ?", (limit,)
        ).fetchall())
        return [(question, int(count)) for question, count in rows]

    # Questions behind buttons -----------------------------------------------------------

    def put_question(self, key: str, question: str, user_id: int | None) -> None:
        def add(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT OR REPLACE INTO questions (key, question, user_id, created_at) VALUES (?, ?, ?, ?)",
                (key, question, user_id, time.time()),
            )
            c.execute(
                "DELETE FROM questions WHERE key IN (SELECT key FROM questions "
                "ORDER BY created_at DESC LIMIT -1 OFFSET ?)", (MAX_STORED_QUESTIONS,),
            )

        self._db().write(add)

    def get_question(self, key: str) -> str | None:
        row = self._db().read(lambda c: c.execute("SELECT question FROM questions WHERE key = ?", (key,)).fetchone())
        return None if row is None else str(row[0])

    # Privacy ------------------------------------------------------------------------

    def forget(self, user_id: int) -> Forgotten:
        """Delete what is kept about a user: their private chat's follows, the questions they asked
        behind buttons, and what their private chat was notified of."""

        def delete(c: sqlite3.Connection) -> Forgotten:
            follows = c.execute("DELETE FROM follows WHERE chat_id = ?", (user_id,)).rowcount
            questions = c.execute("DELETE FROM questions WHERE user_id = ?", (user_id,)).rowcount
            c.execute("DELETE FROM notified WHERE chat_id = ?", (user_id,))
            return Forgotten(follows, questions)

        return self._db().write(delete)


def open_state(directory: Path, busy_timeout_s: float | None = None) -> State:
    """The state kept in ``directory``; unavailable (with its one-line problem) when the
    database cannot be used. Raises AlreadyRunning when another process holds the folder."""
    try:
        if busy_timeout_s is None:
            database = Database(directory)
        else:
            database = Database(directory, busy_timeout_s=busy_timeout_s)
    except AlreadyRunning:
        raise
    except StateError as exc:
        logger.error("%s; follows and what the bot keeps are off, questions are answered", exc)
        return State(None, str(exc))
    return State(database)

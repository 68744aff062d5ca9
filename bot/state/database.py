"""The bot's SQLite file: opened once per process under a lock, in WAL mode, migrated to the current schema.

One connection, shared by the worker threads under a lock: the callers run it off the
event loop (``asyncio.to_thread``). Every failure becomes a ``StateError`` with one line
that names the file and says what to do; the bot then runs without what it keeps.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_FILE = "bot.sqlite3"
LOCK_FILE = "bot.lock"
# How long a statement waits for another connection's lock before "database is locked".
BUSY_TIMEOUT_S = 5.0

# The schema, one step per version: step i takes the file from user_version i to i + 1.
# A step is never edited once released; a change is a new step.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE follows (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        topic TEXT NOT NULL,
        topic_key TEXT NOT NULL,
        added_by INTEGER,
        created_at REAL NOT NULL,
        UNIQUE (chat_id, topic_key)
    );
    CREATE INDEX follows_by_topic ON follows (topic_key);
    CREATE TABLE notified (
        chat_id INTEGER NOT NULL,
        document TEXT NOT NULL,
        text_digest TEXT NOT NULL,
        sent_at REAL NOT NULL,
        PRIMARY KEY (chat_id, document, text_digest)
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    CREATE TABLE unanswered (
        question_key TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        count INTEGER NOT NULL,
        last_at REAL NOT NULL
    );
    CREATE TABLE questions (
        key TEXT PRIMARY KEY,
        question TEXT NOT NULL,
        user_id INTEGER,
        created_at REAL NOT NULL
    );
    CREATE INDEX questions_by_user ON questions (user_id);
    CREATE INDEX questions_by_age ON questions (created_at);
    """,
)


class StateError(Exception):
    """The database cannot be used; the message is one line for the admin."""


class AlreadyRunning(StateError):
    """Another process holds DATA_DIR's lock: a second bot on one folder is refused."""


def describe(exc: BaseException, path: Path) -> str:
    """One line saying what went wrong with the database file ``path`` and what to do."""
    text = str(exc).lower()
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"DATA_DIR {path.parent} is a file, not a folder: point DATA_DIR at a folder"
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return (f"The database {path} is corrupted ({exc}): move it aside (the bot starts a new one) "
                "or restore a copy")
    if "locked" in text or "busy" in text:
        return f"The database {path} is locked by another program ({exc}): close it, or wait and restart"
    if "full" in text or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return f"The disk holding {path} is full ({exc}): free some space"
    if "readonly" in text or "read-only" in text or "unable to open" in text or isinstance(exc, PermissionError):
        return f"The database {path} cannot be written ({exc}): make DATA_DIR writable by the bot's user"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return f"The database {path} cannot be written ({exc}): make DATA_DIR writable by the bot's user"
    return f"The database {path} cannot be used: {exc}"


class Database:
    """The open database file of one DATA_DIR, held by this process alone until ``close``."""

    def __init__(
        self,
        directory: Path,
        migrations: Sequence[str] = MIGRATIONS,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.directory = directory
        self.path = directory / DATABASE_FILE
        self._lock = threading.Lock()
        self._lock_fd: int | None = None
        self._connection: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            self._connection = self._connect(busy_timeout_s)
            self._migrate(migrations)
        except AlreadyRunning:
            self.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise StateError(describe(exc, self.path)) from exc
        except StateError:
            self.close()
            raise

    @property
    def version(self) -> int:
        return int(self.read(lambda c: c.execute("PRAGMA user_version").fetchone()[0]))

    def read(self, call: Callable[[sqlite3.Connection], T]) -> T:
        """``call(connection)`` under the connection's lock; a failure is a StateError."""
        return self._run(call, write=False)

    def write(self, call: Callable[[sqlite3.Connection], T]) -> T:
        """``call(connection)`` in one transaction, committed, or rolled back on failure."""
        return self._run(call, write=True)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing the descriptor releases the lock
                self._lock_fd = None

    def _run(self, call: Callable[[sqlite3.Connection], T], write: bool) -> T:
        with self._lock:
            connection = self._connection
            if connection is None:
                raise StateError(f"The database {self.path} is closed")
            try:
                if not write:
                    return call(connection)
                with connection:  # a transaction: committed, or rolled back on an exception
                    return call(connection)
            except sqlite3.Error as exc:
                raise StateError(describe(exc, self.path)) from exc

    def _take_lock(self) -> None:
        import fcntl

        lock_path = self.directory / LOCK_FILE
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _read_pid(lock_path)
            raise AlreadyRunning(
                f"Another bot process{holder} is using DATA_DIR {self.directory} (it holds {lock_path}): "
                "stop it, or give this one its own DATA_DIR"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _connect(self, busy_timeout_s: float) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False)
        try:
            # Reading the schema first tells a corrupted file from a good one at once.
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("the database %s is in %s mode, not WAL", self.path, mode)
            connection.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
            connection.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            connection.close()
            raise
        return connection

    def _migrate(self, migrations: Sequence[str]) -> None:
        assert self._connection is not None
        connection = self._connection
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > len(migrations):
            raise StateError(
                f"The database {self.path} has schema version {version}, newer than this bot's "
                f"{len(migrations)}: run the newer bot, or move the file aside"
            )
        for step in range(version, len(migrations)):
            # One transaction per step, the version bumped inside it: a failed step leaves
            # the file at the previous version, never half-migrated.
            connection.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(migrations[step]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            logger.debug("database %s migrated to schema version %d", self.path, step + 1)


def _statements(script: str) -> list[str]:
    """The statements of a migration step (executescript would commit on its own)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _read_pid(lock_path: Path) -> str:
    try:
        pid = lock_path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""

"""The database file: migrations, and each way it can fail (corrupted, read-only, locked, full, two processes)."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.state.database import DATABASE_FILE, MIGRATIONS, AlreadyRunning, Database, StateError
from bot.state.store import open_state


def test_a_new_folder_gets_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    database = Database(tmp_path / "data")
    try:
        assert database.version == len(MIGRATIONS)
        assert database.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    finally:
        database.close()


def test_migrations_run_from_the_file_s_version_on_and_keep_its_rows(tmp_path: Path) -> None:
    first = ("CREATE TABLE notes (text TEXT)",)
    database = Database(tmp_path, migrations=first)
    database.write(lambda c: c.execute("INSERT INTO notes VALUES ('kept')"))
    database.close()
    database = Database(tmp_path, migrations=(*first, "ALTER TABLE notes ADD COLUMN size INTEGER"))
    try:
        assert database.version == 2
        assert database.read(lambda c: c.execute("SELECT text, size FROM notes").fetchall()) == [("kept", None)]
    finally:
        database.close()


def test_a_failed_step_leaves_the_previous_version(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot be used"):
        Database(tmp_path, migrations=("CREATE TABLE a (x)", "CREATE TABLE a (x)"))
    database = Database(tmp_path, migrations=("CREATE TABLE a (x)",))
    try:
        assert database.version == 1
    finally:
        database.close()


def test_a_file_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / DATABASE_FILE) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 3}")
    with pytest.raises(StateError, match="newer than this bot's"):
        Database(tmp_path)


def test_a_corrupted_file_is_one_line_and_the_state_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / DATABASE_FILE).write_bytes(b"this is not SQLite at all\n" * 200)
    with pytest.raises(StateError) as caught:
        Database(tmp_path)
    message = str(caught.value)
    assert "corrupted" in message and str(tmp_path / DATABASE_FILE) in message and "\n" not in message
    state = open_state(tmp_path)
    assert not state.available and state.problem == message
    with pytest.raises(StateError, match="corrupted"):
        state.following(1)


def test_a_read_only_folder_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the kernel answers a user without write permission (root, as in CI, is never refused by
    # chmod, so the refusal itself is given): EACCES on creating the lock file.
    folder = tmp_path / "data"
    folder.mkdir()

    def refuse(path: object, *args: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", refuse)
    state = open_state(folder)
    monkeypatch.undo()
    assert not state.available
    assert state.problem is not None and "writable" in state.problem and str(folder) in state.problem


def test_a_read_only_file_system_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root (CI containers) chmod does not stop a write: the refusal is the kernel's EROFS.
    def refuse(path: object, *args: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(os, "open", refuse)
    state = open_state(tmp_path)
    monkeypatch.undo()
    assert not state.available
    assert state.problem is not None and "cannot be written" in state.problem and "Read-only" in state.problem


def test_a_data_dir_that_is_a_file_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("oops", encoding="utf-8")
    state = open_state(tmp_path / "data")
    assert state.problem is not None and "is a file, not a folder" in state.problem


def test_a_file_locked_by_another_program_is_said_plainly(tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / DATABASE_FILE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        state = open_state(tmp_path, busy_timeout_s=0.05)
        assert not state.available
        assert state.problem is not None and "locked by another program" in state.problem
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_full_disk_is_reported_on_the_write_and_the_rows_stay(tmp_path: Path) -> None:
    state = open_state(tmp_path)
    try:
        state.follow(1, "Kazakhstan", "kazakhstan", 1, 20)
        assert state.database is not None
        pages = state.database.read(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
        state.database.read(lambda c: c.execute(f"PRAGMA max_page_count = {pages}"))
        with pytest.raises(StateError, match="full"):
            for n in range(2000):
                state.put_question(f"k{n}", "x" * 2000, 1)
        assert [f.topic for f in state.following(1)] == ["Kazakhstan"]
    finally:
        state.close()


def test_two_processes_on_one_folder_the_second_is_refused(tmp_path: Path) -> None:
    holder = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from bot.state.database import Database
        database = Database(Path({str(tmp_path)!r}))
        print("ready", flush=True)
        sys.stdin.readline()
        database.close()
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        with pytest.raises(AlreadyRunning) as caught:
            open_state(tmp_path)
        message = str(caught.value)
        assert f"pid {process.pid}" in message and str(tmp_path) in message and "own DATA_DIR" in message
    finally:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.close()
        process.wait(10)
    open_state(tmp_path).close()  # free again once the first has stopped


def test_closing_frees_the_folder_for_the_next_application(tmp_path: Path) -> None:
    state = open_state(tmp_path)
    state.follow(5, "Belarus", "belarus", 5, 20)
    state.close()
    again = open_state(tmp_path)
    try:
        assert [f.topic for f in again.following(5)] == ["Belarus"]
    finally:
        again.close()

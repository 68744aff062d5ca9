"""Index merges in the background, one at a time, without holding a process's exit for a small one.

A reload (or a start) after a few new files answers from segments and merges them later
(bot.search.segments, bot.search.index_store). A long-running bot finishes that merge; a
short-lived command (``python -m bot ask``) would otherwise wait for it at its exit: at
100k passages, 0.6 s of a 1.2 s process, for an index it will not use. So merges run in
a daemon thread, and when the process exits:

- a merge that has not begun is left to the next process, which answers from the
  saved index and the new files' segment again and merges them itself;
- a merge that is writing its index is waited for (``writing``), so no half-written
  index is left on disk;
- a merge that must finish (``must_finish``: many new passages, which every start would
  otherwise tokenize again) is finished, as before.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)


class Merger:
    """Runs submitted jobs one at a time in a daemon thread (started by the first job)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...], bool]] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._exiting = threading.Event()
        self._held = 0  # jobs that must finish, queued or running, and writes under way
        self._current_must_finish = False  # the running job's (one runs at a time)

    def submit(self, job: Callable[..., None], *args: Any, must_finish: bool = False) -> None:
        """Run ``job(*args)`` after the jobs before it; with ``must_finish``, even at the process's exit."""
        with self._lock:
            if self._thread is None:
                atexit.register(self._at_exit)
                self._thread = threading.Thread(target=self._run, name="index-merge", daemon=True)
                self._thread.start()
            if must_finish:
                self._held += 1
        self._jobs.put((job, args, must_finish))

    def exiting(self, timeout: float = 0.0) -> bool:
        """Whether the process is exiting (waiting up to ``timeout`` seconds for it to start):
        a job that need not finish returns then, leaving its merge to the next process."""
        return self._exiting.wait(timeout)

    @contextmanager
    def writing(self) -> Iterator[bool]:
        """A section the process's exit waits for: writing a merged index to disk. It gives
        False, and holds nothing, when the process is exiting and the job need not finish:
        a write begun then could be cut short and leave half an index behind."""
        with self._lock:
            allowed = self._current_must_finish or not self._exiting.is_set()
            if allowed:
                self._held += 1
        try:
            yield allowed
        finally:
            if allowed:
                self._release()

    def _release(self) -> None:
        with self._lock:
            self._held -= 1
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            job, args, must_finish = self._jobs.get()
            self._current_must_finish = must_finish
            try:
                if must_finish or not self._exiting.is_set():
                    job(*args)
            except Exception:
                logger.exception("a background index merge failed")
            finally:
                if must_finish:
                    self._release()

    def _at_exit(self) -> None:
        with self._lock:  # set under the lock: no write begins after this unless it must finish
            self._exiting.set()
            if self._held:
                logger.info("waiting for the index merge to finish writing before exiting")
            while self._held:
                self._lock.wait()

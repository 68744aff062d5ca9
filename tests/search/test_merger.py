"""A process's exit waits for a merge that must finish or is writing, and not for a small one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(body: str, tmp_path: Path) -> tuple[float, str]:
    script = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "from bot.search.merger import Merger\n"
        f"out = Path({str(tmp_path / 'out.txt')!r})\n"
        "merger = Merger()\n" + body
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    out = tmp_path / "out.txt"
    return seconds, out.read_text(encoding="utf-8") if out.exists() else ""


def test_a_small_merge_is_left_to_the_next_process_at_exit(tmp_path: Path) -> None:
    body = (
        "def job():\n"
        "    if merger.exiting(10):\n"  # the process exits meanwhile
        "        out.write_text('left', encoding='utf-8'); return\n"
        "    out.write_text('merged', encoding='utf-8')\n"
        "merger.submit(job)\n"
    )
    seconds, written = _run(body, tmp_path)
    # The exit did not wait the job's 10 s, and the job never merged (it may not even have
    # written "left" before the interpreter stopped its thread).
    assert written in ("", "left") and seconds < 8


def test_a_merge_that_must_finish_is_finished_at_exit(tmp_path: Path) -> None:
    body = (
        "def job():\n"
        "    time.sleep(0.5)\n"
        "    with merger.writing() as allowed:\n"
        "        out.write_text(f'merged, writing allowed: {allowed}', encoding='utf-8')\n"
        "merger.submit(job, must_finish=True)\n"
    )
    _, written = _run(body, tmp_path)
    assert written == "merged, writing allowed: True"


def test_a_write_under_way_is_waited_for_and_none_begins_during_the_exit(tmp_path: Path) -> None:
    later = tmp_path / "later.txt"
    body = (
        "import threading\n"
        "begun = threading.Event()\n"
        "def writer():\n"
        "    with merger.writing() as allowed:\n"
        "        begun.set(); time.sleep(0.5)\n"
        "        out.write_text(f'written: {allowed}', encoding='utf-8')\n"
        "    with merger.writing() as again:\n"  # the exit has begun: a new write is refused
        f"        Path({str(later)!r}).write_text(f'then: {{again}}', encoding='utf-8')\n"
        "merger.submit(writer)\n"
        "begun.wait(10)\n"
    )
    _, written = _run(body, tmp_path)
    assert written == "written: True"
    # The thread may be stopped before it writes the second file (the process is ending).
    assert not later.exists() or later.read_text(encoding="utf-8") in ("", "then: False")

"""Hostile imports while others ask: does a DOCX bomb, or a large honest import, slow anyone's answer?

Run from the repository root:

    python -m benchmarks.bench_hostile_import [--seconds 5] [--passages 20000]

A Service over a generated corpus answers questions in a loop in one thread, as the bot's
question workers do, for ``--seconds`` in each of three phases: nothing else running;
a DOCX decompression bomb (issue 23's: 188 KB inflating to 52 MB, a million empty
paragraphs) uploaded again and again in an import thread; and an honest 2,000-paragraph
text adopted imported again and again. Prints each phase's answers and their latency
(p50, p95, max), the bomb's refusal time and line, and the honest import's time. Target:
no phase's p95 more than 100 ms over the quiet one. The bot's GIL switch interval is
used (bot.search.budget); ``--default-switch-interval`` shows Python's 5 ms for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import synthetic
from benchmarks.bench_import import resolution_page
from bot.answers.service import BadQuestion, Service
from bot.corpus.importer import ImportRefused, prepare_bytes
from bot.search.budget import share_the_interpreter
from tests.ep_documents import docx_bomb

PUBLIC = "https://www.europarl.europa.eu/"


def _corpus(directory: Path, count: int) -> list[str]:
    """``count`` synthetic passages in files of 50, and questions drawn from the same words."""
    words = synthetic.vocabulary()
    texts = synthetic.passages(count, words)
    for number in range(0, count, 50):
        body = "\n\n".join(" ".join(text) for text in texts[number : number + 50])
        (directory / f"doc-{number // 50:05d}.md").write_text(
            f"---\ntitle: Resolution {number}\nreference: 2021/{number // 50:04d}(RSP)\nadopted: 2021-02-11\n"
            f"kind: text_adopted\n---\n{body}\n", encoding="utf-8",
        )
    return [" ".join(query) for query in synthetic.queries(200, words)]


def _ask_for(service: Service, questions: list[str], seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    turn = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(BadQuestion):
            service.ask(questions[turn % len(questions)])
        latencies.append(time.perf_counter() - started)
        turn += 1
    return latencies


def _phase(
    service: Service, questions: list[str], seconds: float, background: Callable[[], None] | None
) -> tuple[list[float], int]:
    stop = threading.Event()
    runs = [0]

    def keep_going() -> None:
        assert background is not None
        while not stop.is_set():
            background()
            runs[0] += 1

    worker = threading.Thread(target=keep_going, name="import", daemon=True) if background else None
    if worker is not None:
        worker.start()
    try:
        latencies = _ask_for(service, questions, seconds)
    finally:
        stop.set()
        if worker is not None:
            worker.join()
    return latencies, runs[0]


def _line(name: str, latencies: list[float], runs: int) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{name:<28} {len(latencies):>7,} answers  p50 {statistics.median(ordered) * 1000:7.2f} ms  "
            f"p95 {p95 * 1000:7.2f} ms  max {ordered[-1] * 1000:7.1f} ms  imports run {runs:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--default-switch-interval", action="store_true",
                        help="keep Python's 5 ms GIL switch interval instead of the bot's")
    args = parser.parse_args()
    if not args.default_switch_interval:
        share_the_interpreter()  # as the bot's process does
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:.1f} ms")
    bomb = docx_bomb()
    honest = resolution_page(paragraphs=2_000).encode()
    started = time.perf_counter()
    try:
        prepare_bytes("bomb.docx", bomb, base_url=PUBLIC)
        refusal = "accepted (!)"
    except ImportRefused as exc:
        refusal = exc.reason
    bomb_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    prepared = prepare_bytes("TA-9-2021-0056_EN.html", honest, base_url=PUBLIC)
    honest_ms = (time.perf_counter() - started) * 1000
    print(f"bomb: {len(bomb):,} bytes, refused in {bomb_ms:.1f} ms: {refusal}")
    print(f"honest import: {len(honest):,} bytes, {len(prepared.document.passages):,} passages, {honest_ms:.0f} ms")

    def upload_bomb() -> None:
        try:
            prepare_bytes("bomb.docx", bomb, base_url=PUBLIC)
        except ImportRefused:
            pass

    def import_honest() -> None:
        prepare_bytes("TA-9-2021-0056_EN.html", honest, base_url=PUBLIC)

    with tempfile.TemporaryDirectory() as directory:
        questions = _corpus(Path(directory), args.passages)
        service = Service(Path(directory))
        _ask_for(service, questions, 0.5)  # warm
        quiet, _ = _phase(service, questions, args.seconds, None)
        print(_line("questions alone", quiet, 0))
        for name, background in (("during bomb uploads", upload_bomb), ("during honest imports", import_honest)):
            latencies, runs = _phase(service, questions, args.seconds, background)
            print(_line(name, latencies, runs))
            worse = (sorted(latencies)[int(0.95 * (len(latencies) - 1))]
                     - sorted(quiet)[int(0.95 * (len(quiet) - 1))]) * 1000
            print(f"{'':<28} p95 {worse:+.1f} ms over the quiet phase (target: at most +100 ms): "
                  f"{'ok' if worse <= 100 else 'MISSED'}")


if __name__ == "__main__":
    main()

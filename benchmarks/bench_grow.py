"""A corpus that grows by a file: whole ``python -m bot ask`` processes, warm and after one added file.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_grow.py                       # 100k passages: 2,000 files of 50
    python benchmarks/bench_grow.py --passages 200000 --adds 3

It writes (once, cached in the temporary directory) a synthetic corpus of files of 50
paragraphs each (bench_startup's generator), warms the parse cache and the saved index
with one ``ask`` process, then times in fresh processes, each ``python -m bot ask``
from start to exit with its peak resident memory:

- ``warm``: nothing changed since the last process (median of ``--repeat``);
- ``added``: the first process after one new 50-paragraph file was written (each of
  ``--adds`` runs adds another file), and the process after it (warm again);
- ``removed``: the first process after one of the added files was deleted.

``--reload`` times, in this process, a warm ``Service``'s ``reload()`` after one added
file (in a thread, as the bot runs it, with the bot's GIL switch interval unless
``--default-switch-interval``) and the questions answered meanwhile: their
median, p99 and slowest latency; then, when the reload answers from segments
(bot.search.segments), the time until their merge is swapped in and the questions
answered meanwhile. ``--segment-queries`` times top-10 queries on one index and on
the same passages as segments (bot.search.segments), in memory. ``--merge-only`` times,
in this process, the steps of the merge that the first ``added`` process makes: load
the saved index, tokenize one file, merge, save, load.

The subprocesses import ``bot`` from ``PYTHONPATH``: point it at another checkout to
measure that one (the added files are deleted at the end, the corpus stays).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_startup  # noqa: E402
import numpy as np
import synthetic  # noqa: E402

PER_FILE = 50
_VERSION = 1


def corpus(passages: int) -> Path:
    root = Path(tempfile.gettempdir()) / f"ep-bench-grow-v{_VERSION}-{passages}"
    done = root / ".complete"
    if not done.exists():
        root.mkdir(parents=True, exist_ok=True)
        bench_startup.PER_FILE = PER_FILE
        started = time.perf_counter()
        files = bench_startup.write_corpus(root, passages)
        done.write_text(f"{files}\n", encoding="utf-8")
        print(f"wrote {passages:,} passages in {files:,} files to {root} in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)
    return root


def question() -> str:
    """A question of the synthetic vocabulary: a common, a middling and a rare word."""
    words = synthetic.vocabulary()
    return " ".join((words[5], words[300], words[4000]))


def ask(directory: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one whole ``python -m bot ask`` process."""
    # Made before the clock starts: generating the synthetic vocabulary takes over a second.
    command = [sys.executable, "-m", "bot", "ask", "--corpus", str(directory), question()]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=_checkout(),
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"ask failed ({status}): {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def _checkout() -> str:
    """Where ``python -m bot`` runs: ``-m`` puts the working directory before PYTHONPATH."""
    return (os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parent.parent)).split(os.pathsep)[0]


def paragraphs(number: int) -> list[str]:
    """The 50 paragraphs of added file ``number``: the corpus's vocabulary, its own draw."""
    words = synthetic.vocabulary()
    probabilities = synthetic.zipf_probabilities(len(words))
    rng = np.random.default_rng(1000 + number)
    texts = []
    for length in rng.integers(synthetic.MIN_WORDS, synthetic.MAX_WORDS + 1, PER_FILE).tolist():
        chosen = rng.choice(len(words), size=length, p=probabilities)
        texts.append(" ".join(words[i] for i in chosen).capitalize() + ".")
    return texts


def add_file(directory: Path, number: int, marker: str = "") -> Path:
    """A new 50-paragraph file, with a reference, title and date no other file has
    (and ``marker``, a word no other file has, at the start of its first paragraph)."""
    texts = paragraphs(number)
    if marker:
        texts[0] = f"{marker.capitalize()} {texts[0]}"
    target = directory / f"zz-added-{number:04d}.md"
    target.write_text(bench_startup._document(9000 + number, texts), encoding="utf-8")
    return target


def merge_steps(directory: Path) -> list[tuple[str, float, float]]:
    """In this process: the saved index loaded, one file's segment built, merged, saved, loaded back."""
    import resource
    import shutil

    from bot.search.index_build import build_arrays
    from bot.search.index_merge import merge_arrays
    from bot.search.index_store import load, save
    from bot.search.tokens import tokenize

    saved = next(d for d in (directory / ".index").iterdir() if d.is_dir() and not d.name.startswith(".tmp-"))
    rows = []

    def timed(name: str, started: float) -> None:
        rows.append((name, time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))

    started = time.perf_counter()
    base = load(saved)
    timed(f"load the saved index ({base.size:,} passages, {base.postings.shape[0]:,} postings)", started)
    texts = paragraphs(99)
    started = time.perf_counter()
    segment = build_arrays([tokenize(t) for t in texts])
    timed("tokenize and index one file (50 passages)", started)
    started = time.perf_counter()
    merged = merge_arrays([(base, None), (segment, None)])
    timed("merge them", started)
    scratch = Path(tempfile.mkdtemp(prefix="ep-bench-grow-save-"))
    try:
        started = time.perf_counter()
        target = save(merged, scratch, "merged")
        timed("save the merged index", started)
        started = time.perf_counter()
        load(target)
        timed("load it back (checksums)", started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def reload_steps(directory: Path, number: int) -> list[tuple[str, float]]:
    """In this process: a warm Service, one file added, ``reload()`` in a thread while
    questions are asked here; the reload's time and the questions' latency meanwhile,
    then those of the background merge when the reload answers from segments."""
    import threading

    from bot.answers.service import Service
    from bot.search.segments import SegmentedIndex

    service = Service(directory)
    words = synthetic.vocabulary()
    rng = np.random.default_rng(5)
    questions = [" ".join(words[int(i)] for i in rng.integers(0, 5000, 3)) for _ in range(500)]
    for question in questions[:50]:
        service.ask(question)  # warm: the first questions pay for lazy state
    index = service.snapshot.index
    if isinstance(index, SegmentedIndex):
        index.wait_merged()  # a merge left by an earlier run
    path = add_file(directory, number, marker="zanzibarium")
    try:
        started = time.perf_counter()
        reloading = threading.Thread(target=service.reload)
        reloading.start()
        latencies = []
        while reloading.is_alive():
            for question in questions:
                asked = time.perf_counter()
                service.ask(question)
                latencies.append(time.perf_counter() - asked)
                if not reloading.is_alive():
                    break
        reloading.join()
        seconds = time.perf_counter() - started
        found = any(h.document.name == path.name for h in service.ask("zanzibarium").hits)
        # Then the merge of the segments in the background: the questions until it is in.
        index = service.snapshot.index
        merging = []
        while isinstance(index, SegmentedIndex) and index.segmented:
            for question in questions:
                asked = time.perf_counter()
                service.ask(question)
                merging.append(time.perf_counter() - asked)
                if not index.segmented:
                    break
        merged = time.perf_counter() - started
    finally:
        path.unlink()
        service.reload()
    ordered = sorted(latencies)
    rows = [
        (f"reload after one added file (answerable: {found})", seconds),
        (f"questions meanwhile: {len(ordered)}, median (ms)", 1000 * statistics.median(ordered)),
        ("p99 (ms)", 1000 * ordered[int(0.99 * (len(ordered) - 1))]),
        ("slowest (ms)", 1000 * ordered[-1]),
    ]
    if merging:
        merging.sort()
        rows += [
            ("merge swapped in, since the reload began", merged),
            (f"questions during the merge: {len(merging)}, median (ms)", 1000 * statistics.median(merging)),
            ("p99 (ms)", 1000 * merging[int(0.99 * (len(merging) - 1))]),
            ("slowest (ms)", 1000 * merging[-1]),
        ]
    return rows


def segment_queries(passages: int, rounds: int = 3) -> list[tuple[str, float]]:
    """In this process: top-10 median (ms) of 300 three-word queries on one index of
    ``passages`` + 50 synthetic passages, and on the same passages as a SegmentedIndex
    (the last 50 a second segment), then with 50 of the first passages masked too."""
    from bot.search.index import Bm25Index
    from bot.search.index_build import build_arrays
    from bot.search.index_merge import merge_arrays
    from bot.search.segments import SegmentedIndex

    words = synthetic.vocabulary()
    texts = synthetic.passages(passages + PER_FILE, words)
    base, added = build_arrays(texts[:passages]), build_arrays(texts[passages:])
    keep = np.ones(passages, dtype=bool)
    keep[passages // 2 : passages // 2 + PER_FILE] = False
    indexes = {
        "one index": Bm25Index(merge_arrays([(base, None), (added, None)])),
        "segments: one file added": SegmentedIndex(base, None, added),
        "one index, a file removed": Bm25Index(merge_arrays([(base, keep), (added, None)])),
        "segments: one file added, one removed": SegmentedIndex(base, keep, added),
    }
    rng = np.random.default_rng(5)
    queries = [[words[int(i)] for i in rng.integers(0, 5000, 3)] for _ in range(300)]
    rows = []
    for name, index in indexes.items():
        medians = []
        for _ in range(rounds):
            times = []
            for tokens in queries:
                started = time.perf_counter()
                index.top(tokens, 10)
                times.append(time.perf_counter() - started)
            medians.append(statistics.median(times))
        rows.append((f"{name}: top-10 median (ms), best of {rounds}", 1000 * min(medians)))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="warm processes (median shown)")
    parser.add_argument("--adds", type=int, default=2, help="files added one at a time")
    parser.add_argument("--reload", action="store_true",
                        help="only a reload after one added file, in this process, with questions meanwhile")
    parser.add_argument("--default-switch-interval", action="store_true",
                        help="with --reload: keep Python's GIL switch interval instead of the bot's 0.5 ms")
    parser.add_argument("--merge-only", action="store_true",
                        help="only the steps of a merge, timed in this process (needs a warm corpus)")
    parser.add_argument("--segment-queries", action="store_true",
                        help="only top-10 query times on one index and on segments (synthetic, in memory)")
    args = parser.parse_args(argv)
    if args.segment_queries:
        for name, value in segment_queries(args.passages):
            print(f"{name:<68} | {value:>8.3f}")
        return
    if args.reload:
        if not args.default_switch_interval:
            from bot.search.budget import share_the_interpreter

            share_the_interpreter()  # as the bot's process does (bot.telegram.app)
        print(f"GIL switch interval {sys.getswitchinterval() * 1000:.1f} ms", file=sys.stderr)
        for name, value in reload_steps(corpus(args.passages), 50):
            print(f"{name:<52} | {value:>8.2f}")
        return
    if args.merge_only:
        print(f"\n{'one file merged, in process':<64} | {'time':>8} | {'peak RSS':>9}")
        for name, seconds, rss in merge_steps(corpus(args.passages)):
            print(f"{name:<64} | {seconds:>6.2f} s | {rss:>6.0f} MB")
        return
    directory = corpus(args.passages)
    for stale in directory.glob("zz-added-*.md"):
        stale.unlink()
    print(f"bot from {_checkout()}, {args.passages:,} passages", file=sys.stderr)
    seconds, rss = ask(directory)
    print(f"warm-up (whatever the caches needed): {seconds:.2f} s, {rss:.0f} MB", file=sys.stderr, flush=True)
    rows: list[tuple[str, float, float]] = []
    warm = [ask(directory) for _ in range(args.repeat)]
    rows.append((f"warm (median of {args.repeat})", statistics.median(s for s, _ in warm), max(r for _, r in warm)))
    added: list[Path] = []
    for number in range(args.adds):
        added.append(add_file(directory, number))
        rows.append((f"first after adding file {number + 1}", *ask(directory)))
        rows.append(("the next (warm)", *ask(directory)))
    if added:
        added.pop().unlink()
        rows.append(("first after removing one", *ask(directory)))
    for path in added:
        path.unlink()
    print(f"\n{'python -m bot ask, whole process':<36} | {'time':>8} | {'peak RSS':>9}")
    for name, seconds, rss in rows:
        print(f"{name:<36} | {seconds:>6.2f} s | {rss:>6.0f} MB")


if __name__ == "__main__":
    main()

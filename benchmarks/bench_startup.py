"""Start-up time of a large corpus: parsing the files, the parse cache, building the snapshot, the whole Service.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_startup.py                        # 100k and 1M passages
    python benchmarks/bench_startup.py --sizes 100000 --repeat 3

It writes a synthetic corpus directory (words from synthetic.py's Zipf vocabulary) of
about 100 passages a file, each file with front matter and the shapes the parser meets
in real files: a title heading, short headings, paragraphs with **bold**, a list with
its lead-in, and, in some files, a reference or a date left to be inferred from the
text. The directory is cached in the temporary directory, keyed by size and by this
generator's version, so a rerun does not write it again. Each measurement runs in a
fresh interpreter (so no import, page or allocator state carries over) and prints:

- ``parse``: ``load_corpus(cache=False)``, reading and parsing every file (a start
  before the parse cache);
- ``load_cold``: ``load_corpus`` with ``.cache`` removed first: every file parsed and
  the parse cache written;
- ``load_warm``: ``load_corpus`` from the parse cache (nothing changed since);
- ``Snapshot.build`` with a cold saved index (``.index`` removed first: tokenizing and
  building the BM25 index, in a child process from 50,000 passages) and warm (the
  index saved by the cold run is memory-mapped);
- ``service``: ``Service(dir)``, the bot's start with the parse cache and the saved
  index, as ``python -m bot`` does it;
- ``reload_one``: ``Service.reload()`` after one file was rewritten with the same bytes
  (a new mtime: parsed again, the others from the cache, the saved index still valid);
- ``first_answer``: a whole ``python -m bot ask QUESTION --corpus DIR`` process: the
  interpreter's start, the imports, the warm start and one question answered, timed
  from outside (wall clock from its start to its exit; its peak RSS from ``wait4``);
- the peak resident memory of each of those interpreters;

and, last, how long a fixed pure-Python loop takes in a fresh interpreter: the
machine's speed at the time, which on a shared machine moves the figures by half.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

logger = logging.getLogger(__name__)

# Bump when the generated files change, so an old cached corpus is not measured.
GENERATOR_VERSION = 2
PER_FILE = 100
_MONTHS = "January February March April May June July August September October November December".split()
MODES = ("parse", "load_cold", "load_warm", "build_cold", "build_warm", "service", "reload_one", "first_answer")
# Run once whatever --repeat says: each removes what the next run would reuse.
ONCE = ("load_cold", "build_cold")


def corpus_dir(size: int) -> Path:
    """The cached synthetic corpus of ``size`` passages, written on first use."""
    root = Path(tempfile.gettempdir()) / f"ep-bench-startup-v{GENERATOR_VERSION}-{size}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    files = write_corpus(root, size)
    done.write_text(f"{files}\n", encoding="utf-8")  # last: a killed run leaves no "complete" corpus
    print(f"wrote {size:,} passages in {files:,} files to {root} in {time.perf_counter() - started:.1f} s",
          flush=True)
    return root


def write_corpus(root: Path, size: int) -> int:
    """``size`` passages as files of about PER_FILE passages; returns the number of files."""
    words = synthetic.vocabulary()
    probabilities = synthetic.zipf_probabilities(len(words))
    rng = np.random.default_rng(17)
    files = -(-size // PER_FILE)
    for number in range(files):
        count = min(PER_FILE, size - number * PER_FILE)
        lengths = rng.integers(synthetic.MIN_WORDS, synthetic.MAX_WORDS + 1, count)
        ids = rng.choice(len(words), size=int(lengths.sum()), p=probabilities).tolist()
        texts: list[str] = []
        offset = 0
        for length in lengths.tolist():
            chunk = [words[i] for i in ids[offset : offset + length]]
            offset += length
            chunk[len(chunk) // 2] = f"**{chunk[len(chunk) // 2]}**"  # emphasis, removed by the parser
            texts.append(" ".join(chunk).capitalize() + ".")
        (root / f"res-{number:06d}.md").write_text(_document(number, texts), encoding="utf-8")
    return files


def _document(number: int, texts: list[str]) -> str:
    """One corpus file: front matter, a title heading, paragraphs, headings and a list."""
    year, month, day = 1990 + number % 35, 1 + number % 12, 1 + number % 28
    reference = f"{year}/{number % 10000:04d}(RSP)"
    title = f"European Parliament resolution of {day} {_MONTHS[month - 1]} {year} on topic {number}"
    front = ["---", "kind: text_adopted", "source: synthetic"]
    # One file in 4 leaves the reference and the date to the text, one in 8 the title.
    if number % 4:
        front += [f"reference: {reference}", f"adopted: {year}-{month:02d}-{day:02d}"]
    if number % 8:
        front.append(f"title: {title}")
    front.append("---")
    body = [f"# {title} ({reference})", f"Procedure: {reference}"]
    items = texts[-10:] if len(texts) > 20 else []
    paragraphs = texts[: len(texts) - len(items)]
    for i, text in enumerate(paragraphs, start=1):
        if i % 25 == 0:
            body.append(f"Section {i // 25}")  # a heading: counted as a paragraph, not a passage
        body.append(text)
    if items:
        # The lead-in closes the paragraph before the list: each item is cited with it.
        body[-1] += " It calls on the authorities to:"
        body.append("\n".join(f"- {text}" for text in items))
    return "\n".join(front) + "\n" + "\n\n".join(body) + "\n"


def _child(mode: str, directory: Path) -> dict[str, float]:
    """One measurement, in this (fresh) interpreter; seconds and peak RSS in MB."""
    started = time.perf_counter()
    from bot.answers.service import Service, Snapshot
    from bot.corpus.cache import CACHE_DIR
    from bot.corpus.load import load_corpus

    out: dict[str, float] = {"import": time.perf_counter() - started}
    if mode in ("service", "reload_one"):
        started = time.perf_counter()
        service = Service(directory)
        out["seconds"] = time.perf_counter() - started
        if mode == "reload_one":
            first = min(p for p in directory.iterdir() if p.suffix == ".md")
            first.write_bytes(first.read_bytes())  # same bytes, a new mtime: parsed again
            started = time.perf_counter()
            service.reload()
            out["seconds"] = time.perf_counter() - started
        out["passages"] = len(service.snapshot.passages)
    else:
        if mode == "load_cold":
            shutil.rmtree(directory / CACHE_DIR, ignore_errors=True)
        started = time.perf_counter()
        corpus = load_corpus(directory, cache=mode != "parse")
        out["load"] = time.perf_counter() - started
        out["passages"] = corpus.passage_count
        if mode == "build_cold":
            shutil.rmtree(directory / ".index", ignore_errors=True)
        if mode.startswith("build"):
            started = time.perf_counter()
            Snapshot.build(corpus)
            out["seconds"] = time.perf_counter() - started
        else:
            out["seconds"] = out["load"]
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _measure(mode: str, directory: Path) -> dict[str, float]:
    if mode == "first_answer":
        return _first_answer(directory)
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(directory)],
        check=True, capture_output=True, text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _first_answer(directory: Path) -> dict[str, float]:
    """``python -m bot ask`` on two words of the synthetic vocabulary, as a user runs it."""
    words = synthetic.vocabulary()
    command = [sys.executable, "-m", "bot", "ask", f"{words[300]} {words[3000]}", "--corpus", str(directory)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    answer = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or not answer.strip():
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode})")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "passages": -1, "import": float("nan")}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="passages, comma separated")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma separated, of {', '.join(MODES)}")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each warm measurement (median shown)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the files left to inference are meant: no warning per file
    if args.child:
        print(json.dumps(_child(args.child[0], Path(args.child[1]))))
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        directory = corpus_dir(size)
        for mode in args.modes.split(","):
            runs = [_measure(mode, directory) for _ in range(1 if mode in ONCE else args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = max(r["rss_mb"] for r in runs)
            passages = int(runs[0]["passages"])
            rows.append((size, mode, size if passages < 0 else passages, seconds, rss, runs[0]["import"]))
            print(f"{size:>9,} {mode:<12} {seconds:8.2f} s  peak RSS {rss:7.0f} MB", file=sys.stderr, flush=True)
    print(f"\n{'corpus':>10} | {'measure':<24} | {'passages':>9} | {'time':>8} | {'peak RSS':>9} | {'imports':>7}")
    names = {
        "parse": "parse every file",
        "load_cold": "load_corpus, cold cache",
        "load_warm": "load_corpus, warm cache",
        "build_cold": "Snapshot.build, cold",
        "build_warm": "Snapshot.build, warm",
        "service": "Service(dir), warm",
        "reload_one": "reload, 1 file touched",
        "first_answer": "process to first answer",
    }
    for size, mode, passages, seconds, rss, imported in rows:
        print(f"{size:>10,} | {names[mode]:<24} | {passages:>9,} | {seconds:>6.2f} s | {rss:>6.0f} MB | "
              f"{imported:>5.2f} s")
    print(f"\nmachine speed: {REFERENCE} took {reference_seconds():.2f} s in a fresh interpreter "
          "(compare figures measured at about the same speed)")


# A fixed pure-Python loop, timed beside the figures: on a shared machine the same
# start took from 0.49 to 0.74 s within an hour, as this loop went from 0.66 to 1.0 s
# (docs/performance.md, issue 20's fifth pass).
REFERENCE = "sum(i * i for i in range(10**7))"


def reference_seconds() -> float:
    """Seconds a fresh interpreter takes to run ``REFERENCE``, start to exit (the best of 3)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", REFERENCE], check=True)
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    main()

"""Service.ask with filters: dates, references and phrases at the scale of every resolution.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_ask.py                                   # 100k passages, 10k documents
    python benchmarks/bench_ask.py --passages 20000 --per-document 10 --questions 50
    python benchmarks/bench_ask.py --restart      # asked after a restart: passages read when first used

It writes a synthetic corpus (see synthetic.py) as corpus files, one resolution per
file with a reference and an adoption date (one file in 20 has no date, as the real
corpus may), loads it with ``Service`` and times ``Service.ask`` end to end, from the
question's text to the citations, for the same synthetic questions asked plainly and
with each kind of filter: ``year:``, "since", a date in passing, ``ref:``, a quoted
phrase of common words (checked only among the best passages) and a phrase of stop
words (refused). It prints the median and p95 latency of each, and the timeline.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from bot.answers.service import BadQuestion, Service  # noqa: E402

logger = logging.getLogger(__name__)


def _reference(number: int) -> str:
    return f"{2000 + number % 25}/{number % 10000:04d}(RSP)"


def write_corpus(root: Path, passages: int, per_document: int) -> int:
    """Synthetic passages as corpus files of ``per_document`` paragraphs; the number of files."""
    words = synthetic.vocabulary()
    corpus = synthetic.passages(passages, words)
    files = 0
    for number, first in enumerate(range(0, passages, per_document)):
        body = "\n\n".join(" ".join(p).capitalize() + "." for p in corpus[first : first + per_document])
        year = 2000 + number % 25
        adopted = "" if number % 20 == 19 else f"adopted: {year}-{1 + number % 12:02d}-{1 + number % 28:02d}\n"
        header = (
            f"---\ntitle: Resolution number {number}\nreference: {_reference(number)}\n{adopted}"
            "kind: text_adopted\n---\n"
        )
        (root / f"doc-{number:06d}.md").write_text(header + body + "\n", encoding="utf-8")
        files += 1
    return files


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _time(run: Callable[[str], object], questions: Sequence[str]) -> tuple[list[float], int]:
    """Latencies in ms (after one warm-up question) and how many questions were refused."""
    refused = 0
    try:
        run(questions[0])
    except BadQuestion:
        pass
    latencies = []
    for question in questions:
        start = time.perf_counter()
        try:
            run(question)
        except BadQuestion:
            refused += 1
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies, refused


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--per-document", type=int, default=10)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--restart", action="store_true",
                        help="ask a second Service, started from the caches the first wrote, as after a restart "
                             "(each document's passages made when one is first read)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the undated files are meant: no warning per file
    words = synthetic.vocabulary()
    topics = [" ".join(q) for q in synthetic.queries(args.questions, words)]
    files = max(1, args.passages // args.per_document)
    # The two most frequent words: a phrase whose words are in most passages.
    common_phrase = f"{words[0]} {words[1]}"
    variants: dict[str, list[str]] = {
        "plain": topics,
        "year:2016": [f"{t} year:2016" for t in topics],
        "since 2019": [f"{t} since 2019" for t in topics],
        "in 2012 (boost)": [f"{t} in 2012" for t in topics],
        "ref:YYYY/NNNN": [f"{t} ref:{_reference(i % files).split('(')[0]}" for i, t in enumerate(topics)],
        "ref:YYYY/NNNN(RSP)": [f"{t} ref:{_reference(i % files)}" for i, t in enumerate(topics)],
        "common phrase": [f'{t} "{common_phrase}"' for t in topics],
        'stop-word phrase "of the"': [f'{t} "of the"' for t in topics],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        written = write_corpus(root, args.passages, args.per_document)
        print(f"corpus: {args.passages:,} passages in {written:,} documents, written in "
              f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        service = Service(root)
        if args.restart:
            print(f"first start (parsing, writing the caches) in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            service = Service(root)
        context = getattr(service.snapshot, "context", None)  # the titles' index (issue 15), if any
        if context is not None:
            print(f"index arrays {service.snapshot.index.arrays.nbytes() / 1e6:.1f} MB, "
                  f"title context {context.titles.arrays.nbytes() / 1e6:.1f} MB")
        print(f"Service loaded in {time.perf_counter() - start:.1f} s; "
              f"{args.questions} questions of 3 to 8 synthetic words per variant\n")
        print(f"{'Service.ask':<28} {'median ms':>10} {'p95 ms':>10} {'refused':>8}")
        for name, questions in variants.items():
            latencies, refused = _time(service.ask, questions)
            print(f"{name:<28} {statistics.median(latencies):>10.3f} {_percentile(latencies, 95):>10.3f} "
                  f"{refused:>8}")
        for name, questions in {"timeline": topics, "timeline year:2016": variants["year:2016"]}.items():
            latencies, refused = _time(service.timeline, questions)
            print(f"{name:<28} {statistics.median(latencies):>10.3f} {_percentile(latencies, 95):>10.3f} "
                  f"{refused:>8}")


if __name__ == "__main__":
    main()

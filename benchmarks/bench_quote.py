"""Quote check latency on a synthetic corpus of 100k passages (target: 50 ms per check).

Run from the repository root:

    python -m benchmarks.bench_quote [--passages 100000] [--quotes 200] [--seed 7]
    python -m benchmarks.bench_quote --huge-mb 5


Passages are sentences of pseudo-words drawn with a Zipf-like frequency, mixed with
English function words, in 100 documents. The quotes are runs of words cut from random
passages (verbatim), the same with a word dropped (near), two runs joined by "…"
(omissions), pseudo-sentences (not found) and 4,000-character quotes. It times
``check_quote`` against one snapshot, as ``Service.quote`` does, and prints the median
and the 95th percentile per kind of quote.

``--huge-mb N`` instead checks quotes against one single-paragraph passage of N MB
(beside a small one), too large for the word cache, and prints the CPU time of each
check: a near miss, the same words verbatim, and words that stand nowhere.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import string
import time
from collections.abc import Callable
from itertools import accumulate

from bot.answers.quote import MAX_QUOTE_CHARS, Verdict, check_quote
from bot.corpus.models import Document, DocumentMeta, Kind, Passage, Position
from bot.search.index import Bm25Index
from bot.search.tokens import tokenize

logger = logging.getLogger(__name__)

FUNCTION_WORDS = "the of and to in that for on with by as at from is are be it this an".split()
TARGET_MS = 50.0


def build_corpus(n_passages: int, rng: random.Random) -> tuple[list[Passage], dict[str, Document]]:
    vocab = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 11))) for _ in range(30_000)
    ]
    cumulative = list(accumulate(1.0 / (rank + 10) for rank in range(len(vocab))))
    per_doc = max(1, n_passages // 100)
    passages: list[Passage] = []
    documents: dict[str, Document] = {}
    for d in range(0, n_passages, per_doc):
        name = f"doc-{d // per_doc:03d}.txt"
        own: list[Passage] = []
        for i in range(min(per_doc, n_passages - d)):
            length = rng.randint(25, 90)
            content = rng.choices(vocab, cum_weights=cumulative, k=length)
            out = [w if rng.random() > 0.35 else rng.choice(FUNCTION_WORDS) for w in content]
            text = " ".join(out).capitalize() + "."
            own.append(Passage(name, Position(i + 1, None, 2 * i + 1), text))
        kind = Kind.text_adopted if d % 3 == 0 else Kind.news_report
        documents[name] = Document(name, DocumentMeta(kind=kind), {}, tuple(own), name)
        passages.extend(own)
    return passages, documents


def make_quotes(passages: list[Passage], count: int, rng: random.Random) -> dict[str, list[str]]:
    def run_of_words(low: int, high: int) -> list[str]:
        words = rng.choice(passages).text.rstrip(".").split()
        size = min(len(words), rng.randint(low, high))
        start = rng.randint(0, len(words) - size)
        return words[start : start + size]

    quotes: dict[str, list[str]] = {k: [] for k in ("verbatim", "near", "omissions", "not found", "4,000 chars")}
    for _ in range(count):
        quotes["verbatim"].append(" ".join(run_of_words(6, 25)))
        near = run_of_words(12, 25)
        del near[rng.randrange(1, len(near) - 1)]
        quotes["near"].append(" ".join(near))
        words = run_of_words(20, 30)
        quotes["omissions"].append(" ".join(words[:7]) + " … " + " ".join(words[12:]))
        quotes["not found"].append(" ".join(run_of_words(3, 4) + run_of_words(3, 4) + run_of_words(3, 4)))
        long_text = ""
        while len(long_text) < 4000:
            long_text += rng.choice(passages).text + " "
        quotes["4,000 chars"].append(long_text[:4000].rsplit(" ", 1)[0])
    for kind in quotes:
        assert all(len(q) <= MAX_QUOTE_CHARS for q in quotes[kind]), kind  # noqa: S101 (script)
    return quotes


def measure(check: Callable[[str], Verdict], quotes: list[str]) -> tuple[list[float], dict[str, int]]:
    times: list[float] = []
    verdicts: dict[str, int] = {}
    for quote in quotes:
        started = time.perf_counter()
        verdict = check(quote)
        times.append((time.perf_counter() - started) * 1000)
        verdicts[verdict.value] = verdicts.get(verdict.value, 0) + 1
    return times, verdicts


def huge_passage(megabytes: float, rng: random.Random) -> None:
    vocab = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))) for _ in range(20_000)]
    words: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        words.append(rng.choice(vocab))
        size += len(words[-1]) + 1
    sentence = "Parliament urges Sylvania to inspect every reservoir dam before the spring floods"
    words[len(words) // 2 : len(words) // 2] = sentence.split()
    passages = [
        Passage("huge.txt", Position(1, None, 1), " ".join(words).capitalize() + "."),
        Passage("small.txt", Position(1, None, 1), "Parliament urges the authorities to inspect dams."),
    ]
    documents = {p.document: Document(p.document, DocumentMeta(kind=Kind.text_adopted), {}, (p,), p.document)
                 for p in passages}
    index = Bm25Index.build([tokenize(p.searchable) for p in passages])
    print(f"one passage of {len(passages[0].text) / 1e6:.1f} MB ({len(words):,} words), one of 50 characters")
    quotes = {
        "near (a word changed)": sentence.replace("spring", "summer"),
        "verbatim": sentence,
        "not found": "Sylvania inspects nothing whatsoever in winter",
    }
    print(f"{'quote':<24}{'CPU s':>8}  verdict")
    for kind, quote in quotes.items():
        started = time.process_time()
        result = check_quote(quote, passages, documents, index)
        print(f"{kind:<24}{time.process_time() - started:>8.3f}  {result.verdict.value} "
              f"({result.similarity:.0%} similar)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--quotes", type=int, default=200, help="quotes of each kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--huge-mb", type=float, default=0.0, help="check quotes against one passage this large")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.huge_mb:
        huge_passage(args.huge_mb, rng)
        return

    started = time.perf_counter()
    passages, documents = build_corpus(args.passages, rng)
    index = Bm25Index.build([tokenize(p.searchable) for p in passages])
    print(f"corpus: {len(passages):,} passages in {len(documents)} documents, "
          f"indexed in {time.perf_counter() - started:.1f} s")
    quotes = make_quotes(passages, args.quotes, rng)

    def check(quote: str) -> Verdict:
        return check_quote(quote, passages, documents, index).verdict

    measure(check, quotes["verbatim"][:20])  # warm up caches and numpy
    print(f"{'quotes':<14}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}  verdicts")
    everything: list[float] = []
    for kind, batch in quotes.items():
        times, verdicts = measure(check, batch)
        everything += times
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{kind:<14}{len(times):>5}{statistics.median(times):>11.2f}{p95:>9.2f}"
              f"{max(times):>9.2f}  {verdicts}")
    p95_all = statistics.quantiles(everything, n=20)[-1]
    print(f"{'all':<14}{len(everything):>5}{statistics.median(everything):>11.2f}{p95_all:>9.2f}"
          f"{max(everything):>9.2f}  target {TARGET_MS:.0f} ms: {'met' if p95_all <= TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()

"""BM25 speed and memory: the bot's index against rank-bm25, bm25s and tantivy.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_bm25.py                          # 10k, 100k and 1M passages
    python benchmarks/bench_bm25.py --sizes 10000,100000     # a quicker run

For each corpus size it prints, per engine: build time, memory per passage (resident
memory added by the build, measured in a forked child so engines do not share a heap),
and the median and p95 latency of a top-10 query, plus the ratio to rank-bm25. Then,
for the bot: the time to load the saved index, the p99 answer latency while a reload of
the same corpus is tokenized and built (in a thread, then in a child process as the
bot does it), and the whole answer path (``Service.ask``,
from question text to citations) on a corpus written to a temporary directory.

The corpora are synthetic (see synthetic.py): a Zipf vocabulary of 50k words, 40 to 120
words a passage, 200 queries of 3 to 8 words, each word common or rare.
"""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing as mp
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from bot.search.index import Bm25Index  # noqa: E402
from bot.search.index_store import load, load_or_build, save  # noqa: E402
from bot.search.tokens import tokenize  # noqa: E402

logger = logging.getLogger(__name__)

Corpus = list[list[str]]
Queries = list[list[str]]
TOP = 10

# Filled in the parent before forking, so children share the corpus copy-on-write.
_CORPUS: Corpus = []
_QUERIES: Queries = []


def _rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # resets VmHWM, the peak resident size
    except OSError:
        pass


def _latencies(run: Callable[[list[str]], object], queries: Queries) -> list[float]:
    for query in queries[:5]:
        run(query)  # warm caches and lazy allocations
    out = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# ----------------------------------------------------------------- engines


def _engine_bot(corpus: Corpus) -> tuple[Callable[[list[str]], object], object]:
    index = Bm25Index.build(corpus)
    return (lambda q: index.top(q, TOP)), index


def _engine_rank_bm25(corpus: Corpus) -> tuple[Callable[[list[str]], object], object]:
    from rank_bm25 import BM25Okapi

    model = BM25Okapi(corpus)
    ids = list(range(len(corpus)))
    return (lambda q: model.get_top_n(q, ids, n=TOP)), model


def _engine_bm25s(corpus: Corpus) -> tuple[Callable[[list[str]], object], object]:
    import bm25s

    # bm25s with rank-bm25's definition (ATIRE idf); its own vocabulary mapping.
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(w, len(vocab)) for w in doc] for doc in corpus]
    model = bm25s.BM25(method="atire")
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    del ids

    def run(query: list[str]) -> object:
        known = [vocab[w] for w in query if w in vocab]
        scores = model.get_scores(known)
        return np.argpartition(-scores, TOP)[:TOP]

    return run, model


def _engine_tantivy(corpus: Corpus) -> tuple[Callable[[list[str]], object], object]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False)
    index = tantivy.Index(builder.build())
    writer = index.writer(heap_size=1_000_000_000, num_threads=1)
    for doc in corpus:
        writer.add_document(tantivy.Document(body=" ".join(doc)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    return (lambda q: searcher.search(index.parse_query(" ".join(q), ["body"]), TOP).hits), index


ENGINES: dict[str, Callable[[Corpus], tuple[Callable[[list[str]], object], object]]] = {
    "bot": _engine_bot,
    "rank-bm25": _engine_rank_bm25,
    "bm25s": _engine_bm25s,
    "tantivy": _engine_tantivy,
}


def _measure(name: str, queries: int, out: Any) -> None:
    """Child process: build one engine over the shared corpus, time its queries."""
    try:
        gc.collect()
        before = _rss_kb()
        _reset_peak()
        start = time.perf_counter()
        run, keep = ENGINES[name](_CORPUS)
        build = time.perf_counter() - start
        gc.collect()
        result = {
            "build_s": build,
            "retained_mb": (_rss_kb() - before) / 1024,
            "peak_mb": (_rss_kb("VmHWM") - before) / 1024,
            "latencies": _latencies(run, _QUERIES[:queries]),
            "queries": min(queries, len(_QUERIES)),
        }
        if isinstance(keep, Bm25Index):
            result["arrays_mb"] = keep.arrays.nbytes() / 2**20
        out.put(result)
    except Exception as exc:  # report any engine failure instead of hanging the parent
        out.put({"error": f"{type(exc).__name__}: {exc}"})


def _in_child(name: str, queries: int) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_measure, args=(name, queries, out))
    child.start()
    result: dict[str, Any] = out.get()
    child.join()
    return result


def _available(name: str) -> bool:
    module = {"bm25s": "bm25s", "tantivy": "tantivy"}.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# ----------------------------------------------------------------- bot-only measurements


def _reload_stall(corpus: Corpus, queries: Queries, aside: bool) -> dict[str, float]:
    """p99 answer latency on a live index while the same corpus is rebuilt.

    Both tokenize the passage texts and build, as a reload does. ``aside=False``:
    load_or_build in a thread of this process, in memory. ``aside=True``: what
    Snapshot.build does for a large corpus, load_or_build handing the texts to a
    forkserver child that tokenizes, builds and saves the index, then loading it.
    """
    index = Bm25Index.build(corpus)
    texts = [" ".join(q) for q in queries]
    passages = [" ".join(p) for p in corpus]

    def answer(i: int) -> float:
        start = time.perf_counter()
        index.top(tokenize(texts[i % len(texts)]), TOP)
        return (time.perf_counter() - start) * 1000

    quiet = [answer(i) for i in range(len(texts))]
    done = threading.Event()
    built: list[float] = []

    def rebuild() -> None:
        start = time.perf_counter()
        if aside:
            with tempfile.TemporaryDirectory() as tmp:
                load_or_build(Path(tmp), "reload", passages, tokenize, min_passages=0, isolate_from=0)
        else:
            load_or_build(None, "reload", passages, tokenize)
        built.append(time.perf_counter() - start)
        done.set()

    thread = threading.Thread(target=rebuild)
    thread.start()
    during: list[float] = []
    i = 0
    while not done.is_set():
        during.append(answer(i))
        i += 1
        time.sleep(0.001)  # a chat bot answers questions as they come, not in a busy loop
    thread.join()
    return {
        "quiet_p99": _percentile(quiet, 99),
        "reload_p50": _percentile(during, 50),
        "reload_p99": _percentile(during, 99),
        "reload_max": max(during),
        "answers": len(during),
        "rebuild_s": built[0],
    }


def _load_time(corpus: Corpus, queries: Queries) -> dict[str, float]:
    """Save the built index, then time loading it back (memory-mapped) and a first answer."""
    index = Bm25Index.build(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        save(index.arrays, Path(tmp), "bench")
        saved = time.perf_counter() - start
        del index
        gc.collect()
        start = time.perf_counter()
        loaded = Bm25Index(load(Path(tmp) / "bench"))
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        loaded.top(queries[0], TOP)
        first = time.perf_counter() - start
        size = sum(f.stat().st_size for f in (Path(tmp) / "bench").iterdir())
        return {"save_s": saved, "load_s": load_s, "first_query_ms": first * 1000, "disk_mb": size / 2**20}


def _service_ask(size: int, questions: int) -> dict[str, float]:
    """Service.ask end to end on ``size`` passages written as corpus files."""
    from bot.answers.service import Service

    words = synthetic.vocabulary()
    corpus = synthetic.passages(size, words)
    per_file = 1000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for number, first in enumerate(range(0, size, per_file)):
            body = "\n\n".join(" ".join(p).capitalize() + "." for p in corpus[first : first + per_file])
            year = 2000 + number % 25
            header = (
                f"---\ntitle: European Parliament resolution number {number}\n"
                f"reference: {year}/{number % 10000:04d}(RSP)\nadopted: {year}-03-{1 + number % 28:02d}\n"
                "kind: text_adopted\n---\n"
            )
            (root / f"doc-{number:05d}.md").write_text(header + body + "\n", encoding="utf-8")
        start = time.perf_counter()
        Service(root)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        service = Service(root)
        warm = time.perf_counter() - start
        texts = [" ".join(q) + "?" for q in synthetic.queries(questions, words)]
        failed = 0

        def ask(text: list[str]) -> object:
            nonlocal failed
            try:
                return service.ask(" ".join(text))
            except ValueError:
                failed += 1
                return None

        latencies = _latencies(ask, [[t] for t in texts])
        passages = len(service.snapshot.passages)
    return {
        "passages": passages,
        "cold_start_s": cold,
        "warm_start_s": warm,
        "median_ms": statistics.median(latencies),
        "p95_ms": _percentile(latencies, 95),
        "rejected": failed,
    }


_SHIPPED = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from bot.answers.service import Service
imported = time.perf_counter()
Service(Path("corpus")).ask("Vladimir Kozlov release")
print(time.perf_counter() - started, time.perf_counter() - imported)
"""


def _shipped_start() -> tuple[float, float, float]:
    """Launch to first answer on the shipped corpus, in a fresh interpreter (as a start is).

    Returns (launch to answer, interpreter start plus imports plus answer measured
    inside, service start plus answer alone), in seconds.
    """
    root = Path(__file__).resolve().parent.parent
    launched = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _SHIPPED], cwd=root, capture_output=True, text=True, check=True)
    total = time.perf_counter() - launched
    inside, service = (float(x) for x in done.stdout.split())
    return total, inside, service


# ----------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated passage counts")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engines", default="bot,rank-bm25,bm25s,tantivy")
    parser.add_argument("--rank-bm25-max", type=int, default=100_000,
                        help="largest corpus rank-bm25 is run on (its 1M build takes minutes and ~1.5 GB)")
    parser.add_argument("--rank-bm25-queries-large", type=int, default=20,
                        help="queries for rank-bm25 above 100k passages (seconds each)")
    parser.add_argument("--service-size", type=int, default=100_000, help="0 to skip the Service.ask run")
    parser.add_argument("--reload-size", type=int, default=1_000_000,
                        help="corpus for the reload and load measurements (must be in --sizes); 0 to skip")
    parser.add_argument("--reload-ways", default="thread,child",
                        help="reload measurements to run: thread (in-process), child (what the bot does)")
    args = parser.parse_args(argv)
    # load_or_build says how long the child build and the hand-over of the texts took.
    logging.basicConfig(level=logging.WARNING, format="  %(name)s: %(message)s")
    logging.getLogger("bot.search.index_store").setLevel(logging.INFO)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    global _CORPUS, _QUERIES
    words = synthetic.vocabulary()
    _QUERIES = synthetic.queries(args.queries, words)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; top {TOP}; {args.queries} queries")
    for size in sizes:
        start = time.perf_counter()
        _CORPUS = synthetic.passages(size, words)
        tokens = sum(map(len, _CORPUS))
        print(f"\n== {size:,} passages, {tokens:,} words (generated in {time.perf_counter() - start:.1f} s)")
        print(f"{'engine':<10} {'build s':>8} {'B/passage':>10} {'peak B/p':>9} {'median ms':>10} "
              f"{'p95 ms':>8} {'queries':>8} {'vs rank-bm25':>13}")
        rows: dict[str, dict[str, Any]] = {}
        for name in engines:
            if not _available(name):
                print(f"{name:<10} not installed")
                continue
            queries = args.queries
            if name == "rank-bm25":
                if size > args.rank_bm25_max:
                    print(f"{name:<10} skipped above {args.rank_bm25_max:,} passages (--rank-bm25-max)")
                    continue
                if size > 100_000:
                    queries = args.rank_bm25_queries_large
            result = _in_child(name, queries)
            if "error" in result:
                print(f"{name:<10} failed: {result['error']}")
                continue
            rows[name] = result
        base = rows.get("rank-bm25")
        for name, r in rows.items():
            median = statistics.median(r["latencies"])
            ratio = f"{statistics.median(base['latencies']) / median:,.0f}x" if base else "n/a"
            print(f"{name:<10} {r['build_s']:>8.2f} {r['retained_mb'] * 2**20 / size:>10,.0f} "
                  f"{r['peak_mb'] * 2**20 / size:>9,.0f} {median:>10.3f} {_percentile(r['latencies'], 95):>8.3f} "
                  f"{r['queries']:>8} {ratio:>13}")
        if "bot" in rows:
            print(f"bot index arrays: {rows['bot']['arrays_mb']:.0f} MB "
                  f"({rows['bot']['arrays_mb'] * 2**20 / size:.0f} B/passage)")
        if base and base["queries"] < args.queries:
            print(f"(rank-bm25 timed on the first {base['queries']} queries only)")
        if size == args.reload_size:
            ways = [w for w in args.reload_ways.split(",") if w]
            for aside, how in ((False, "built in a thread"), (True, "built in a forkserver child, then loaded")):
                if ("child" if aside else "thread") not in ways:
                    continue
                stall = _reload_stall(_CORPUS, _QUERIES, aside)
                print(f"reload ({how}) while answering: p99 {stall['reload_p99']:.2f} ms, "
                      f"p50 {stall['reload_p50']:.2f} ms, max {stall['reload_max']:.1f} ms over "
                      f"{stall['answers']:.0f} answers (reload {stall['rebuild_s']:.1f} s; "
                      f"p99 without reload {stall['quiet_p99']:.2f} ms)")
            loaded = _load_time(_CORPUS, _QUERIES)
            print(f"saved index: {loaded['disk_mb']:.0f} MB written in {loaded['save_s']:.1f} s, "
                  f"loaded in {loaded['load_s'] * 1000:.0f} ms, first query {loaded['first_query_ms']:.1f} ms")
    _CORPUS = []
    if args.service_size:
        result = _service_ask(args.service_size, args.queries)
        print(f"\n== Service.ask, {result['passages']:,.0f} passages in corpus files: "
              f"median {result['median_ms']:.3f} ms, p95 {result['p95_ms']:.3f} ms "
              f"({result['rejected']:.0f} questions rejected); start {result['cold_start_s']:.1f} s cold, "
              f"{result['warm_start_s']:.2f} s with the saved index")
    total, _, service = _shipped_start()
    print(f"shipped corpus: first answer {total * 1000:.0f} ms after launching a fresh interpreter "
          f"({service * 1000:.0f} ms of it starting the service and answering, the rest imports)")


if __name__ == "__main__":
    main()

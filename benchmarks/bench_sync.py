"""Sync speed: a year of 600 texts adopted through a stand-in on 127.0.0.1, then a second sync with nothing new.

Run from the repository root:

    python -m benchmarks.bench_sync [--texts 600]

The Open Data API listing (pages of 50) and each text's doceo page (8 paragraphs) are
served by tests/standin_ep.py; ``run_sync`` is what ``python -m bot sync`` and the bot's
scheduled sync run, into an empty corpus, with the window set to this year. The request
pace is raised to 1000/s, so the figure is the sync's, not the politeness delay's (at the
default EP_REQUESTS_PER_SECOND=2 the pace alone is printed too). Target: the year in
under 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
import time
from pathlib import Path

from bot.corpus.importer import CorpusIndex
from bot.corpus.sync import SyncSource, run_sync
from tests.standin_ep import Parliament, StandIn

logger = logging.getLogger(__name__)

TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=600)
    args = parser.parse_args()
    today = dt.datetime.now(dt.UTC).date()
    start = dt.date(today.year, 1, 1)
    with StandIn(record=False) as server, tempfile.TemporaryDirectory() as tmp:
        ep = Parliament(server)
        span = (today - start).days + 1
        for n in range(1, args.texts + 1):
            ep.adopt(f"TA-10-{today.year}-{n:04d}", f"Situation number {n}", start + dt.timedelta(days=n % span),
                     paragraphs=8)
        source = SyncSource(server.url + "api/v2/", server.url, requests_per_second=1000.0, timeout=10.0)
        corpus_dir = Path(tmp) / "corpus"
        started = time.perf_counter()
        report = run_sync(CorpusIndex.load(corpus_dir), source, since=start)
        first = time.perf_counter() - started
        assert len(report.imported) == args.texts and report.outcome == "complete", report.outcome
        requests = server.count
        started = time.perf_counter()
        again = run_sync(CorpusIndex.load(corpus_dir), source)
        second = time.perf_counter() - started
        assert again.imported == () and again.outcome == "complete"
    print(f"sync of a year of {args.texts} texts through 127.0.0.1: {first:.2f} s "
          f"({first / args.texts * 1000:.1f} ms a text, {requests} requests; target < {TARGET_S:.0f} s: "
          f"{'ok' if first < TARGET_S else 'MISSED'}); at EP_REQUESTS_PER_SECOND=2 the pace alone is "
          f"{requests / 2 / 60:.1f} min")
    print(f"second sync, nothing new ({again.present} present, {again.older} older, "
          f"{server.count - requests} requests, corpus read from its files): {second:.2f} s")


if __name__ == "__main__":
    main()

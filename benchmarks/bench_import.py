"""Import speed: a 50-paragraph resolution from a local file, and a 600-text year through a local server.

Run from the repository root:

    python -m benchmarks.bench_import [--runs 20] [--texts 600]

1. Local file (target: under 1 s): a texts-adopted page in the doceo layout with 12
   citations, 20 recitals and 50 numbered paragraphs (some with points), read with
   ``prepare_file`` and written with ``write`` into a fresh corpus directory. Prints the
   first (cold: parser libraries loading) and the median of the following runs.
2. Year listing: the Open Data API list of ``--texts`` texts adopted served in pages of
   50 by a stand-in on 127.0.0.1, then each text's page, imported with ``import_year``
   as ``python -m bot import --year`` does (the request pace raised to 1000/s: the
   figure is the importer's, not the politeness delay's). Prints the time per text and
   the Python heap (tracemalloc) after every 100 texts: flat means the listing and the
   import hold one page at a time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.corpus.fetch import Fetcher
from bot.corpus.importer import CorpusIndex, prepare_file, write
from bot.corpus.yearly import import_year
from tests.standin_ep import Route, StandIn, doceo_page

logger = logging.getLogger(__name__)

TARGET_S = 1.0


def resolution_page(paragraphs: int = 50, citations: int = 12, recitals: int = 20) -> str:
    letters = [chr(ord("A") + i) for i in range(26)]
    labels = letters + [f"A{c}" for c in letters]
    parts = [
        "<html><head><meta charset='utf-8'><title>Texts adopted</title><script>var x = 1;</script></head><body>",
        "<nav><a href='/'>Home</a></nav><div>Procedure : 2021/2544(RSP)</div>",
        "<p>Thursday, 11 February 2021 - Brussels</p><p>Human rights situation in Kazakhstan</p>",
        "<p>P9_TA(2021)0056RC-B9-0144/2021</p>",
        "<p>European Parliament resolution of 11 February 2021 on the human rights situation in Kazakhstan"
        " (2021/2544(RSP))</p>",
        "<p>The European Parliament,</p>",
    ]
    parts += [f"<p>–  having regard to the agreement or report number {n} on the matter in question,</p>"
              for n in range(1, citations + 1)]
    parts += [f"<p>{labels[n]}.  whereas the situation described in recital {n + 1} has worsened since last year;</p>"
              for n in range(recitals)]
    for n in range(1, paragraphs + 1):
        parts.append(f"<p>{n}.  Calls on the authorities to take measure {n} and to report on it without delay;</p>")
        if n % 10 == 0:
            parts += [f"<p>({p})  act on point {p} of paragraph {n} in good time and in good faith;</p>" for p in "abc"]
    parts.append("<div>Last updated: 12 February 2021 Legal notice</div></body></html>")
    return "\n".join(parts)


def bench_local_file(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "TA-9-2021-0056_EN.html"
        page.write_text(resolution_page(), encoding="utf-8")
        times: list[float] = []
        passages = 0
        for run in range(runs):
            corpus_dir = Path(tmp) / f"corpus{run}"
            started = time.perf_counter()
            prepared = prepare_file(page, base_url="https://www.europarl.europa.eu/")
            write(prepared, CorpusIndex.load(corpus_dir))
            times.append(time.perf_counter() - started)
            passages = len(prepared.document.passages)
        rest = times[1:] or times
        print(f"local file, 50 paragraphs ({passages} passages, {page.stat().st_size:,} bytes): "
              f"first {times[0] * 1000:.1f} ms, median of {len(rest)} {statistics.median(rest) * 1000:.1f} ms "
              f"(target < {TARGET_S:.0f} s: {'ok' if max(times) < TARGET_S else 'MISSED'})")


def bench_year(texts: int) -> None:
    with StandIn(record=False) as server, tempfile.TemporaryDirectory() as tmp:
        ids = [f"TA-9-2024-{n:04d}" for n in range(1, texts + 1)]
        items = [{"id": f"eli/dl/doc/{i}", "type": "Work", "work_type": "def/ep-document-types/TEXT_ADOPTED",
                  "identifier": i, "title_dcterms": {"en": f"Situation number {n}"}, "document_date": "2024-02-28"}
                 for n, i in enumerate(ids, start=1)]

        def page(query: dict[str, list[str]]) -> Route:
            offset, limit = int(query["offset"][0]), int(query["limit"][0])
            return Route.json({"data": items[offset : offset + limit]})

        server.routes["/api/v2/adopted-texts"] = page
        for n, text_id in enumerate(ids, start=1):
            server.doceo(text_id, Route(body=doceo_page(text_id, f"Situation number {n}", 8, day="28 February 2024",
                                                        reference=f"2024/{n:04d}(RSP)")))
        corpus = CorpusIndex.load(Path(tmp) / "corpus")
        tracemalloc.start()
        started = time.perf_counter()
        done = 0
        with Fetcher(requests_per_second=1000.0) as fetcher:
            for item in import_year(2024, fetcher=fetcher, open_data_url=server.url + "api/v2/",
                                    base_url=server.url, corpus=corpus):
                assert item.status == "imported", item
                done += 1
                if done % 100 == 0:
                    current, _ = tracemalloc.get_traced_memory()
                    elapsed = time.perf_counter() - started
                    print(f"  {done:4d} texts: {elapsed:6.2f} s, {elapsed / done * 1000:.1f} ms a text, "
                          f"heap {current / 1e6:.2f} MB")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        elapsed = time.perf_counter() - started
        print(f"year of {texts} texts through 127.0.0.1: {elapsed:.2f} s ({texts / elapsed:.0f} texts/s, "
              f"{server.count} requests), heap peak {peak / 1e6:.2f} MB; at the default "
              f"EP_REQUESTS_PER_SECOND=2 the pace alone is {server.count / 2 / 60:.1f} min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--texts", type=int, default=600)
    args = parser.parse_args()
    bench_local_file(args.runs)
    bench_year(args.texts)


if __name__ == "__main__":
    main()

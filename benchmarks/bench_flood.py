"""One user floods hostile questions within the rate limit; how long do the others wait?

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_flood.py                       # the per-question CPU budget as shipped
    python benchmarks/bench_flood.py --budget 1000         # as before the budget (for comparison)
    python benchmarks/bench_flood.py --flood 40 --seconds 20

It writes a corpus of synthetic passages (see synthetic.py) plus ``--hot`` passages that
all name the Uyghurs, loads it with ``Service`` and, on one asyncio loop with worker
threads as the bot runs them (``asyncio.to_thread``), sends at once ``--flood``
questions from one user (20 = QUESTIONS_PER_MINUTE's default allowance): half are one
phrase quoted 409 times (4,089 characters), half many distinct sub-phrases of the hot
sentence. Meanwhile other users ask ordinary questions, ``--rate`` a second for
``--seconds`` seconds. It prints the other users' answer times (median, p95, max) and
what each flood question cost in CPU and how it ended; first with the whole flood sent at
once (each question in its own worker thread), then one flood question at a time (what
one question in flight per user would make of it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from bot.answers.service import BadQuestion, Service  # noqa: E402
from bot.search import budget  # noqa: E402

logger = logging.getLogger(__name__)

HOT = "Parliament condemns the arbitrary detention of Uyghurs in camps in Xinjiang and calls for their release"


def write_corpus(root: Path, passages: int, hot: int, per_document: int = 10) -> None:
    words = synthetic.vocabulary()
    corpus = [" ".join(p).capitalize() + "." for p in synthetic.passages(passages, words)]
    corpus += [f"{HOT}, case number {i}." for i in range(hot)]
    for number, first in enumerate(range(0, len(corpus), per_document)):
        body = "\n\n".join(corpus[first : first + per_document])
        (root / f"doc-{number:06d}.md").write_text(
            f"---\ntitle: Resolution number {number}\nkind: text_adopted\n---\n{body}\n", encoding="utf-8"
        )


def hostile_questions(count: int) -> list[str]:
    repeated = " ".join(['"uyghurs"'] * 409)
    hot = HOT.lower().split()
    spans = [" ".join(hot[i:j]) for i in range(len(hot)) for j in range(i + 2, len(hot) + 1)]
    distinct = ""
    for span in spans:
        if len(distinct) + len(span) + 3 > 4090:
            break
        distinct += f'"{span}" '
    return [repeated if n % 2 == 0 else distinct.strip() for n in range(count)]


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed_cpu(service: Service, question: str) -> tuple[float, str]:
    started = time.thread_time()
    try:
        answer = service.ask(question)
    except BadQuestion as exc:
        outcome = f"refused: {str(exc)[:60]}…"
    else:
        outcome = f"{'' if answer.total_complete else 'at least '}{answer.total} matches"
    return time.thread_time() - started, outcome


async def run(service: Service, flood: int, rate: float, seconds: float, serial: bool) -> None:
    questions = synthetic.queries(int(rate * seconds) + 1, synthetic.vocabulary())
    ordinary = [" ".join(q) for q in questions]

    async def other(question: str) -> float:
        started = time.perf_counter()
        try:
            await asyncio.to_thread(service.ask, question)
        except BadQuestion:
            pass
        return time.perf_counter() - started

    async def one_at_a_time(questions: list[str]) -> list[tuple[float, str]]:
        return [await asyncio.to_thread(_timed_cpu, service, q) for q in questions]

    began = time.perf_counter()
    hostile = hostile_questions(flood)
    if serial:  # as with one question in flight per user
        flooding = [asyncio.create_task(one_at_a_time(hostile))]
    else:  # every question of the allowance at once: the worst case without per-user turns
        flooding = [asyncio.create_task(one_at_a_time([q])) for q in hostile]
    others: list[asyncio.Task[float]] = []
    for question in ordinary[: int(rate * seconds)]:
        others.append(asyncio.create_task(other(question)))
        await asyncio.sleep(1 / rate)
    waits = await asyncio.gather(*others)
    costs = [c for done in await asyncio.gather(*flooding) for c in done]
    print(f"other users: {len(waits)} answers, median {statistics.median(waits) * 1000:.0f} ms, "
          f"p95 {_percentile(waits, 0.95) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms")
    cpu = [c for c, _ in costs]
    print(f"flood: {flood} questions, CPU median {statistics.median(cpu):.2f} s, max {max(cpu):.2f} s, "
          f"total {sum(cpu):.1f} s; wall {time.perf_counter() - began:.1f} s")
    for outcome in sorted({o for _, o in costs}):
        print(f"  {sum(1 for _, o in costs if o == outcome)} x {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--hot", type=int, default=250, help="passages holding the hot sentence")
    parser.add_argument("--flood", type=int, default=20, help="hostile questions sent at once by one user")
    parser.add_argument("--rate", type=float, default=5.0, help="ordinary questions a second from other users")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--budget", type=float, default=budget.QUESTION_CPU_SECONDS,
                        help="CPU seconds a question may spend (default: as shipped)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the synthetic files have no reference nor date
    budget.QUESTION_CPU_SECONDS = args.budget
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, args.passages, args.hot)
        service = Service(root)
        service.ask("uyghurs")  # warm: the first answer builds per-thread buffers
        print(f"{len(service.snapshot.passages):,} passages; budget {args.budget} s of CPU per question")
        for serial in (False, True):
            print("\nthe flood " + ("one question at a time (as the handlers take a user's questions)" if serial
                                    else "all at once (as without one question in flight per user)"))
            asyncio.run(run(service, args.flood, args.rate, args.seconds, serial))


if __name__ == "__main__":
    main()

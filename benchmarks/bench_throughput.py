"""Many users asking at once through the Bot API stand-in: answers a second, latency, and what was lost.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python -m benchmarks.bench_throughput                    # 20 users x 5, then 50 users x 5
    python -m benchmarks.bench_throughput --users 20 --questions 5 --rounds 3

The real application (``build_application``, run by ``serve`` as in production, with
AIORateLimiter's Telegram limits as shipped) polls ``tests/e2e/fake_telegram.py`` on
127.0.0.1 over the shipped corpus. Each of ``--users`` users sends ``--questions``
questions in their private chat, all at the same moment. An answer's latency is from
its question arriving at the stand-in to the first message replying to it; a question
with no reply within ``--timeout`` seconds is lost. Printed for each round: answers a
second (answers / the time from the first question to the last answer), p50 / p95 /
max latency, lost, typing actions sent, the requests that counted against Telegram's
overall limit in the busiest second (Telegram allows about 30), the most messages one
chat got in one second, and anything the stand-in refused or answered 429.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # the stand-in and its runner, as the e2e tests import them

from conftest import CORPUS, RunningBot, make_settings  # noqa: E402
from fake_telegram import Call, FakeTelegram  # noqa: E402

QUESTIONS = (
    "When did Parliament call for the release of Vladimir Kozlov?",
    "freedom of expression in Kazakhstan",
    "human rights activists, journalists and the opposition",
    "What did Parliament say about torture?",
    "independent media and the internet",
    "trade unions and the right to strike",
    "the partnership and cooperation agreement",
    "religious freedom",
)
FIRST_USER = 50_000


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _busiest_second(calls: Sequence[Call]) -> int:
    """The most requests with a chat (those AIORateLimiter and Telegram count) in any 1 s window."""
    times = sorted(c.at for c in calls if "chat_id" in c.params)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _busiest_chat_second(calls: Sequence[Call]) -> int:
    """The most messages one chat got in any 1 s window (Telegram asks for about 1 in a private chat)."""
    by_chat: dict[str, list[float]] = {}
    for call in calls:
        if call.method == "sendMessage":
            by_chat.setdefault(str(call.params.get("chat_id")), []).append(call.at)
    return max((_busiest_second([Call("sendMessage", {"chat_id": c}, at=t) for t in ts])
                for c, ts in by_chat.items()), default=0)


async def one_round(telegram: FakeTelegram, users: int, questions: int, timeout: float, first_user: int) -> None:
    first_call = len(telegram.calls)
    # (chat, question) -> when it arrived; a user's questions differ, and every answer
    # (passages or none) echoes its question in its first message.
    asked: dict[tuple[int, str], float] = {}
    people = [telegram.user(first_user + n, f"User {n}") for n in range(users)]  # new users: fresh allowances
    for q in range(questions):
        for n, person in enumerate(people):
            chat = telegram.private_chat(person)
            question = QUESTIONS[(n + q) % len(QUESTIONS)]
            telegram.send_text(chat, person, question)
            asked[(chat["id"], question)] = time.monotonic()
    began = time.monotonic()
    answered: dict[tuple[int, str], float] = {}
    deadline = began + timeout
    seen = first_call
    while len(answered) < len(asked) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
        for call in telegram.calls[seen:]:
            if call.method == "sendMessage" and call.ok:
                echoed = re.search(r"“([^”]*)”", str(call.params.get("text", "")))
                key = (int(call.params["chat_id"]), echoed.group(1) if echoed else "")
                if key in asked and key not in answered:
                    answered[key] = call.at
        seen = len(telegram.calls)
    await asyncio.sleep(0.2)  # anything still on its way (a late typing action) is counted
    calls = telegram.calls[first_call:]
    latencies = [answered[k] - asked[k] for k in answered]
    wall = max(answered.values(), default=began) - began
    typing = sum(1 for c in calls if c.method == "sendChatAction")
    refused = [c for c in calls if not c.ok]
    rate = len(answered) / wall if wall > 0 else float("nan")
    print(
        f"{users} users x {questions}: {len(answered)} answered in {wall:.2f} s, {rate:.1f} answers/s, "
        f"p50 {_percentile(latencies, 0.5):.2f} s, p95 {_percentile(latencies, 0.95):.2f} s, "
        f"max {max(latencies, default=0):.2f} s, lost {len(asked) - len(answered)}; "
        f"typing actions {typing}; busiest second {_busiest_second(calls)} requests, "
        f"one chat {_busiest_chat_second(calls)} messages; refused or 429: {len(refused)}"
    )


async def main_async(args: argparse.Namespace) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    bot = RunningBot(make_settings(telegram, Path(args.corpus), questions_per_minute=max(20, args.questions)))
    bot.thread.start()
    try:
        await telegram.wait_for(lambda: bot.application.running and telegram.calls_to("getUpdates") or bot.error)
        if bot.error is not None:
            raise SystemExit(f"the bot did not start: {bot.error!r}")
        first_user = FIRST_USER
        for users in args.users:
            for _ in range(args.rounds):
                await one_round(telegram, users, args.questions, args.timeout, first_user)
                first_user += users
                await asyncio.sleep(1.5)  # the rate limiter's bucket drains between rounds
    finally:
        await bot.stop()
        await telegram.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=lambda s: [int(n) for n in s.split(",")], default=[20, 50],
                        help="comma-separated user counts, one run each (default 20,50)")
    parser.add_argument("--questions", type=int, default=5, help="questions each user sends at once")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each user count")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an unanswered question is lost")
    parser.add_argument("--corpus", default=str(CORPUS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()

"""1,000 chats follow one topic and a matching resolution arrives: how long until all are told, within the limits?

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/bench_notify.py                    # 1,000 private chats and 10 groups
    python benchmarks/bench_notify.py --followers 200 --groups 2

The real application (``build_application``, with its AIORateLimiter) talks to the Bot
API stand-in of the end-to-end tests (tests/e2e/fake_telegram.py) on 127.0.0.1. The
followers are written into a fresh DATA_DIR, a matching resolution is added to a copy of
the shipped corpus, the corpus is reloaded, and ``corpus_changed`` is timed from the call
to the last message sent. It prints the time, the messages sent, and the most messages
the stand-in received in any one second and, per group, in any one minute (Telegram
allows about 30 a second overall and 20 a minute to one group).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from fake_telegram import FakeTelegram  # noqa: E402

from bot.answers.follows import check_topic  # noqa: E402
from bot.answers.service import Service  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.state.store import open_state  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from bot.telegram.changes import corpus_changed, plan_notices  # noqa: E402

logger = logging.getLogger(__name__)

TOPIC = "political prisoners Kazakhstan"
MATCHING = (
    "---\ntitle: European Parliament resolution of 20 March 2025 on political prisoners in Kazakhstan\n"
    "reference: 2025/2600(RSP)\nadopted: 2025-03-20\nkind: text_adopted\nsource: European Parliament\n---\n"
    "The European Parliament,\n\n"
    "1. Calls on the authorities of Kazakhstan to release all political prisoners without delay;\n"
)


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def run(followers: int, groups: int) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index", ".cache"))
        service = Service(corpus)
        state = open_state(Path(scratch) / "data")
        checked = check_topic(service.snapshot, TOPIC)
        chats = [10_000 + n for n in range(followers)] + [-1_000_000 - n for n in range(groups)]
        for chat in chats:
            telegram.chats[chat] = {"id": chat, "type": "private" if chat > 0 else "supergroup"}
            state.follow(chat, checked.topic, checked.key, None, 20)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token=telegram.token, telegram_base_url=telegram.base_url,
            telegram_base_file_url=telegram.base_file_url, corpus_dir=corpus,
        )
        application = build_application(settings, service, state)
        async with application:
            (corpus / "2025-kazakhstan-prisoners.md").write_text(MATCHING, encoding="utf-8")
            report = await asyncio.to_thread(service.reload)
            planning = time.perf_counter()
            planned = plan_notices(service.snapshot, state, set(report.added))
            planning = time.perf_counter() - planning
            started = time.perf_counter()
            first_call = len(telegram.calls)
            await corpus_changed(application, report)
            seconds = time.perf_counter() - started
        state.close()
    sent = [c for c in telegram.calls[first_call:] if c.method == "sendMessage" and c.ok]
    await telegram.stop()
    per_second = most_in_window([c.at for c in sent], 1.0)
    group_minute = max(
        (most_in_window([c.at for c in sent if int(c.params["chat_id"]) == g], 60.0) for g in chats if g < 0),
        default=0,
    )
    print(f"{len(chats)} followers ({followers} private chats, {groups} groups) of “{TOPIC}”; one matching resolution")
    print(f"notified {len(sent)} chats in {seconds:.1f} s ({len(sent) / seconds:.1f} messages/s)")
    print(f"matching and reading what was sent (plan_notices): {planning * 1000:.0f} ms for {len(planned)} notices")
    print(f"most messages in any 1 s: {per_second}; most to one group in any 60 s: {group_minute}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.followers, args.groups))


if __name__ == "__main__":
    main()

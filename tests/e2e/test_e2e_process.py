"""The bot as a process: ``python -m bot`` with settings from the environment.

Start-up problems are one clear line and exit code 2; SIGTERM stops it gracefully;
WEBHOOK_URL switches from long polling to a webhook.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from fake_telegram import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def bot_env(**values: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "CORPUS_", "ADMIN_", "QUESTIONS_", "LOG_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env["CORPUS_DIR"] = str(ROOT / "corpus")
    env.update(values)
    return env


async def start(tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    # cwd is an empty directory, so no .env file is read.
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=bot_env(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    code, err = await finish(await start(tmp_path))
    assert code == 2
    assert err.strip().splitlines() == [
        "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment or in .env."
    ]


async def test_malformed_token_is_one_clear_line_without_the_token(tmp_path: Path) -> None:
    code, err = await finish(await start(tmp_path, TELEGRAM_BOT_TOKEN="not-a-token-secret"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in err and "malformed" in err
    assert "not-a-token-secret" not in err


async def test_token_rejected_by_telegram_is_one_clear_line(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    wrong = "987654321:AAThisTokenIsWellFormedButNotTheBots0"
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url,
    )
    code, err = await finish(process)
    assert code == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather." in err.splitlines()
    assert "Traceback" not in err
    assert wrong not in err and wrong.split(":")[1] not in err


async def test_sigterm_stops_the_polling_bot_gracefully(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url, LOG_LEVEL="DEBUG",
    )
    try:
        await telegram.wait_for(lambda: telegram.calls_to("getUpdates"), timeout=30)
        ana = telegram.user()
        telegram.send_text(telegram.private_chat(ana), ana, "release of Vladimir Kozlov")
        await telegram.wait_for(lambda: telegram.bot_messages_in(ana["id"]))
    finally:
        process.send_signal(signal.SIGTERM)
    code, err = await finish(process)
    assert code == 0, err
    assert "Traceback" not in err
    assert TOKEN.split(":")[1] not in err  # the token never appears in a log, even at DEBUG
    assert "running as @ep_resolutions_bot" in err
    assert [c["command"] for c in telegram.commands] == [
        "ask", "quote", "timeline", "sources", "follow", "following", "forget", "help", "start"
    ]
    # The final getUpdates confirms the handled update, so it is not delivered again.
    last = telegram.calls_to("getUpdates")[-1]
    assert int(last.params["offset"]) == len(telegram.updates) + 1


async def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Return once something accepts connections on 127.0.0.1:port."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def test_webhook_mode_serves_updates_posted_to_it(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url,
        WEBHOOK_URL="https://bot.example.org/telegram/hook", WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port), WEBHOOK_SECRET="s3cret-token",
    )
    try:
        webhook = await telegram.wait_for(lambda: telegram.webhook, timeout=30)
        assert webhook["url"] == "https://bot.example.org/telegram/hook"
        assert webhook["secret_token"] == "s3cret-token"
        ana = telegram.user()
        chat = telegram.private_chat(ana)
        telegram.chats[chat["id"]] = chat
        update = {
            "update_id": 1,
            "message": {"message_id": 1, "date": 0, "chat": chat, "from": ana,
                        "text": "release of Vladimir Kozlov"},
        }
        url = f"http://127.0.0.1:{port}/telegram/hook"
        # PTB calls setWebhook before its server is listening: wait for the port.
        await wait_for_port(port)
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update) as response:
                assert response.status == 403  # no secret: refused
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        [reply] = await telegram.wait_for(lambda: telegram.bot_messages_in(ana["id"]))
        assert "Vladimir Kozlov" in reply["text"]
    finally:
        process.send_signal(signal.SIGTERM)
    code, err = await finish(process)
    assert code == 0, err
    assert "Traceback" not in err


async def test_sighup_reloads_the_corpus(telegram: FakeTelegram, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url, CORPUS_DIR=str(corpus),
    )
    assert process.stderr is not None
    log: list[str] = []
    try:
        await telegram.wait_for(lambda: telegram.calls_to("getUpdates"), timeout=30)
        ana = telegram.user()
        chat = telegram.private_chat(ana)
        telegram.send_text(chat, ana, "reservoir dam")
        [before] = await telegram.wait_for(lambda: telegram.bot_messages_in(ana["id"]))
        assert before["text"].startswith("No passage matches")

        (corpus / "reservoirs.md").write_text(
            "---\nreference: 2021/2001(RSP)\nadopted: 2021-05-20\n---\n"
            "Parliament calls on Sylvania to inspect every reservoir dam before the floods.\n"
        )
        process.send_signal(signal.SIGHUP)
        while not any("reload by SIGHUP: 1 added" in line for line in log):
            line = await asyncio.wait_for(process.stderr.readline(), 30)
            assert line, "the bot stopped: " + "".join(log)
            log.append(line.decode())

        telegram.send_text(chat, ana, "reservoir dam")
        messages = await telegram.wait_for(
            lambda: len(telegram.bot_messages_in(ana["id"])) == 2 and telegram.bot_messages_in(ana["id"])
        )
        assert "inspect every reservoir dam before the floods" in messages[1]["text"]
    finally:
        process.send_signal(signal.SIGTERM)
    code, err = await finish(process)
    assert code == 0, err
    assert "Traceback" not in "".join(log) + err


async def test_a_corpus_with_nothing_to_serve_stops_the_bot_with_one_line(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    empty = tmp_path / "corpus"
    empty.mkdir()
    (empty / "broken.md").write_bytes(b"\xff\xfe not text")
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url, CORPUS_DIR=str(empty),
    )
    code, err = await finish(process)
    assert code == 2
    assert err.strip().splitlines() == [
        f"No servable document in the corpus directory {empty}: broken.md:1: error: "
        "not UTF-8 (byte 0xff at offset 0)"
    ]
    assert telegram.calls_to("getUpdates") == []  # it never started polling


async def test_a_base_url_that_is_not_a_bot_api_is_named_not_blamed_on_the_token(tmp_path: Path) -> None:
    async def not_found(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(status=404, text="<html><body>Not Found</body></html>", content_type="text/html")

    app = aiohttp.web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/typo/bot"
    try:
        code, err = await finish(await start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base))
    finally:
        await runner.cleanup()
    assert code == 1
    assert err.strip().splitlines() == [
        f"The Bot API at {base} answered 404 (not a Bot API?): check TELEGRAM_BASE_URL."
    ]  # was "Telegram rejected TELEGRAM_BOT_TOKEN" after a JSONDecodeError traceback


@pytest.mark.parametrize("shape", ["missing", "no documents"])
async def test_a_missing_or_empty_corpus_is_said_before_telegram_is_reached(tmp_path: Path, shape: str) -> None:
    corpus = tmp_path / "corpus"
    if shape == "no documents":
        corpus.mkdir()
        (corpus / "notes.json").write_text("{}")
    # No Bot API listens there: were Telegram asked first, this would be a network error.
    code, err = await finish(await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL="http://127.0.0.1:9/bot", CORPUS_DIR=str(corpus),
    ))
    assert code == 2
    why = "it does not exist (check CORPUS_DIR)" if shape == "missing" else "it holds no .txt or .md file"
    assert err.strip().splitlines() == [f"No servable document in the corpus directory {corpus}: {why}"]


async def test_a_second_bot_on_the_same_data_dir_is_refused_with_one_line(tmp_path: Path) -> None:
    from bot.state.database import Database

    data = tmp_path / "data"
    first = Database(data)  # the first bot's hold on DATA_DIR
    try:
        code, err = await finish(await start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, DATA_DIR=str(data)))
    finally:
        first.close()
    assert code == 2
    assert err.strip().splitlines() == [
        f"Another bot process (pid {os.getpid()}) is using DATA_DIR {data} (it holds {data / 'bot.lock'}): "
        "stop it, or give this one its own DATA_DIR"
    ]


async def test_a_corrupted_database_is_one_line_and_questions_are_answered(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.sqlite3").write_bytes(b"not a database\n" * 100)
    process = await start(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_BASE_FILE_URL=telegram.base_file_url, DATA_DIR=str(data), LOG_LEVEL="CRITICAL",
    )
    try:
        await telegram.wait_for(lambda: telegram.calls_to("getUpdates"), timeout=60)
        ana = telegram.user()
        telegram.send_text(telegram.private_chat(ana), ana, "political prisoners in Kazakhstan")
        messages = await telegram.wait_for(lambda: telegram.bot_messages_in(ana["id"]))
        assert "Kazakhstan" in messages[0]["text"]
    finally:
        process.send_signal(signal.SIGTERM)
    code, err = await finish(process)
    assert code == 0
    assert err.strip().splitlines() == [
        f"The database {data / 'bot.sqlite3'} is corrupted (file is not a database): move it aside "
        "(the bot starts a new one) or restore a copy (the bot answers questions; follows are off)"
    ]

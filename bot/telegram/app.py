"""Wiring: the one place that builds the Telegram application, and the loop that runs it.

``build_application`` is what production and the end-to-end tests both use. ``run``
is the process: check the token, then long polling, or a webhook when WEBHOOK_URL is
set, until SIGINT or SIGTERM stops it gracefully (handlers in flight are finished);
SIGHUP reloads the corpus, as /reload does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot.answers.service import EmptyCorpus, Service
from bot.config import Settings
from bot.search import standins
from bot.search.budget import share_the_interpreter
from bot.state.database import AlreadyRunning
from bot.state.store import State, open_state
from bot.telegram.admin import ADMIN_COMMANDS, announce, reload_corpus
from bot.telegram.common import Shared
from bot.telegram.follows import report_state_problem
from bot.telegram.handlers import COMMANDS, register

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

EXIT_OK, EXIT_FAILED, EXIT_SETTINGS = 0, 1, 2
# Flood control: on a 429 the rate limiter waits retry_after seconds and tries again.
RATE_LIMIT_RETRIES = 3
# Telegram allows a bot about 30 requests a second to chats. AIORateLimiter's bucket holds
# as many requests as its rate, so "30 per second" let 30 go at once and 30 more within
# the same second (60 measured by benchmarks/bench_throughput.py); a bucket of 5 refilled
# at 30 a second keeps any second to about 35.
TELEGRAM_PER_SECOND = 30
TELEGRAM_BURST = 5
# Updates are handled concurrently so that one slow search does not queue the others.
CONCURRENT_UPDATES = 32
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
STOP_SIGNALS: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


def build_application(settings: Settings, service: Service, state: State | None = None) -> AnyApplication:
    """The bot with every handler registered, ready to run; nothing is sent yet.

    ``state`` is what the bot keeps (bot.state); by default it is opened in DATA_DIR
    (AlreadyRunning when another process holds it) and closed when the application stops.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    if state is None:
        state = open_state(settings.data_directory)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value().strip())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=TELEGRAM_BURST,
                overall_time_period=TELEGRAM_BURST / TELEGRAM_PER_SECOND,
                max_retries=RATE_LIMIT_RETRIES,
            )
        )
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(functools.partial(_post_init, admin_ids=settings.admin_ids, state=state))
        .post_shutdown(functools.partial(_post_shutdown, state=state))
        .build()
    )
    register(application, service, settings, state)
    return application


async def _post_shutdown(application: AnyApplication, state: State) -> None:
    # Releases DATA_DIR's lock: the next application (or process) may open it.
    await asyncio.to_thread(state.close)


async def _post_init(
    application: AnyApplication, admin_ids: frozenset[int] = frozenset(), state: State | None = None
) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    # The first question naming a place would otherwise load GeoNames' cities on its own time.
    application.bot_data["places"] = asyncio.get_running_loop().run_in_executor(None, standins.warm)
    shared = application.bot_data.get("shared")
    if state is not None and state.problem is not None and isinstance(shared, Shared):
        # Said on stderr at start-up too; the admins hear it where they are.
        await report_state_problem(shared, application.bot, state.problem)
    # Admin commands appear only in the admins' own chats with the bot.
    admin_menu = [BotCommand(name, text) for name, text in (*COMMANDS, *ADMIN_COMMANDS)]
    for admin_id in sorted(admin_ids):
        try:
            await application.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            # Telegram knows no chat with someone who never wrote to the bot; the commands
            # work all the same, and the menu comes with the next start.
            logger.warning("no admin command menu for user %s yet: %s", admin_id, exc)
    logger.info("running as @%s", application.bot.username)


def serve(
    application: AnyApplication,
    settings: Settings,
    stop_signals: Sequence[int] | None = STOP_SIGNALS,
) -> None:
    """Run until stopped: long polling, or a webhook when WEBHOOK_URL is set."""
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            stop_signals=stop_signals,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=stop_signals)


def run(settings: Settings) -> int:
    """The bot's process; returns the exit code. Start-up problems are one clear line."""
    if settings.telegram_bot_token is None:
        print(
            "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the "
            "environment or in .env.",
            file=sys.stderr,
        )
        return EXIT_SETTINGS
    token = settings.telegram_bot_token.get_secret_value().strip()
    # Local things first: a corpus folder that is missing or holds no document is said at
    # once, not after Telegram is reached (with no network, never).
    if (missing := _missing_corpus(settings)) is not None:
        print(missing, file=sys.stderr)
        return EXIT_SETTINGS
    # Before the token and the index: a second bot on one DATA_DIR is refused at once.
    try:
        state = open_state(settings.data_directory)
    except AlreadyRunning as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_SETTINGS
    if state.problem is not None:
        # Not fatal: the bot answers questions; /follow says it is unavailable.
        print(f"{state.problem} (the bot answers questions; follows are off)", file=sys.stderr)
    try:
        return _run_with(settings, token, state)
    finally:
        state.close()


def _run_with(settings: Settings, token: str, state: State) -> int:
    """The rest of run, once DATA_DIR is held: the token, the corpus, then the loop."""
    share_the_interpreter()  # imports and reloads run in threads beside the question workers
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The token is checked before the corpus is indexed, so a typo in it is reported in
    # a second, not after building the index of a large corpus.
    failed = loop.run_until_complete(_check_token(settings, token))
    if failed is not None:
        loop.close()
        return failed
    try:
        service = Service(settings.corpus_dir)
    except EmptyCorpus as exc:
        print(str(exc), file=sys.stderr)
        loop.close()
        return EXIT_SETTINGS
    application = build_application(settings, service, state)
    _reload_on_sighup(loop, service, application)
    try:
        serve(application, settings)
    except InvalidToken:
        print("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather.", file=sys.stderr)
        return EXIT_SETTINGS
    except TelegramError as exc:
        logger.critical("the bot stopped: %s", str(exc).replace(token, "<token>"), exc_info=exc)
        return EXIT_FAILED
    logger.info("stopped")
    return EXIT_OK


def _missing_corpus(settings: Settings) -> str | None:
    """One line when CORPUS_DIR cannot hold a servable document (a cheap look, nothing parsed)."""
    from bot.corpus.load import SUFFIXES, corpus_files

    directory = settings.corpus_dir
    if not directory.is_dir():
        why = "it is a file, not a folder" if directory.exists() else "it does not exist"
        return f"No servable document in the corpus directory {directory}: {why} (check CORPUS_DIR)"
    if not corpus_files(directory):
        return f"No servable document in the corpus directory {directory}: it holds no {' or '.join(SUFFIXES)} file"
    return None


async def _check_token(settings: Settings, token: str) -> int | None:
    """None when Telegram accepts the token (getMe), else the exit code after one line."""
    bot = Bot(token, base_url=settings.telegram_base_url, base_file_url=settings.telegram_base_file_url)
    quiet = _DropInvalidJson()
    request_logger = logging.getLogger("telegram.request.BaseRequest")  # where it logs the traceback
    request_logger.addFilter(quiet)
    try:
        async with bot:  # initialize() calls getMe
            return None
    except TelegramError as exc:
        if _not_json(exc):
            # An answer that is not JSON is a web page: not the Bot API (a mistyped
            # TELEGRAM_BASE_URL), and the token was never checked.
            status = re.search(r"\((\d{3})\)\. Parsing", _messages(exc))
            answered = f"answered {status.group(1)}" if status else "did not answer in JSON"
            print(f"The Bot API at {settings.telegram_base_url} {answered} (not a Bot API?): check "
                  "TELEGRAM_BASE_URL.", file=sys.stderr)
            return EXIT_FAILED
        if isinstance(exc, InvalidToken):
            print("Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather.", file=sys.stderr)
            return EXIT_SETTINGS
        if not isinstance(exc, NetworkError):
            raise
        reason = str(exc).replace(token, "<token>")
        print(f"Cannot reach the Telegram Bot API at {settings.telegram_base_url}: {reason}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        request_logger.removeFilter(quiet)


# What python-telegram-bot adds to an error when the answer was not JSON.
_NOT_JSON = ". Parsing the server response"


def _messages(exc: BaseException) -> str:
    """The messages of ``exc`` and of its causes (Bot.initialize re-raises getMe's error)."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 8:
        parts.append(str(seen))
        seen = seen.__cause__
    return " | ".join(parts)


def _not_json(exc: BaseException) -> bool:
    return _NOT_JSON in _messages(exc)


class _DropInvalidJson(logging.Filter):
    """Drops python-telegram-bot's traceback for an answer that is not JSON: the check says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Can not load invalid JSON data")


def _reload_on_sighup(loop: asyncio.AbstractEventLoop, service: Service, application: AnyApplication) -> None:
    """SIGHUP reloads the corpus as /reload does, for systemd's and docker's reload."""
    reload_signal = getattr(signal, "SIGHUP", None)
    if reload_signal is None:  # not on Windows
        return
    tasks: set[asyncio.Task[Any]] = set()  # held, so a running reload is not collected

    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("reload on SIGHUP failed", exc_info=task.exception())

    async def reload_and_announce() -> None:
        announce(application, await reload_corpus(service, "SIGHUP"))

    def reload() -> None:
        task = loop.create_task(reload_and_announce())
        tasks.add(task)
        task.add_done_callback(done)

    loop.add_signal_handler(reload_signal, reload)

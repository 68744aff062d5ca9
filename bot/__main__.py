"""Entry point: ``python -m bot [COMMAND]``; without a command it runs the Telegram bot.

Logging is configured here and only here.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

logger = logging.getLogger(__name__)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot's Bot logs its API URL (token included) and every
    # request's parameters (users' messages); LOG_LEVEL=DEBUG must not leak either.
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))


def _settings_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    name = ".".join(str(p) for p in first["loc"]).upper()
    # A check across settings has no single location; its message names them.
    return f"Bad setting {name}: {message}" if name else f"Bad settings: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # The bot uses no pydantic plugin, and looking for them reads the metadata of every
    # installed package when the first model is made (50 ms of each command's start).
    # Set before any bot module makes its models; a value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from bot.config_file import SettingsFileError, env_file_problem

    if args:
        # A terminal or pipe that cannot show "·" or “ ” gets "?" rather than a traceback.
        for stream in (sys.stdout, sys.stderr):
            if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(errors="replace")
        from bot.answers.service import EmptyCorpus
        from bot.cli import run_cli

        configure_logging("WARNING")
        try:
            return run_cli(args)
        except ValidationError as exc:
            print(_settings_error(exc), file=sys.stderr)
            return 2
        except (EmptyCorpus, SettingsFileError) as exc:
            print(str(exc), file=sys.stderr)
            return 2

    from bot.config import Settings

    problem = env_file_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2

    try:
        settings = Settings()
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    from bot.telegram.app import run

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())

"""The .env file's own problems (unreadable, not UTF-8), told in one line before any setting is read.

Apart from bot.config so that a command given its corpus on the command line (``ask
--corpus DIR``) starts without importing pydantic-settings (a tenth of a second).
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


class SettingsFileError(ValueError):
    """The settings file cannot be read; the message is one line for the person starting the bot."""


def env_file_problem(path: Path = Path(".env")) -> str | None:
    """One line saying why the .env file cannot be read as settings, or None.

    pydantic-settings would raise UnicodeDecodeError with a traceback for a file that is
    not UTF-8 (saved as UTF-16 or Latin-1 by an editor).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"Cannot read {path}: {exc.strerror}"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return f"Cannot read {path.resolve()}: not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
    return None

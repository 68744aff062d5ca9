"""Settings from the environment or a .env file, validated once at start-up."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config_file import SettingsFileError, env_file_problem

__all__ = ["Settings", "SettingsFileError", "env_file_problem"]

logger = logging.getLogger(__name__)

# Telegram tokens look like 123456789:AA...; checking the shape catches pasting mistakes
# before the first network call.
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
# SYNC_EVERY: "24h", "30m", "1h30m", "2d"; at least a minute apart, so the EP's servers are not hammered.
_DURATION_RE = re.compile(r"(?:\d+[dhms])+")
_DURATION_PART_RE = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MIN_SYNC_EVERY = dt.timedelta(minutes=1)
MAX_SYNC_EVERY = dt.timedelta(days=366)


class Settings(BaseSettings):
    """Every setting the bot reads; the README documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    corpus_dir: Path = Path("corpus")
    # What must outlast a restart (follows, what was notified, counters): one SQLite file
    # in this folder. Unset: a "data" folder beside the corpus folder (see data_directory).
    data_dir: Path | None = None
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    questions_per_minute: int = Field(default=20, ge=1)
    log_level: str = "INFO"
    # Where the importer fetches texts adopted and lists a year's texts (tests point these at 127.0.0.1).
    ep_base_url: str = "https://www.europarl.europa.eu/"
    ep_open_data_url: str = "https://data.europarl.europa.eu/api/v2/"
    ep_requests_per_second: float = Field(default=2.0, gt=0, le=100)
    ep_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    # How often the bot syncs with the Open Data API (python -m bot sync); off when unset.
    sync_every: Annotated[dt.timedelta | None, NoDecode] = None

    @property
    def data_directory(self) -> Path:
        """DATA_DIR, or by default ``data`` beside CORPUS_DIR (``./data`` for ``./corpus``)."""
        return self.data_dir if self.data_dir is not None else self.corpus_dir.parent / "data"

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_set(cls, value: Any) -> Any:
        # DATA_DIR= would be the current directory; unset means the default.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("corpus_dir", mode="before")
    @classmethod
    def _corpus_dir_set(cls, value: Any) -> Any:
        # CORPUS_DIR= is the current directory as a Path: it would serve any .md there.
        if isinstance(value, str) and not value.strip():
            raise ValueError("CORPUS_DIR is empty: set it to the corpus folder, or unset it for ./corpus")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value().strip()):
            # Never echo the value: it is a secret even when malformed.
            raise ValueError("TELEGRAM_BOT_TOKEN is malformed (expected digits:letters)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not re.fullmatch(r"-?\d+", part):
                    raise ValueError(f"{part!r} is not a Telegram user id")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and not value.startswith("https://"):
            raise ValueError("WEBHOOK_URL must start with https://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as secret_token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        # Without a secret anyone who finds the URL can post updates as any user,
        # admins included.
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET must be set when WEBHOOK_URL is set")
        return self

    @field_validator("ep_base_url", "ep_open_data_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        # Paths are appended to it: "…/api/v2" and "…/api/v2/" mean the same.
        return value if value.endswith("/") else value + "/"

    @field_validator("sync_every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip().lower().replace(" ", "")
        if not text:
            return None  # SYNC_EVERY= is off, as unset
        if not _DURATION_RE.fullmatch(text):
            raise ValueError(f"{value!r} is not a duration like 24h, 30m or 1h30m (units d, h, m, s)")
        every = dt.timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in _DURATION_PART_RE.findall(text)))
        if not MIN_SYNC_EVERY <= every <= MAX_SYNC_EVERY:
            raise ValueError(f"{value!r} is out of range: sync at most once a minute and at least once a year")
        return every

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"LOG_LEVEL {value!r} is not a logging level")
        return level

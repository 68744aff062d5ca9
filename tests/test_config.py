"""Settings: parsing, validation, and the one-line errors at start-up."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from tests.conftest import ROOT

TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"


def test_defaults_and_admin_ids(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADMIN_IDS", "123, 456")
    monkeypatch.setenv("CORPUS_DIR", "/srv/corpus")
    settings = Settings()
    assert settings.admin_ids == frozenset({123, 456})
    assert settings.corpus_dir == Path("/srv/corpus")
    assert settings.telegram_base_url == "https://api.telegram.org/bot"


def test_empty_admin_ids_means_no_admins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADMIN_IDS", "")
    assert Settings().admin_ids == frozenset()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ADMIN_IDS", "12,bob", "'bob' is not a Telegram user id"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "malformed"),
        ("WEBHOOK_URL", "http://example.org/hook", "https://"),
        ("LOG_LEVEL", "LOUD", "not a logging level"),
    ],
)
def test_bad_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_token_is_never_echoed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = Settings()
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "secret-but-malformed")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "secret-but-malformed" not in str(info.value).split("input_value")[0]


def test_bad_setting_stops_the_process_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ADMIN_IDS": "12,bob", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=60, check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["Bad setting ADMIN_IDS: 'bob' is not a Telegram user id"]


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"WEBHOOK_URL": "https://bot.example.org/hook"},
         "Bad settings: WEBHOOK_SECRET must be set when WEBHOOK_URL is set"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "has spaces!"},
         "Bad setting WEBHOOK_SECRET: WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"),
        # The shipped corpus: a missing one is said first, before Telegram is tried.
        ({"CORPUS_DIR": str(ROOT / "corpus"), "TELEGRAM_BOT_TOKEN": TOKEN,
          "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"},
         None),
    ],
    ids=["webhook-without-secret", "bad-secret", "unreachable-api"],
)
def test_start_up_problems_are_one_line(tmp_path: Path, env: dict[str, str], line: str | None) -> None:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, cwd=tmp_path,
        env=base | env, timeout=60, check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    if line is None:  # the API is unreachable: exit 1, and the token is not in the line
        assert result.returncode == 1
        assert lines[0].startswith("Cannot reach the Telegram Bot API at http://127.0.0.1:9/bot")
        assert TOKEN not in lines[0]
    else:
        assert result.returncode == 2
        assert lines == [line]


def test_cli_on_a_missing_corpus_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Kozlov", "--corpus", str(tmp_path / "none")],
        capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"No servable document in the corpus directory {tmp_path / 'none'}: "
        f"{tmp_path / 'none'}: error: corpus directory does not exist"
    ]


def test_importer_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.ep_base_url == "https://www.europarl.europa.eu/"
    assert settings.ep_open_data_url == "https://data.europarl.europa.eu/api/v2/"
    assert settings.ep_requests_per_second == 2
    monkeypatch.setenv("EP_OPEN_DATA_URL", "http://127.0.0.1:8000/api/v2")
    assert Settings().ep_open_data_url == "http://127.0.0.1:8000/api/v2/"
    for name, value in (("EP_BASE_URL", "ftp://example.org/"), ("EP_REQUESTS_PER_SECOND", "0")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError, match=name.lower()):
            Settings()
        monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("value", "every"),
    [("24h", dt.timedelta(hours=24)), ("30m", dt.timedelta(minutes=30)), ("1h30m", dt.timedelta(minutes=90)),
     (" 2D ", dt.timedelta(days=2)), ("90s", dt.timedelta(seconds=90)), ("", None)],
)
def test_sync_every_reads_durations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str,
                                    every: dt.timedelta | None) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().sync_every is None  # unset: off
    monkeypatch.setenv("SYNC_EVERY", value)
    assert Settings().sync_every == every


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("daily", "Bad setting SYNC_EVERY: 'daily' is not a duration like 24h, 30m or 1h30m (units d, h, m, s)"),
        ("24", "Bad setting SYNC_EVERY: '24' is not a duration like 24h, 30m or 1h30m (units d, h, m, s)"),
        ("-1h", "Bad setting SYNC_EVERY: '-1h' is not a duration like 24h, 30m or 1h30m (units d, h, m, s)"),
        ("10s", "Bad setting SYNC_EVERY: '10s' is out of range: sync at most once a minute and at least once a year"),
        ("400d", "Bad setting SYNC_EVERY: '400d' is out of range: sync at most once a minute and at least once a year"),
    ],
)
def test_a_bad_sync_every_is_one_line(tmp_path: Path, value: str, line: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SYNC_EVERY": value}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [line]

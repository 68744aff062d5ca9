"""Settings: parsing, validation, and the one-line errors at start-up."""

from __future__ import annotations

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

"""A value kept beside the saved index is served only if it is the one written for its key and code."""

from __future__ import annotations

from pathlib import Path

from bot.search.kept import keep, kept, read_kept


def test_a_kept_value_is_served_for_its_key_and_code_only(tmp_path: Path) -> None:
    path = tmp_path / "value.json"
    keep(path, "key", "code", {"adopted": [736033, 736034]})
    assert read_kept(path, "key", "code") == {"adopted": [736033, 736034]}
    assert read_kept(path, "other", "code") is None
    assert read_kept(path, "key", "other") is None


def test_a_changed_digit_is_damage_not_a_value(tmp_path: Path) -> None:
    path = tmp_path / "value.json"
    keep(path, "key", "code", {"adopted": [736033, 736034]})
    path.write_bytes(path.read_bytes().replace(b"736034", b"736035"))  # still JSON, another date
    assert read_kept(path, "key", "code") is None
    assert kept(path, "key", "code", lambda: [1], lambda v: v if isinstance(v, list) else None) == [1]
    assert read_kept(path, "key", "code") == [1]  # computed again and kept


def test_a_file_without_its_checksum_line_is_computed_again(tmp_path: Path) -> None:
    path = tmp_path / "value.json"
    path.write_text('{"key": "key", "code": "code", "value": ["French"]}', encoding="utf-8")  # an older bot's
    assert read_kept(path, "key", "code") is None
    path.write_bytes(b"")
    assert read_kept(path, "key", "code") is None


def test_nothing_is_written_where_there_is_no_saved_index(tmp_path: Path) -> None:
    keep(tmp_path / "absent" / "value.json", "key", "code", [1])
    assert not (tmp_path / "absent").exists()

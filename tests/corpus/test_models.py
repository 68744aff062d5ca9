"""Document metadata: caps on what every citation shows, and the resolution-text rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.corpus.load import parse_document
from bot.corpus.models import (
    MAX_SOURCE_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    CorpusError,
    Document,
    DocumentMeta,
    Kind,
    Position,
    canonical_text_id,
)

BODY = "\nThe European Parliament adopted a resolution on this matter today.\n"


@pytest.mark.parametrize(
    ("key", "value", "limit"),
    [
        ("title", "T" * (MAX_TITLE_CHARS + 1), "500"),
        ("source", "S" * (MAX_SOURCE_CHARS + 1), "200"),
        ("url", "https://example.org/" + "u" * MAX_URL_CHARS, "2,000"),
    ],
)
def test_over_long_front_matter_is_refused_naming_file_key_and_limit(key: str, value: str, limit: str) -> None:
    raw = f"---\n{key}: {value}\n---{BODY}".encode()
    with pytest.raises(CorpusError) as info:
        parse_document("long.md", raw)
    message = str(info.value)
    assert message.startswith("long.md:2: error: bad value for")
    assert repr(key) in message and f"over the limit of {limit}" in message
    assert value not in message  # the oversized value is not echoed back


def test_values_at_the_limit_are_accepted() -> None:
    meta = DocumentMeta(
        title="T" * MAX_TITLE_CHARS,
        source="S" * MAX_SOURCE_CHARS,
        url="https://example.org/" + "u" * (MAX_URL_CHARS - 20),
    )
    assert meta.title is not None and len(meta.title) == MAX_TITLE_CHARS
    with pytest.raises(ValidationError, match="4,500 characters long"):
        DocumentMeta(title="T" * 4500)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(Kind.text_adopted, True), (Kind.summary, False), (Kind.news_report, False), (None, False)],
)
def test_only_the_text_adopted_is_the_resolutions_text(kind: Kind | None, expected: bool) -> None:
    document = Document("d.md", DocumentMeta(kind=kind), {}, (), "")
    assert document.is_resolution_text is expected
    assert (document.wording_note is None) is expected


@pytest.mark.parametrize(
    ("position", "label", "locator"),
    [
        (Position(4, None, 30, "citation", "3", None), "citation 3", "citation 3 of ta.txt (line 30)"),
        (Position(30, None, 60, "recital", "AA", None), "recital AA", "recital AA of ta.txt (line 60)"),
        (Position(41, None, 80, "paragraph", "5", "b"), "paragraph 5, point (b)",
         "paragraph 5, point (b) of ta.txt (line 80)"),
        (Position(50, None, 99, "annex", None, None), "annex", "annex of ta.txt (line 99)"),
        (Position(9, 1, 24), "paragraph 9, item 1", "paragraph 9, item 1 of ta.txt"),
    ],
)
def test_positions_are_cited_with_the_parliaments_labels(position: Position, label: str, locator: str) -> None:
    assert position.describe() == label
    assert position.locator("ta.txt") == locator
    assert position.labels()["label"] == label
    assert position.label == (None if position.part is None else label)


def test_text_numbers_in_both_notations_are_one_number() -> None:
    assert canonical_text_id("TA-9-2021-0056") == canonical_text_id("P9_TA(2021)0056") == "P9_TA(2021)0056"
    assert canonical_text_id("P8_TA-PROV(2019)0203") == "P8_TA(2019)0203"
    assert canonical_text_id("2021/0056") is None


def test_one_parser_reads_a_text_number_in_both_notations() -> None:
    from bot.corpus.models import find_text_number, parse_text_number

    for written in ("P9_TA(2021)0056", "TA-9-2021-0056", "ta-9-2021-0056", " P9_TA(2021)0056 "):
        found = parse_text_number(written)
        assert found is not None and (found.printed, found.dashed) == ("P9_TA(2021)0056", "TA-9-2021-0056")
    provisional = parse_text_number("P8_TA-PROV(2019)0203")
    assert provisional is not None and provisional.provisional and provisional.dashed == "TA-8-2019-0203"
    glued = find_text_number("P9_TA(2021)0056RC-B9-0144/2021")  # the number doceo prints, glued to its motion
    assert glued is not None and glued.printed == "P9_TA(2021)0056"
    assert parse_text_number("TA-9-2021-56") is None and find_text_number("XP9_TA(2021)0056") is None

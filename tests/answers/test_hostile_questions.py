"""Questions and quotes that once changed answers silently or cost everyone's time."""

from __future__ import annotations

import pytest

from bot.answers.quote import Verdict
from bot.answers.service import Service

QUOTE = "release the opposition leader Vladimir Kozlov"
INVISIBLE = {
    "ZWSP": "\u200b", "ZWNJ": "\u200c", "ZWJ": "\u200d", "word joiner": "\u2060", "BOM": "\ufeff",
    "LRM": "\u200e", "RLM": "\u200f",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_words_do_not_change_a_quote(service: Service, char: str) -> None:
    pasted = QUOTE.replace("Kozlov", f"Koz{char}lov").replace("opposition", f"oppo{char}sition")
    result = service.quote(pasted)
    assert result.verdict is Verdict.verbatim  # was "not found" or "near" with a diff showing nothing
    assert result.matches[0].passage.text == service.quote(QUOTE).matches[0].passage.text
    assert all(op.kind == "same" for op in result.matches[0].diff)


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_words_do_not_change_a_question(service: Service, char: str) -> None:
    plain, pasted = service.ask("Kozlov"), service.ask(f"Koz{char}lov")
    assert pasted.total == plain.total == 2
    assert [h.passage for h in pasted.hits] == [h.passage for h in plain.hits]

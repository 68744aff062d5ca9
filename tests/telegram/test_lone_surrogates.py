"""A lone surrogate in a question (JSON can carry "\\ud800") is replaced, never a crash."""

from __future__ import annotations

import pytest

from bot.answers.service import Service
from bot.telegram import render_answer, render_quote, render_timeline


@pytest.mark.parametrize("char", ["\ud800", "\udc00", "\udfff"])
def test_ask_timeline_and_quote_replace_a_lone_surrogate(service: Service, char: str) -> None:
    answer = service.ask(f"Kozlov {char}")
    assert answer.query == "Kozlov \ufffd" and answer.total == 2
    assert "for “Kozlov \ufffd”" in render_answer.render_answer(answer)[0]  # utf16_length raised here
    page = render_timeline.render_timeline(service.timeline(f"Kozlov {char}"))
    assert page.text.startswith("<b>Timeline</b> of “Kozlov \ufffd”: 2 resolutions")
    [reply] = render_quote.render_quote(service.quote(f"Vladimir Kozlov {char}"))
    assert reply.startswith("✅ <b>Verbatim</b>") and "You checked: “Vladimir Kozlov \ufffd”" in reply


def test_no_match_echoes_the_question_with_the_replacement(service: Service) -> None:
    answer = service.ask("zzzqqq \ud800 kozlovx")
    assert render_answer.render_answer(answer) == [
        "No passage matches: the corpus does not speak about that.\n<i>You asked: “zzzqqq \ufffd kozlovx”</i>\n"
        "⚠️ <i>Did you mean: “Kozlov” for “kozlovx”?</i>\n"
        "⚠️ <i>Nothing in the corpus mentions: zzzqqq, kozlovx</i>"
    ]

"""The stand-in refuses what Telegram refuses, in Telegram's error shape.

If it accepted anything, the end-to-end tests could not fail on bad HTML or long text.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from fake_telegram import FakeTelegram


async def call(
    telegram: FakeTelegram, method: str, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"http://127.0.0.1:{telegram.port}/bot{token or telegram.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, await response.json()


@pytest.fixture
def chat(telegram: FakeTelegram) -> dict[str, Any]:
    user = telegram.user()
    chat = telegram.private_chat(user)
    telegram.send_text(chat, user, "hello")
    return chat


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("x" * 4097, "message is too long"),
        ("<b>" + "x" * 4096 + "</b>", None),  # 4,096 after parsing: accepted
        ("🇪🇺" * 1025, "message is too long"),  # 4,100 UTF-16 code units
        ("<p>paragraph</p>", "Unsupported start tag \"p\""),
        ("<b>bold <i>both</b></i>", "Unmatched end tag"),
        ("<b>never closed", "Can't find end tag"),
        ("3 < 4", "Unexpected character '<'"),
        ("fish & chips", "Character '&' is reserved"),
        ("a &nbsp; b", "Character '&' is reserved"),
        ("<a href=\"javascript:alert(1)\">x</a>", "valid href"),
        ("   ", "message text is empty"),
    ],
)
async def test_send_message_refuses_what_telegram_refuses(
    telegram: FakeTelegram, chat: dict[str, Any], text: str, description: str | None
) -> None:
    status, body = await call(
        telegram, "sendMessage", chat_id=chat["id"], text=text, parse_mode="HTML"
    )
    if description is None:
        assert status == 200 and body["ok"] is True
        return
    assert status == 400
    assert body["ok"] is False and body["error_code"] == 400
    assert description in body["description"]
    assert telegram.rejections[-1].method == "sendMessage"


async def test_callback_data_over_64_bytes_and_unknown_chats_are_refused(
    telegram: FakeTelegram, chat: dict[str, Any]
) -> None:
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "é" * 33}]]}
    status, body = await call(
        telegram, "sendMessage", chat_id=chat["id"], text="hi", reply_markup=markup
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await call(telegram, "sendMessage", chat_id=42, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_inline_results_over_50_and_double_answers_are_refused(telegram: FakeTelegram) -> None:
    user = telegram.user()
    query_id = telegram.inline_query(user, "q")
    article = {"type": "article", "title": "t", "input_message_content": {"message_text": "m"}}
    results = [{**article, "id": str(i)} for i in range(51)]
    status, body = await call(telegram, "answerInlineQuery", inline_query_id=query_id, results=results)
    assert (status, body["description"]) == (400, "Bad Request: RESULTS_TOO_MUCH")
    status, body = await call(telegram, "answerInlineQuery", inline_query_id=query_id, results=results[:50])
    assert status == 200
    status, body = await call(telegram, "answerInlineQuery", inline_query_id=query_id, results=[])
    assert status == 400 and "query is too old" in body["description"]


async def test_unanswered_callback_queries_are_recorded(
    telegram: FakeTelegram, chat: dict[str, Any]
) -> None:
    user = telegram.user()
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "more:x:3"}]]}
    status, body = await call(telegram, "sendMessage", chat_id=chat["id"], text="hi", reply_markup=markup)
    assert status == 200
    first = telegram.press(body["result"], user, "more:x:3")
    second = telegram.press(body["result"], user, "more:x:3")
    assert (await call(telegram, "answerCallbackQuery", callback_query_id=first))[0] == 200
    assert telegram.unanswered_callback_queries == [second]
    status, body = await call(telegram, "answerCallbackQuery", callback_query_id=first)
    assert status == 400 and "query is too old" in body["description"]


async def test_wrong_token_and_faults(telegram: FakeTelegram, chat: dict[str, Any]) -> None:
    status, body = await call(telegram, "getMe", token="1:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    telegram.fail_next("getMe", "429", retry_after=3)
    status, body = await call(telegram, "getMe")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    # Asking again before retry_after is over is refused again, and recorded.
    status, body = await call(telegram, "getMe")
    assert status == 429 and [c.method for c in telegram.too_early] == ["getMe"]
    telegram.flood_until.clear()  # as if the wait were over
    telegram.fail_next("getMe", "drop")
    with pytest.raises(aiohttp.ClientError):
        await call(telegram, "getMe")
    assert (await call(telegram, "getMe"))[1]["result"]["username"] == "ep_resolutions_bot"

"""One way for every end-to-end test to talk to the bot: send, then wait for its replies.

The helpers drive the Bot API stand-in (fake_telegram.FakeTelegram) as a user would:
send a message, a file or a button press, and wait until the bot has answered.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fake_telegram import FakeTelegram

if TYPE_CHECKING:
    from conftest import RunningBot


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons under a message, row after row."""
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def replies(telegram: FakeTelegram, chat_id: int, count: int, *, exact: bool = True) -> list[dict[str, Any]]:
    """The bot's messages in a chat once there are ``count``; with ``exact``, fail if more came."""
    messages = await telegram.wait_for(
        lambda: len(telegram.bot_messages_in(chat_id)) >= count and telegram.bot_messages_in(chat_id)
    )
    if exact:
        assert len(messages) == count, [m["text"] for m in messages]
    return list(messages)


async def say(
    telegram: FakeTelegram, chat: dict[str, Any], user: dict[str, Any], text: str, count: int = 1
) -> list[dict[str, Any]]:
    """Send ``text`` and return the bot's ``count`` new messages in that chat."""
    before = len(telegram.bot_messages_in(chat["id"]))
    telegram.send_text(chat, user, text)
    return (await replies(telegram, chat["id"], before + count, exact=False))[before:]


async def upload(
    telegram: FakeTelegram, chat: dict[str, Any], user: dict[str, Any], name: str | None,
    content: bytes, **kwargs: Any,
) -> dict[str, Any]:
    """Send a file and return the bot's reply to it."""
    before = len(telegram.bot_messages_in(chat["id"]))
    telegram.send_document(chat, user, name, content, **kwargs)
    return (await replies(telegram, chat["id"], before + 1, exact=False))[before]


async def press(
    telegram: FakeTelegram, message: dict[str, Any], user: dict[str, Any], data: str
) -> dict[str, Any]:
    """Press a button under ``message``; return the message once the bot has edited it."""
    query_id = telegram.press(message, user, data)
    await telegram.wait_for(lambda: telegram.callback_queries[query_id] is not None)
    key = (message["chat"]["id"], message["message_id"])
    await telegram.wait_for(lambda: "edit_date" in telegram.messages[key])
    return telegram.messages[key]


async def settled(bot: RunningBot) -> None:
    """Until the notifications the last corpus change started are sent (or found unneeded)."""

    def busy() -> bool:
        return any(t.get_name() == "corpus_changed" and not t.done() for t in asyncio.all_tasks(bot.loop))

    for _ in range(200):
        if not busy():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the notifications did not finish within 10 s")

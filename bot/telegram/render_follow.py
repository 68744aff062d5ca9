"""Telegram HTML for follows: /follow's outcome, the /following list, /forget, and a notification.

Every topic is the user's text: escaped wherever it is inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.answers.follows import EXAMPLE, MAX_FOLLOWS
from bot.corpus.models import Hit
from bot.state.store import Follow, Forgotten
from bot.telegram.render import MAX_MESSAGE, Button, cut, esc, query_terms, render_hit, visible_length

logger = logging.getLogger(__name__)

UNFOLLOW_LABEL = "Unfollow"
MORE_PASSAGES_LABEL = "More passages ▸"
BUTTON_TOPIC_CHARS = 40


def _topic(topic: str) -> str:
    return f"“{esc(topic)}”"


def follow_usage() -> str:
    return (
        "Name a topic to follow, and I will tell this chat when a new resolution on it is added:\n"
        f"<code>{esc(EXAMPLE)}</code>\n"
        "Filters work as in questions: <code>/follow year:2024 Belarus</code>. "
        "<code>/following</code> lists what this chat follows."
    )


def unfollow_usage() -> str:
    return "Name the topic to stop following: <code>/unfollow Kazakhstan</code>, or use <code>/following</code>."


def followed(topic: str, count: int, matches_today: bool) -> str:
    lines = [f"Following {_topic(topic)}: this chat will get one message for each new resolution on it."]
    if not matches_today:
        lines.append("<i>Nothing in the corpus matches it today; you will be told when a resolution does.</i>")
    lines.append(f"This chat follows {count} of at most {MAX_FOLLOWS} topics. /following lists them.")
    return "\n".join(lines)


def already_following(topic: str) -> str:
    return f"This chat already follows {_topic(topic)}. /following lists what it follows."


def too_many(count: int) -> str:
    return (
        f"This chat follows {count} topics, the most it may. Stop following one first "
        "(/following has an Unfollow button on each)."
    )


def unfollowed(topic: str) -> str:
    return f"No longer following {_topic(topic)}."


def not_following(topic: str) -> str:
    return f"This chat does not follow {_topic(topic)}. /following lists what it follows."


def following(follows: Sequence[Follow]) -> tuple[str, list[list[Button]]]:
    """The chat's follows, one line each, with an Unfollow button for each."""
    if not follows:
        return (f"This chat follows no topic. Start with <code>{esc(EXAMPLE)}</code>", [])
    lines = [f"<b>This chat follows {len(follows)} of at most {MAX_FOLLOWS} topics</b>"]
    lines += [f"{n}. {esc(f.topic)}" for n, f in enumerate(follows, start=1)]
    rows = [[Button(f"{UNFOLLOW_LABEL} {n}: {cut(f.topic, BUTTON_TOPIC_CHARS)}", f"unf:{f.id}")]
            for n, f in enumerate(follows, start=1)]
    return "\n".join(lines), rows


def group_admins_only() -> str:
    return "In a group, only its administrators can choose what the group follows."


def unavailable() -> str:
    """For the user; the problem itself names files and folders: it goes to the admins."""
    return (
        "Following topics is unavailable right now: the bot cannot use its database. "
        "Questions are answered as usual; the administrators have been told."
    )


def state_problem(problem: str) -> str:
    """For the admins: the database's problem, once."""
    return f"⚠️ <b>The bot's database cannot be used</b>\n{esc(problem)}\nFollows and /stats history are off."


def forgotten(what: Forgotten) -> str:
    return (
        "Deleted what the bot kept about you: "
        f"{what.follows} followed topic{'s' if what.follows != 1 else ''} of this private chat, "
        f"{what.questions} question{'s' if what.questions != 1 else ''} kept behind More buttons. "
        "Groups' follows are the groups' own. The count of questions asked and those nobody could answer "
        "hold no user id."
    )


def notification(topic: str, hit: Hit) -> str:
    """One new resolution for a followed topic: its best passage with its citation (title, reference,
    date, the Parliament's label)."""
    head = f"🔔 <b>New on {_topic(cut(topic, 80))}</b>\n"
    body = render_hit(hit, query_terms(topic), MAX_MESSAGE - visible_length(head), numbered=False)
    return head + body

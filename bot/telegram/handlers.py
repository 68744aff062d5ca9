"""Routing: which update goes to which feature handler, and the command menus.

Each feature has its own module (questions, quotes and timeline, sources, admin), each
handler short on purpose: take the input, call the service off the event loop, render,
reply. The logic lives in the service, the wording in the renderers.

Buttons carry short callback data (at most 64 bytes):
``q:<id>`` asks a stored question (the examples of /start) in a new message;
``more:<id>:<corpus>:<offset>`` edits the message into the next page of that question's answer;
``src:<corpus>:<offset>`` edits /sources into its next page (``adm:page:…`` for
/corpus), while the corpus it listed, named by its snapshot, is still the one served;
``tl:<id>:<corpus>:<offset>`` does the same for /timeline, the topic stored under ``id``;
``unf:<follow id>`` stops following a topic and edits /following's list;
``adm:yes:<id>`` and ``adm:no:<id>`` answer an admin's confirmation.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, InlineQueryHandler, MessageHandler, filters

from bot.answers.service import Service
from bot.config import Settings
from bot.state.store import State
from bot.telegram.common import Shared
from bot.telegram.follows import FollowHandlers
from bot.telegram.questions import QuestionHandlers
from bot.telegram.quotes import QuoteHandlers
from bot.telegram.sources import SourceHandlers
from bot.telegram.sync import SyncHandlers

logger = logging.getLogger(__name__)

# What setMyCommands registers at start-up: (command, description).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("ask", "The passages that answer a question"),
    ("quote", "Check whether a quote stands in a resolution, and where"),
    ("timeline", "What Parliament said on a topic, resolution by resolution"),
    ("sources", "Every resolution the bot can quote"),
    ("follow", "Be told when a new resolution is on a topic"),
    ("following", "The topics this chat follows"),
    ("forget", "Delete what the bot keeps about you"),
    ("help", "How to ask, in private, in groups and inline"),
    ("start", "Welcome and example questions"),
)


def register(
    application: Application[Any, Any, Any, Any, Any, Any], service: Service, settings: Settings, state: State
) -> Shared:
    """Add every handler to ``application``; returns their shared state (also in bot_data["shared"])."""
    shared = Shared(service, settings.questions_per_minute, state, settings.admin_ids)
    application.bot_data["shared"] = shared
    quotes = QuoteHandlers(shared)
    questions = QuestionHandlers(shared, quotes.check_quote)
    sources = SourceHandlers(shared)
    follows = FollowHandlers(shared)
    # Admin handlers come first (group -1) and stop there: a document must not also get
    # the "send text" hint, nor an admin button the "expired" answer of unknown_button.
    # The admin handlers with import and sync are one class: they share the pending confirmations.
    SyncHandlers(shared, settings.admin_ids, settings).register(application, group=-1)
    new_messages = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler("start", questions.start, filters=new_messages),
            CommandHandler("help", questions.help, filters=new_messages),
            CommandHandler("sources", sources.sources, filters=new_messages),
            CommandHandler("ask", questions.ask_command, filters=new_messages),
            CommandHandler("quote", quotes.quote_command, filters=new_messages),
            CommandHandler("timeline", quotes.timeline_command, filters=new_messages),
            CommandHandler("follow", follows.follow, filters=new_messages),
            CommandHandler("unfollow", follows.unfollow, filters=new_messages),
            CommandHandler("following", follows.following, filters=new_messages),
            CommandHandler("forget", follows.forget, filters=new_messages),
            # Plain text is a question only in private chats: groups talk among themselves.
            MessageHandler(
                filters.ChatType.PRIVATE & new_messages & filters.TEXT & ~filters.COMMAND,
                questions.private_text,
            ),
            MessageHandler(
                filters.ChatType.PRIVATE & new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                questions.not_text,
            ),
            # After every command above: a command none of them took gets a line, not silence.
            MessageHandler(filters.ChatType.PRIVATE & new_messages & filters.COMMAND, questions.unknown_command),
            CallbackQueryHandler(questions.example, pattern=r"^q:"),
            CallbackQueryHandler(questions.more, pattern=r"^more:"),
            CallbackQueryHandler(sources.sources_page, pattern=r"^src:"),
            CallbackQueryHandler(quotes.timeline_page, pattern=r"^tl:"),
            CallbackQueryHandler(follows.unfollow_button, pattern=r"^unf:"),
            CallbackQueryHandler(questions.unknown_button),
            InlineQueryHandler(questions.inline),
        ]
    )
    application.add_error_handler(questions.error)
    return shared

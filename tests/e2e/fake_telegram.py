"""A Bot API stand-in on aiohttp.web, bound to 127.0.0.1, as strict as Telegram.

It serves the methods the bot uses, in Telegram's URL shape (``/bot<token>/<method>``)
and Telegram's reply shape (``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code": 400, "description": ...}``). It refuses what Telegram refuses: text over
4,096 characters (UTF-16 code units) after entity parsing, HTML outside Telegram's
tags or not well-formed, callback_data over 64 bytes, more than 50 inline results,
edits that change nothing, unknown chats, replies to unknown messages, and callback or
inline queries answered twice. Every refusal is recorded in ``rejections`` so a test
can assert there were none.

Tests drive it by pushing updates (a user's message, a document a user sends, a button
press, an inline query) that the bot receives through getUpdates long polling, and by
injecting faults: a 429 with retry_after, or a connection dropped without a reply. Files
users send are served as Telegram serves them: getFile gives a ``file_path``, and the
bytes come from ``/file/bot<token>/<file_path>``; every download is recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAFakeTokenForTheLocalBotApiStandIn00"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "EP resolutions",
    "username": "ep_resolutions_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD = 20 * 1024 * 1024  # bots cannot download bigger files
COMMAND_SCOPES = {
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
}

# Telegram's HTML: these tags (and these attributes), nothing else.
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "tg-spoiler": set(),
    "span": {"class"}, "a": {"href"}, "tg-emoji": {"emoji-id"},
    "code": {"class"}, "pre": set(), "blockquote": {"expandable"},
}
ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "tg-emoji": "custom_emoji", "code": "code", "pre": "pre", "blockquote": "blockquote",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
_BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    """A refusal in Telegram's shape."""

    def __init__(self, description: str, code: int = 400, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.description = description
        self.code = code
        self.parameters = parameters


class Blocked(ApiError):
    """403: the user blocked the bot. Not a refusal of what the bot sent."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: plain text and entities, or ApiError like Telegram's."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, str]]] = []  # tag, UTF-16 offset, attributes
    position = 0  # UTF-16 length of the text so far
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            match = _TAG_RE.match(source, i)
            if match is None:
                raise ApiError(
                    f"Bad Request: can't parse entities: Unexpected character '<' at byte offset "
                    f"{len(source[:i].encode())}"
                )
            closing, name, attr_text = match.group(1), match.group(2), match.group(3)
            if name not in ALLOWED_TAGS:
                raise ApiError(
                    f"Bad Request: can't parse entities: Unsupported start tag \"{name}\" at "
                    f"byte offset {len(source[:i].encode())}"
                )
            if closing:
                if attr_text.strip():
                    raise ApiError("Bad Request: can't parse entities: end tag with attributes")
                if not stack or stack[-1][0] != name:
                    expected = f"</{stack[-1][0]}>" if stack else "nothing"
                    raise ApiError(
                        f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                        f"{len(source[:i].encode())}, expected \"{expected}\", found \"</{name}>\""
                    )
                tag, start, attrs = stack.pop()
                if position > start:
                    entity: dict[str, Any] = {
                        "type": ENTITY_TYPES[tag], "offset": start, "length": position - start
                    }
                    if tag == "a":
                        entity["url"] = attrs["href"]
                    entities.append(entity)
            else:
                attrs = {}
                for a in _ATTR_RE.finditer(attr_text):
                    value = next((v for v in a.group(2, 3, 4) if v is not None), "")
                    attrs[a.group(1).lower()] = _unescape(value)
                unknown = set(attrs) - ALLOWED_TAGS[name]
                if unknown:
                    raise ApiError(f"Bad Request: can't parse entities: unsupported attribute {unknown}")
                if name == "a" and not re.match(r"^(https?|tg)://\S+$", attrs.get("href", "")):
                    raise ApiError("Bad Request: can't parse entities: a link needs a valid href")
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise ApiError("Bad Request: can't parse entities: span needs class tg-spoiler")
                if stack and stack[-1][0] in {"code", "pre"} and not (
                    stack[-1][0] == "pre" and name == "code"
                ):
                    raise ApiError("Bad Request: can't parse entities: no entities inside code")
                if name == "a" and any(t == "a" for t, _, _ in stack):
                    raise ApiError("Bad Request: can't parse entities: nested links")
                stack.append((name, position, attrs))
            i = match.end()
            continue
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if match is None:
                raise ApiError(
                    "Bad Request: can't parse entities: Character '&' is reserved and must be "
                    f"escaped at byte offset {len(source[:i].encode())}"
                )
            text = _entity_text(match)
            i = match.end()
        elif char == ">":
            raise ApiError(
                "Bad Request: can't parse entities: Character '>' is reserved and must be "
                f"escaped at byte offset {len(source[:i].encode())}"
            )
        else:
            text = char
            i += 1
        out.append(text)
        position += utf16_len(text)
    if stack:
        raise ApiError(
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f"\"{stack[-1][0]}\""
        )
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _entity_text(match: re.Match[str]) -> str:
    if match.group(1):
        return _NAMED[match.group(1)]
    code = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ApiError("Bad Request: can't parse entities: invalid character reference")
    return chr(code)


def _unescape(value: str) -> str:
    return _ENTITY_RE.sub(_entity_text, value)


def check_text(text: Any, parse_mode: Any) -> tuple[str, list[dict[str, Any]]]:
    """The message text as Telegram would store it, or the refusal."""
    if not isinstance(text, str) or not text.strip():
        raise ApiError("Bad Request: message text is empty")
    if parse_mode in (None, ""):
        plain, entities = text, []
    elif str(parse_mode).upper() == "HTML":
        plain, entities = parse_html(text)
    else:
        raise ApiError(f"Bad Request: unsupported parse_mode {parse_mode!r} in the stand-in")
    if not plain.strip():
        raise ApiError("Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise ApiError("Bad Request: message is too long")
    return plain, entities


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise ApiError("Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise ApiError("Bad Request: can't parse inline keyboard button: row is not an array")
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise ApiError("Bad Request: can't parse inline keyboard button: Text must be non-empty")
            kinds = set(button) & {
                "url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat",
                "login_url", "pay", "web_app", "copy_text", "callback_game",
                "switch_inline_query_chosen_chat",
            }
            if len(kinds) != 1:
                raise ApiError("Bad Request: can't parse inline keyboard button: exactly one action")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")


@dataclass
class Call:
    """One request the bot made, with its parsed parameters and what it got back."""

    method: str
    params: dict[str, Any]
    ok: bool = True
    description: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """A failure to serve instead of the next call of a method."""

    kind: str  # "429" or "drop"
    retry_after: int = 1


class FakeTelegram:
    """The stand-in server and its recorded state; start() it inside the test's loop."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.calls: list[Call] = []
        self.rejections: list[Call] = []
        self.faults: dict[str, list[Fault]] = {}
        self.faults_served: list[tuple[str, str]] = []
        # As Telegram does, a method answered 429 refuses again until retry_after is over;
        # each call that came too early is recorded, so a test sees the bot did not wait.
        self.flood_until: dict[str, float] = {}
        self.too_early: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.bot_messages: list[tuple[int, int]] = []
        self.callback_queries: dict[str, dict[str, Any] | None] = {}  # id -> answer or None
        self.inline_queries: dict[str, dict[str, Any] | None] = {}
        self.commands: list[dict[str, Any]] = []  # the default scope's
        self.scoped_commands: dict[int, list[dict[str, Any]]] = {}  # chat scope: chat id ->
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> metadata and "content"
        self.downloads: list[str] = []  # file paths the bot downloaded
        # getUpdates with an offset confirms the updates before it: Telegram forgets them,
        # so a restarted bot does not get them again.
        self.confirmed = 0
        self.webhook: dict[str, Any] | None = None
        # Group administrators, for getChatMember: chat id -> user ids.
        self.admins: dict[int, set[int]] = {}
        # Chats whose user blocked the bot: sendMessage answers 403, as Telegram does.
        self.blocked: set[int] = set()
        self._ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._closing = False

    # Server ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        with socket.socket() as probe:  # a free port, bound to loopback only
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()

    async def stop(self) -> None:
        # Release long polls still held for a client that has gone away.
        self._closing = True
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        download = re.fullmatch(r"/file/bot([^/]+)/(.+)", request.path)
        if download is not None:
            return self._download(request, download.group(1), download.group(2))
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", request.path)
        if match is None:
            return self._error(ApiError("Not Found", 404))
        if match.group(1) != self.token:
            return self._error(ApiError("Unauthorized", 401))
        method = match.group(2)
        params = await _params(request)
        call = Call(method, params)
        self.calls.append(call)
        wait = self.flood_until.get(method, 0.0) - time.monotonic()
        if wait > 0:
            self.too_early.append(call)
            call.ok, call.description = False, "Too Many Requests"
            seconds = math.ceil(wait)
            return self._error(
                ApiError(f"Too Many Requests: retry after {seconds}", 429, {"retry_after": seconds})
            )
        faults = self.faults.get(method)
        if faults:
            fault = faults.pop(0)
            self.faults_served.append((method, fault.kind))
            if fault.kind == "drop":
                # Close the socket without a reply, as a broken network would.
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            call.ok, call.description = False, "Too Many Requests"
            self.flood_until[method] = time.monotonic() + fault.retry_after
            return self._error(
                ApiError(
                    f"Too Many Requests: retry after {fault.retry_after}", 429,
                    {"retry_after": fault.retry_after},
                )
            )
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(ApiError("Not Found", 404))
        try:
            _check_encoding(params)
            result = await handler(params)
        except ApiError as exc:
            call.ok, call.description = False, exc.description
            if not isinstance(exc, Blocked):  # Telegram's answer, not a mistake of the bot's
                self.rejections.append(call)
            return self._error(exc)
        return web.json_response({"ok": True, "result": result})

    def _download(self, request: web.Request, token: str, path: str) -> web.Response:
        if token != self.token:
            return self._error(ApiError("Unauthorized", 401))
        if request.method != "GET":
            return self._error(ApiError("Not Found", 404))
        found = next((f for f in self.files.values() if f.get("file_path") == path), None)
        if found is None:
            return self._error(ApiError("Not Found", 404))
        self.downloads.append(path)
        return web.Response(body=found["content"], content_type="application/octet-stream")

    @staticmethod
    def _error(exc: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.parameters:
            body["parameters"] = exc.parameters
        return web.json_response(body, status=exc.code)

    # What a test does ------------------------------------------------------------

    def fail_next(self, method: str, kind: str, retry_after: int = 1) -> None:
        self.faults.setdefault(method, []).append(Fault(kind, retry_after))

    def user(self, user_id: int = 1001, name: str = "Ana") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def group_chat(self, chat_id: int = -1001234, title: str = "Rights watchers") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def send_text(self, chat: dict[str, Any], user: dict[str, Any], text: str) -> dict[str, Any]:
        """A user's message arriving in ``chat``; commands get Telegram's bot_command entity."""
        self.chats[chat["id"]] = chat
        message = self._new_message(chat, user, text)
        command = _COMMAND_RE.match(text)
        if command:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        self._push({"message": message})
        return message

    def send_sticker(self, chat: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
        """A message without text (a sticker)."""
        self.chats[chat["id"]] = chat
        message = self._new_message(chat, user, "")
        del message["text"]
        message["sticker"] = {
            "file_id": "CAAC", "file_unique_id": "AgAD", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
        }
        self._push({"message": message})
        return message

    def send_document(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        file_name: str | None,
        content: bytes,
        file_size: int | None = -1,
        mime_type: str = "text/markdown",
    ) -> dict[str, Any]:
        """A user sending a file (sendDocument from their client): message.document.

        ``file_size`` is what Telegram declares (default: the content's length; None
        leaves it out, as Telegram may); ``file_name`` None leaves the name out.
        """
        self.chats[chat["id"]] = chat
        number = len(self.files) + 1
        file_id = f"BQACAgIAAxkBAAI{number:06d}"
        document: dict[str, Any] = {
            "file_id": file_id, "file_unique_id": f"AgAD{number:06d}", "mime_type": mime_type,
        }
        if file_name is not None:
            document["file_name"] = file_name
        if file_size is not None:
            document["file_size"] = len(content) if file_size == -1 else file_size
        self.files[file_id] = {**document, "content": content}
        message = self._new_message(chat, user, "")
        del message["text"]
        message["document"] = document
        self._push({"message": message})
        return message

    def press(self, message: dict[str, Any], user: dict[str, Any], data: str) -> str:
        """A user pressing the button with ``data`` under one of the bot's messages."""
        buttons = [
            b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if data not in {b.get("callback_data") for b in buttons}:
            raise AssertionError(f"no button {data!r} under message {message['message_id']}")
        query_id = str(next(self._ids) * 7919)
        self.callback_queries[query_id] = None
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(message["chat"]["id"]),
                    "data": data,
                }
            }
        )
        return query_id

    def press_stale(self, message: dict[str, Any], user: dict[str, Any], data: str) -> str:
        """A press of a button that is no longer shown (an old message, an old client)."""
        query_id = str(next(self._ids) * 7919)
        self.callback_queries[query_id] = None
        self._push(
            {"callback_query": {"id": query_id, "from": user, "message": message,
                                "chat_instance": str(message["chat"]["id"]), "data": data}}
        )
        return query_id

    def inline_query(self, user: dict[str, Any], query: str) -> str:
        query_id = str(next(self._ids) * 104729)
        self.inline_queries[query_id] = None
        self._push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
        return query_id

    def bot_messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, oldest first, as they stand now (after edits)."""
        return [self.messages[key] for key in self.bot_messages if key[0] == chat_id]

    @property
    def unanswered_callback_queries(self) -> list[str]:
        return [qid for qid, answer in self.callback_queries.items() if answer is None]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy and return it; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s; calls: {self._summary()}")
            await asyncio.sleep(0.01)

    async def edited(self, message: dict[str, Any], query_id: str) -> dict[str, Any]:
        """``message`` once the press ``query_id`` was answered and the message edited to a
        new text (a list's next page, an admin's outcome)."""
        old, key = message["text"], (message["chat"]["id"], message["message_id"])
        await self.wait_for(lambda: self.callback_queries[query_id] is not None)
        edited: dict[str, Any] = await self.wait_for(
            lambda: self.messages[key]["text"] != old and self.messages[key]
        )
        return edited

    def _summary(self) -> list[str]:
        return [f"{c.method}{'' if c.ok else ' FAILED ' + c.description}" for c in self.calls[-20:]]

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = len(self.updates) + 1
        self.updates.append(update)
        self._new_update.set()

    def _new_message(self, chat: dict[str, Any], sender: dict[str, Any], text: str) -> dict[str, Any]:
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
        }
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    # Bot API methods -------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = _str(params, "url")
        if not url.startswith("https://"):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = params
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = _str(params, "file_id")
        found = self.files.get(file_id)
        if found is None:
            raise ApiError("Bad Request: invalid file_id")
        if len(found["content"]) > MAX_DOWNLOAD:
            raise ApiError("Bad Request: file is too big")
        found.setdefault("file_path", f"documents/file_{list(self.files).index(file_id)}.bin")
        return {
            "file_id": file_id, "file_unique_id": found["file_unique_id"],
            "file_size": len(found["content"]), "file_path": found["file_path"],
        }

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        scope = _json(params, "scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise ApiError("Bad Request: can't parse BotCommandScope JSON object")
        chat_id: int | None = None
        if scope["type"] != "default":
            if scope["type"] != "chat":
                raise ApiError(f"Bad Request: the stand-in has no {scope['type']} scope")
            chat_id = _int(scope, "chat_id", 0)
            # Telegram knows no chat with a user who never wrote to the bot.
            if chat_id not in self.chats:
                raise ApiError("Bad Request: chat not found")
        commands = _json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError("Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _BOT_COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        if chat_id is None:
            self.commands = commands
        else:
            self.scoped_commands[chat_id] = commands
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        self.confirmed = max(self.confirmed, _int(params, "offset", 0))
        offset = self.confirmed
        limit = _int(params, "limit", 100)
        timeout = _int(params, "timeout", 0)
        deadline = time.monotonic() + timeout
        while True:
            pending = [u for u in self.updates if u["update_id"] >= offset][:limit]
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0 or self._closing:
                return pending
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                return []

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._chat(params)
        if _str(params, "action") not in {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice",
            "upload_voice", "upload_document", "choose_sticker", "find_location",
            "record_video_note", "upload_video_note",
        }:
            raise ApiError("Bad Request: wrong parameter action in request")
        return True

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        user_id = _int(params, "user_id", 0)
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if user_id in self.admins.get(chat["id"], set()):
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params)
        if chat["id"] in self.blocked:
            raise Blocked("Forbidden: bot was blocked by the user", 403)
        plain, entities = check_text(params.get("text"), params.get("parse_mode"))
        markup = _json(params, "reply_markup")
        check_markup(markup)
        reply = _json(params, "reply_parameters")
        if reply is not None:
            target = (int(reply.get("chat_id", chat["id"])), int(reply["message_id"]))
            if target not in self.messages and not reply.get("allow_sending_without_reply"):
                raise ApiError("Bad Request: message to be replied not found")
        message = self._new_message(chat, BOT_USER, plain)
        if entities:
            message["entities"] = entities
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        message["html"] = params.get("text")  # for the tests; not part of Telegram's reply
        self.bot_messages.append((chat["id"], message["message_id"]))
        return {k: v for k, v in message.items() if k != "html"}

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            raise ApiError("Bad Request: the stand-in has no inline messages")
        chat = self._chat(params)
        key = (chat["id"], _int(params, "message_id", 0))
        message = self.messages.get(key)
        if message is None:
            raise ApiError("Bad Request: message to edit not found")
        if message["from"].get("id") != BOT_USER["id"]:
            raise ApiError("Bad Request: message can't be edited")
        plain, entities = check_text(params.get("text"), params.get("parse_mode"))
        markup = _json(params, "reply_markup")
        check_markup(markup)
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if (
            plain == message["text"]
            and entities == message.get("entities", [])
            and new_markup == message.get("reply_markup")
        ):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        message["text"], message["html"] = plain, params.get("text")
        message["entities"] = entities
        message["edit_date"] = int(time.time())
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        return {k: v for k, v in message.items() if k != "html"}

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = _str(params, "callback_query_id")
        if query_id not in self.callback_queries or self.callback_queries[query_id] is not None:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self.callback_queries[query_id] = {"text": text, "show_alert": params.get("show_alert")}
        return True

    async def _m_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        query_id = _str(params, "inline_query_id")
        if query_id not in self.inline_queries or self.inline_queries[query_id] is not None:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        results = _json(params, "results")
        if not isinstance(results, list):
            raise ApiError("Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        parsed = []
        for result in results:
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode()) <= 64:
                raise ApiError("Bad Request: RESULT_ID_INVALID")
            if result_id in seen:
                raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result.get("type") != "article" or not str(result.get("title", "")).strip():
                raise ApiError("Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            plain, entities = check_text(content.get("message_text"), content.get("parse_mode"))
            check_markup(result.get("reply_markup"))
            parsed.append({**result, "text": plain, "entities": entities})
        self.inline_queries[query_id] = {
            "results": parsed,
            "cache_time": params.get("cache_time"),
            "is_personal": params.get("is_personal"),
        }
        return True

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _int(params, "chat_id", 0)
        if chat_id not in self.chats:
            raise ApiError("Bad Request: chat not found")
        return self.chats[chat_id]


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters as PTB sends them (form fields, JSON-encoded when not strings) or JSON."""
    if request.content_type == "application/json":
        body = await request.json()
        params = dict(body) if isinstance(body, dict) else {}
    elif request.method == "GET":
        params = dict(request.query)
    else:
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    return params


def _check_encoding(params: dict[str, Any]) -> None:
    """Telegram refuses a string that is not UTF-8: a lone surrogate, sent as JSON's "\\ud800"."""
    if any(_LONE_SURROGATE.search(_maybe_json(v) if isinstance(v, str) else json.dumps(v)) for v in params.values()):
        raise ApiError("Bad Request: strings must be encoded in UTF-8")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _maybe_json(value: str) -> str:
    """A form field's text, with the strings of a JSON value decoded (PTB encodes non-strings so)."""
    try:
        return json.dumps(json.loads(value), ensure_ascii=False)
    except ValueError:
        return value


def _json(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(f"Bad Request: can't parse {name} JSON object") from exc
    return value


def _int(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(f"Bad Request: wrong parameter {name}") from exc


def _str(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise ApiError(f"Bad Request: parameter {name} is required")
    return str(value)

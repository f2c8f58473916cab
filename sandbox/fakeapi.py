"""A fake Telegram Bot API server on loopback, for driving the real bot over HTTP the way a person would.

Every call is checked against Bot API 10.1 (``bot-api-methods.json``: the methods and fields of
``../shared/telegram/bot-api-10.1.json``): known method, required fields, no unknown fields, form values
decoded by their declared types; and against the limits of ``../shared/reference/telegram.md``;
refusals answer ``ok: false`` like Telegram and land in ``errors``. Each chat keeps the bot's messages
in their current state, and a :class:`FakeUser` sends text and presses buttons through ``getUpdates``
long polling, then waits until the bot has reacted (see :meth:`FakeBotApi._settle`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

SPEC_PATH = Path(__file__).with_name("bot-api-methods.json")
BOT_ID = 7000000001
BOT_USERNAME = "tangguh_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Tangguh", "username": BOT_USERNAME}
QUERY_TTL = 15.0  # seconds after which Telegram calls a callback query "too old"
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
             "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
             "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
             "blockquote": "blockquote", "tg-emoji": "custom_emoji"}
SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
          "chat_administrators", "chat_member"}
SENDS = {"sendMessage": ("text", "text"), "sendPhoto": ("photo", "caption"),
         "sendDocument": ("document", "caption")}
EDITS = {"editMessageText": "text", "editMessageCaption": "caption", "editMessageReplyMarkup": None}
UPLOAD_LIMITS = {"photo": 10 * 2**20, "document": 50 * 2**20}
BUTTON_EXTRAS = {"text", "style", "icon_custom_emoji_id"}  # every other key is the button's action
SHOWN = {*SENDS, *EDITS, "deleteMessage", "answerCallbackQuery"}  # calls that change what a chat shows
FILE_ID = re.compile(r"fake-(photo|document)-(\d+)(?:-\d+)?")  # the file_ids of the bot's own uploads
FAULT_KINDS = ("http_500", "http_502", "drop", "slow", "http_429")
"""Injected network faults (``fault_share``): a JSON 500, a proxy's HTML 502, the connection closed
without an answer, a reply delayed by up to ``fault_slow_max`` seconds (then served), a 429 with
``retry_after``. All but "slow" reject the call before it takes effect."""
BAD_GATEWAY_PAGE = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                    "</body>\r\n</html>\r\n")


@dataclass(eq=False)
class BotApiError(Exception):
    """A call Telegram would refuse; answered as ``ok: false`` with this description."""

    description: str
    code: int = 400
    retry_after: int | None = None
    injected: bool = False  # by fail_next


@dataclass
class Call:
    """One request the bot made that Telegram accepted."""

    method: str
    params: dict[str, Any]
    chat_id: int | None = None
    at: float = 0.0


@dataclass
class Query:
    """A callback query the fake issued, and the bot's answer to it."""

    chat_id: int
    issued: float = field(default_factory=time.monotonic)
    tries: int = 0  # answerCallbackQuery calls seen, refused ones included
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class BotMessage:
    """One message the bot sent, in its current state; ``text`` is the text or caption as shown."""

    chat_id: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file: bytes | str | None = None  # uploaded bytes, or the file_id / URL the bot passed
    filename: str | None = None
    deleted: bool = False
    edits: int = 0
    date: int = field(default_factory=lambda: int(time.time()))
    updated_at: float = field(default_factory=time.monotonic)  # when last sent or edited

    @property
    def button_rows(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row."""
        return [[b["text"] for b in row] for row in (self.reply_markup or {}).get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline keyboard, row-major."""
        return [label for row in self.button_rows for label in row]

    def callback_data(self, label: str) -> str:
        """The callback_data of the button labelled ``label``, else of the only one containing it."""
        buttons = [b for row in (self.reply_markup or {}).get("inline_keyboard", []) for b in row]
        found = [b for b in buttons if b["text"] == label] or [b for b in buttons if label in b["text"]]
        if len(found) != 1 or "callback_data" not in found[0]:
            raise AssertionError(f"{len(found)} callback buttons match {label!r} on message "
                                 f"{self.message_id}: {self.buttons}")
        return str(found[0]["callback_data"])

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        """This message as a Bot API ``Message`` object."""
        msg: dict[str, Any] = {"message_id": self.message_id, "date": self.date, "chat": chat,
                               "from": BOT_USER}
        key = "text" if self.kind == "text" else "caption"
        if self.text or self.kind == "text":
            msg[key] = self.text
        if self.entities:
            msg["entities" if key == "text" else "caption_entities"] = self.entities
        file_id, size = f"fake-{self.kind}-{self.message_id}", len(self.file or b"")
        if self.kind == "photo":
            msg["photo"] = [{"file_id": f"{file_id}-{w}", "file_unique_id": f"u{self.message_id}-{w}",
                             "width": w, "height": w, "file_size": size} for w in (90, 800)]
        elif self.kind == "document":
            msg["document"] = {"file_id": file_id, "file_unique_id": f"u{self.message_id}",
                               "file_name": self.filename or "file", "file_size": size}
        if self.edits:
            msg["edit_date"] = int(time.time())
        if self.reply_markup:
            msg["reply_markup"] = self.reply_markup
        return msg


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: ``TelegramHtml().parse(source)`` gives plain text and entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.entities, self.error = "", [], ""
        self.open: list[tuple[str, int, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Only Telegram's tags, with the attributes they need."""
        a = dict(attrs)
        if (tag not in HTML_TAGS or (tag == "span" and a.get("class") != "tg-spoiler")
                or (tag == "a" and not a.get("href")) or (tag == "tg-emoji" and not a.get("emoji-id"))):
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.open.append((tag, utf16_len(self.text), a))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open tag, which must be ``tag``."""
        if not self.open or self.open[-1][0] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
            return
        _, start, attrs = self.open.pop()
        entity: dict[str, Any] = {"type": HTML_TAGS.get(tag, tag), "offset": start,
                                  "length": utf16_len(self.text) - start}
        if tag == "a":
            entity["url"] = attrs["href"]
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attrs["emoji-id"]
        if entity["length"]:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Plain text."""
        self.text += data

    def parse(self, source: str) -> tuple[str, list[dict[str, Any]]]:
        """Plain text and entities; BotApiError if Telegram would refuse ``source``."""
        if re.search(r"<(?![a-zA-Z/])", source):
            self.error = 'Unsupported start tag "<": escape it as &lt;'
        if bad := [e for e in re.findall(r"&([a-zA-Z]+);", source) if e not in {"lt", "gt", "amp", "quot"}]:
            self.error = f'Unsupported HTML entity "&{bad[0]};"'
        self.feed(source)
        self.close()
        if self.open:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"'
        if self.error:
            raise BotApiError(f"Bad Request: can't parse entities: {self.error}")
        return self.text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


class FakeUser:
    """A person in a private chat with the bot; waits use ``api.settle`` and ``api.timeout``."""

    def __init__(self, api: FakeBotApi, user_id: int, first_name: str, language_code: str | None,
                 username: str | None) -> None:
        self.api, self.id = api, user_id
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        self.user |= {"language_code": language_code} if language_code else {}
        self.user |= {"username": username} if username else {}
        self.chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        self.last_update: dict[str, Any] | None = None

    def push_text(self, text: str) -> int:
        """Queue a text message from this user without waiting; returns its update_id."""
        message: dict[str, Any] = {"message_id": next(self.api._ids), "date": int(self.api.clock()),
                                   "chat": self.chat, "from": self.user, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        self.last_update = {"message": message}
        return self.api.push(self.last_update)

    async def send(self, text: str, *, expect_reply: bool = True) -> None:
        """Send ``text``; return once the bot fetched it, made a call for this chat, and went quiet."""
        before = self.api._attempts[self.id]
        update_id = self.push_text(text)
        await self.api._settle(self.id, lambda: update_id in self.api._fetched and (
            not expect_reply or self.api._attempts[self.id] > before)
            and self.api._was_handled(update_id), f"send {text!r}")

    async def send_document(self, file_name: str, data: bytes, *, declared_size: int | None = None) -> None:
        """Send a file (e.g. a household spreadsheet) as a document; return once the bot reacted."""
        file_id = f"doc{next(self.api._ids)}"
        self.api._files[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self.api._ids), "date": int(self.api.clock()), "chat": self.chat,
            "from": self.user, "document": {
                "file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                "file_size": len(data) if declared_size is None else declared_size}}
        self.last_update = {"message": message}
        before = self.api._attempts[self.id]
        update_id = self.api.push(self.last_update)
        await self.api._settle(self.id, lambda: update_id in self.api._fetched
                               and self.api._attempts[self.id] > before and self.api._was_handled(update_id),
                               f"document {file_name!r}")

    async def press(self, label: str, *, message: BotMessage | None = None) -> Query | None:
        """Press the button matching ``label`` on ``message`` (default: latest with a keyboard)."""
        if message is None:
            if not (keyed := [m for m in self.messages if m.buttons]):
                raise AssertionError(f"no bot message with a keyboard in chat {self.id}")
            message = keyed[-1]
        message = self._visible(message.message_id)
        return await self.press_data(message.callback_data(label), message.message_id)

    def push_press(self, data: str, message_id: int) -> str:
        """Queue a callback query with ``data`` on ``message_id`` without waiting; returns its id."""
        message = self._visible(message_id)
        query_id = str(next(self.api._query_ids))
        self.api._queries[query_id] = Query(self.id)
        self.last_update = {"callback_query": {
            "id": query_id, "from": self.user, "message": message.to_api(self.chat),
            "chat_instance": f"{self.id * 7919}", "data": data}}
        self.api.push(self.last_update)
        return query_id

    async def press_data(self, data: str, message_id: int | None = None) -> Query | None:
        """A callback query with any ``data`` on ``message_id`` (default latest); None if answer refused."""
        message = self._visible(self.last.message_id if message_id is None else message_id)
        query_id = str(next(self.api._query_ids))
        query = self.api._queries[query_id] = Query(self.id)
        self.last_update = {"callback_query": {
            "id": query_id, "from": self.user, "message": message.to_api(self.chat),
            "chat_instance": f"{self.id * 7919}", "data": data}}
        update_id = self.api.push(self.last_update)
        await self.api._settle(self.id, lambda: update_id in self.api._fetched and query.tries > 0
                               and self.api._was_handled(update_id), f"press {data!r}")
        return query if query.answered else None

    async def resend_last_update(self) -> None:
        """Deliver the previous update again under a new update_id, as a retried poll/webhook does."""
        if self.last_update is None:
            raise AssertionError("nothing to resend")
        update_id = self.api.push(self.last_update)
        await self.api._settle(self.id, lambda: update_id in self.api._fetched
                               and self.api._was_handled(update_id), "resend")

    def _visible(self, message_id: int) -> BotMessage:
        message = self.api._messages.get(message_id)
        if message is None or message.chat_id != self.id or message.deleted:
            raise AssertionError(f"message {message_id} is not visible in chat {self.id}")
        return message

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, current state, oldest first, deleted ones left out."""
        return [m for m in self.api._messages.values() if m.chat_id == self.id and not m.deleted]

    @property
    def last(self) -> BotMessage:
        """The latest bot message in this chat."""
        if not (messages := self.messages):
            raise AssertionError(f"the bot has sent nothing to chat {self.id}")
        return messages[-1]

    @property
    def alerts(self) -> list[str]:
        """Texts of the callback query notices the bot gave this user."""
        return [q.text for q in self.api._queries.values() if q.chat_id == self.id and q.answered and q.text]


@dataclass
class FakeBotApi:
    """The server; start it with ``await FakeBotApi.start()`` and stop with ``await api.stop()``."""

    spec: dict[str, Any] = field(default_factory=lambda: json.loads(SPEC_PATH.read_text()))
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # refusals; tests assert it stays empty
    faults: list[str] = field(default_factory=list)  # injected failures that fired (all kinds)
    settle: float = 0.05  # seconds of silence in a chat that count as "the bot has reacted"
    timeout: float = 10.0  # longest wait for a reaction
    rate_limit: float | None = None  # sends per second bot-wide above which a send gets 429 (Telegram: ~30)
    chat_interval: float | None = None  # least seconds between sends to one chat, else 429 (Telegram: ~1)
    fail_share: float = 0.0  # share of sends answered 500 at random (seeded: the same run fails the same)
    fault_share: float = 0.0  # share of ALL calls that meet an injected fault of ``fault_mix`` (seeded)
    fault_mix: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 1.0))  # weights
    fault_get_updates: bool = True  # whether getUpdates calls may meet a fault too
    fault_slow_max: float = 3.0  # a "slow" fault delays the reply by up to this many seconds
    fault_retry_after: int = 1  # the retry_after of an injected 429
    fault_seed: int = 6
    fault_counts: Counter[str] = field(default_factory=Counter)  # injected faults by kind
    requests: Counter[str] = field(default_factory=Counter)  # every HTTP call received, by method
    base_url: str = ""
    webhook: dict[str, Any] | None = None  # the parameters of the last setWebhook (url, secret_token…)
    clock: Callable[[], float] = time.time  # wall clock of message dates (the sandbox moves it)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))  # messages, all chats
    _query_ids: itertools.count = field(default_factory=lambda: itertools.count(4_000_000_001))
    _users: dict[int, FakeUser] = field(default_factory=dict)
    _messages: dict[int, BotMessage] = field(default_factory=dict)
    _queries: dict[str, Query] = field(default_factory=dict)
    _handled: set[int] | None = None
    _files: dict[str, bytes] = field(default_factory=dict)
    _menus: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    _fail: defaultdict[str, list[BotApiError]] = field(default_factory=lambda: defaultdict(list))
    _fetched: set[int] = field(default_factory=set)
    _unfetched: set[int] = field(default_factory=set)
    _attempts: defaultdict[int | None, int] = field(default_factory=lambda: defaultdict(int))
    _inflight: defaultdict[int | None, int] = field(default_factory=lambda: defaultdict(int))
    _active_at: defaultdict[int | None, float] = field(default_factory=lambda: defaultdict(float))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _activity: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False
    _runner: web.AppRunner | None = None
    _blocked: dict[int, str] = field(default_factory=dict)
    _send_times: deque[float] = field(default_factory=deque)  # accepted sends in the last second
    _chat_sent: dict[int, float] = field(default_factory=dict)  # last accepted send per chat
    _random: random.Random = field(default_factory=lambda: random.Random(8))
    _fault_random: random.Random | None = None
    _said: dict[int, dict[str, Any]] = field(default_factory=dict)  # the users' own messages, by id
    _versions: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))  # per chat
    _shown: asyncio.Event = field(default_factory=asyncio.Event)  # set (and replaced) on every change

    @classmethod
    async def start(cls, **options: Any) -> FakeBotApi:
        """Serve on 127.0.0.1 on a free port; ``options`` set fields such as ``settle``."""
        api = cls(**options)
        app = web.Application(client_max_size=60 * 2**20)  # uploads up to 50 MB, like Telegram
        app.router.add_route("*", "/bot{token}/{method}", api._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", api._download)
        api._runner = web.AppRunner(app, access_log=None)
        await api._runner.setup()
        site = web.TCPSite(api._runner, "127.0.0.1", 0)
        await site.start()
        api.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return api

    async def stop(self) -> None:
        """Release pending long polls (the bot's and the sandbox page's) and close the server."""
        self._closing = True
        self._new_update.set()
        self._shown.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a user does ------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Siti", language_code: str | None = "id",
             username: str | None = None) -> FakeUser:
        """The person ``user_id``, created on first use (from then on the bot may write to them)."""
        if user_id not in self._users:
            self._users[user_id] = FakeUser(self, user_id, first_name, language_code, username)
        return self._users[user_id]

    def send_text(self, user_id: int, text: str, *, first_name: str = "Siti") -> int:
        """Queue a private-chat message from ``user_id`` without waiting; returns its update_id."""
        return self.user(user_id, first_name).push_text(text)

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update under a new update_id; returns it."""
        if (chat := self._chat_of_update(update)) is not None:
            self.user(chat)  # whoever writes to the bot has a chat with it
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        self._unfetched.add(update_id)
        self._new_update.set()
        if "message" in update:
            self._said[update["message"]["message_id"]] = update["message"]
        self._changed(chat)
        return update_id

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        """Make the next call of ``method`` fail with this error (queued, one per call)."""
        self._fail[method].append(BotApiError(description, status, retry_after, injected=True))

    def block(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """From now on every send to ``chat_id`` answers 403 with ``description`` (blocked, deactivated…)."""
        self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        """The user unblocked the bot: sends to ``chat_id`` work again."""
        self._blocked.pop(chat_id, None)

    async def deliver(self, update_id: int, secret_token: str | None = None) -> int:
        """POST a queued update to the webhook the bot set, as Telegram does, with ``secret_token``
        in ``X-Telegram-Bot-Api-Secret-Token`` (None: no header); returns the HTTP status. Only a
        2xx answer counts as delivered (Telegram would otherwise try again later)."""
        if self.webhook is None:
            raise AssertionError("the bot has not set a webhook")
        update = next(u for u in self._updates if u["update_id"] == update_id)
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        async with ClientSession() as session, session.post(self.webhook["url"], json=update,
                                                            headers=headers) as response:
            status = response.status
        if 200 <= status < 300:
            self._updates.remove(update)
            self._unfetched.discard(update_id)
            self._fetched.add(update_id)
            self._activity.set()
        return status

    def _limit(self, chat: int | None) -> None:
        """A send's injected fault, if any: a blocked chat, a random 500, or a 429 over the rate limits."""
        if chat in self._blocked:
            raise BotApiError(self._blocked[chat], 403, injected=True)
        if self.fail_share and self._random.random() < self.fail_share:
            raise BotApiError("Internal Server Error", 500, injected=True)
        now = asyncio.get_running_loop().time()
        while self._send_times and self._send_times[0] <= now - 1.0:
            self._send_times.popleft()
        if self.rate_limit is not None and len(self._send_times) >= self.rate_limit:
            raise BotApiError("Too Many Requests: retry after 1", 429, 1, injected=True)
        last = self._chat_sent.get(chat) if chat is not None else None
        if self.chat_interval is not None and last is not None and now - last < self.chat_interval:
            wait = max(1, math.ceil(self.chat_interval - (now - last)))
            raise BotApiError(f"Too Many Requests: retry after {wait}", 429, wait, injected=True)
        self._send_times.append(now)
        if chat is not None:
            self._chat_sent[chat] = now

    # --- what a test checks ----------------------------------------------------------------

    def track_handling(self) -> Callable[[object], None]:
        """From now on a user's send/press also waits until the bot says it handled the update;
        returns the callback the bot calls with each update it finished."""
        self._handled = set()

        def finished(update: object) -> None:
            self._handled.add(getattr(update, "update_id", -1))
            self._activity.set()

        return finished

    def _was_handled(self, update_id: int) -> bool:
        return self._handled is None or update_id in self._handled

    def unanswered_queries(self) -> list[str]:
        """Ids of callback queries the bot never answered (Telegram shows a spinner until it does)."""
        return [query_id for query_id, query in self._queries.items() if not query.answered]

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every accepted ``method`` call addressed to ``chat_id``."""
        return [c.params for c in self.calls
                if c.method == method and str(c.params.get("chat_id")) == str(chat_id)]

    def calls_for(self, chat_id: int) -> list[Call]:
        """Every accepted call concerning ``chat_id``, callback answers included."""
        return [c for c in self.calls if c.chat_id == chat_id]

    def commands(self, scope: str | dict[str, Any] | None = None,
                 language_code: str | None = None) -> list[dict[str, str]]:
        """The command menu stored for ``scope`` (a type name or BotCommandScope) and language."""
        return self._menus.get(self._menu_key({"type": scope} if isinstance(scope, str) else scope,
                                              language_code), [])

    async def wait_for(self, chat_id: int, count: int = 1, method: str = "sendMessage",
                       timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` such calls reached ``chat_id``; return them."""
        await self._settle(chat_id, lambda: len(self.sent_to(chat_id, method)) >= count,
                           f"{count} x {method}", 0.0, timeout)
        return self.sent_to(chat_id, method)

    async def idle(self, settle: float | None = None, timeout: float | None = None) -> None:
        """Wait until every queued update was fetched and no call was made for ``settle`` seconds."""
        await self._settle(None, lambda: not self._unfetched, "idle", settle, timeout)

    async def _settle(self, chat: int | None, ready: Callable[[], bool], what: str,
                      settle: float | None = None, timeout: float | None = None) -> None:
        """Wait for ``ready()``, no call in flight for ``chat`` (None: any) and ``settle`` s of silence."""
        settle = self.settle if settle is None else settle
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.timeout if timeout is None else timeout)
        while True:
            now, wake = loop.time(), deadline
            if ready() and not self._inflight[chat]:
                if now >= self._active_at[chat] + settle:
                    return
                wake = min(wake, self._active_at[chat] + settle)
            if now >= deadline:
                calls = [(c.method, {k: v for k, v in c.params.items() if k != "reply_markup"})
                         for c in self.calls if chat is None or c.chat_id == chat]
                raise AssertionError(f"{what}: no complete reaction by the bot before the timeout; "
                                     f"calls: {calls}; errors: {self.errors}")
            self._activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._activity.wait(), max(wake - now, 0.001))

    def _touch(self, chat: int | None, delta: int = 0) -> None:
        """Note activity for ``chat`` (and overall), ``delta`` calls entering or leaving."""
        for key in {chat, None}:
            self._inflight[key] += delta
            self._active_at[key] = asyncio.get_running_loop().time()
        self._activity.set()

    # --- what the sandbox's web page shows ------------------------------------------------

    def users(self) -> list[FakeUser]:
        """Everyone who has a chat with the bot, in the order they appeared."""
        return list(self._users.values())

    def version(self, chat_id: int) -> int:
        """How many times what ``chat_id`` shows has changed (messages, edits, deletions, notices)."""
        return self._versions[chat_id]

    async def wait_version(self, chat_id: int, since: int, timeout: float) -> int:
        """Wait until the chat's version is above ``since`` or ``timeout`` passes; the version then."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._versions[chat_id] <= since and not self._closing:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._shown.wait(), left)
        return self._versions[chat_id]

    def transcript(self, chat_id: int) -> list[BotMessage | dict[str, Any]]:
        """The chat as a person sees it, oldest first: the bot's live messages (current state) and
        the person's own messages (Bot API ``Message`` dicts)."""
        said = [m for m in self._said.values() if m["chat"]["id"] == chat_id]
        shown: list[BotMessage | dict[str, Any]] = [*self._users[chat_id].messages, *said] \
            if chat_id in self._users else said
        return sorted(shown, key=lambda m: m.message_id if isinstance(m, BotMessage) else m["message_id"])

    def file(self, file_id: str) -> tuple[bytes, str | None] | None:
        """The bytes and file name behind a file_id: a user's upload, or a photo/document the bot sent."""
        if file_id in self._files:
            names = [m["document"].get("file_name") for m in self._said.values()
                     if m.get("document", {}).get("file_id") == file_id]
            return self._files[file_id], names[0] if names else None
        if (match := FILE_ID.fullmatch(file_id)) is None:
            return None
        message = self._messages.get(int(match[2]))
        if message is None or message.kind != match[1] or not isinstance(message.file, bytes):
            return None
        return message.file, message.filename

    def last_notice(self, chat_id: int) -> tuple[int, Query] | None:
        """The latest answered callback query with a text in ``chat_id``, and its sequence number."""
        answered = [(int(query_id), q) for query_id, q in self._queries.items()
                    if q.chat_id == chat_id and q.answered and q.text]
        return answered[-1] if answered else None

    def _changed(self, chat: int | None) -> None:
        """What ``chat`` shows changed: bump its version and wake the long polls of the page."""
        if chat is None:
            return
        self._versions[chat] += 1
        self._shown.set()
        self._shown = asyncio.Event()

    # --- the server ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        """Decode, note activity, apply an injected fault, validate, dispatch, record."""
        method, chat, begun = request.match_info["method"], None, False
        self.requests[method] += 1
        try:
            if method not in self.spec["methods"]:
                raise BotApiError("Not Found", 404)
            params = await self._params(request, method)
            if method != "getUpdates":
                chat, begun = self._chat_of(params), True
                self._attempts[chat] += 1
                if query := self._queries.get(str(params.get("callback_query_id"))):
                    query.tries += 1
                self._touch(chat, +1)
            if self._fail[method]:
                raise self._fail[method].pop(0)
            if (fault := await self._network_fault(method)) is not None:
                return self._faulty_reply(request, method, fault)
            if method in SENDS:
                self._limit(chat)
            self._validate(method, params)
            result = await self._dispatch(method, params)
            if method in SHOWN:
                self._changed(chat)
        except BotApiError as error:
            (self.faults if error.injected else self.errors).append(f"{method}: {error.description}")
            body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.code)
        except ConnectionResetError:  # the bot went away mid-request (killed): nobody to answer
            return web.Response(status=499)
        finally:
            if begun:
                self._touch(chat, -1)
        if method != "getUpdates":
            self.calls.append(Call(method, params, chat, asyncio.get_running_loop().time()))
        return web.json_response({"ok": True, "result": result})

    async def _network_fault(self, method: str) -> str | None:
        """Draw this call's injected fault (``fault_share``, ``fault_mix``); "slow" waits here and
        lets the call through, so it returns None for it."""
        if not self.fault_share or (method == "getUpdates" and not self.fault_get_updates):
            return None
        if self._fault_random is None:
            self._fault_random = random.Random(self.fault_seed)
        draw = self._fault_random
        if draw.random() >= self.fault_share:
            return None
        kinds = [k for k in FAULT_KINDS if self.fault_mix.get(k, 0) > 0]
        if not kinds:
            return None
        kind = draw.choices(kinds, weights=[self.fault_mix[k] for k in kinds])[0]
        self.fault_counts[kind] += 1
        if kind != "slow":
            return kind
        delay = draw.uniform(0.0, self.fault_slow_max)
        self.faults.append(f"{method}: slow reply ({delay:.1f} s)")
        await asyncio.sleep(delay)
        return None

    def _faulty_reply(self, request: web.Request, method: str, kind: str) -> web.Response:
        """The answer (or silence) of an injected fault; the call has no effect."""
        if kind == "drop":
            self.faults.append(f"{method}: connection dropped without an answer")
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never written: the connection is gone
        if kind == "http_502":
            self.faults.append(f"{method}: 502 Bad Gateway (HTML from a proxy)")
            return web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")
        if kind == "http_429":
            wait = self.fault_retry_after
            error = BotApiError(f"Too Many Requests: retry after {wait}", 429, wait, injected=True)
        else:
            error = BotApiError("Internal Server Error", 500, injected=True)
        self.faults.append(f"{method}: {error.description}")
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return web.json_response(body, status=error.code)

    async def _params(self, request: web.Request, method: str) -> dict[str, Any]:
        """Parameters from the query string, a JSON body or a form, decoded by their spec types."""
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            return params | dict(await request.json())
        form = await request.post()
        attached = {m for v in form.values() if isinstance(v, str) for m in re.findall(r"attach://(\w+)", v)}
        params |= {k: v for k, v in form.items() if k not in attached}
        types = {f["name"]: f["types"] for f in self.spec["methods"][method].get("fields", [])}
        return {k: self._decode(k, v, types[k]) if isinstance(v, str) and k in types else v
                for k, v in params.items()}

    @staticmethod
    def _decode(key: str, value: str, types: list[str]) -> Any:
        """A form value as Telegram reads it: number, boolean, raw string, else JSON."""
        with contextlib.suppress(ValueError):
            if "Integer" in types:
                return int(value)
            if "Float" in types:
                return float(value)
        if "Boolean" in types and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        if "String" in types:
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise BotApiError(f"Bad Request: can't parse {key} JSON object") from None

    def _validate(self, method: str, params: dict[str, Any]) -> None:
        """Spec fields, a chat that exists, inline keyboard limits."""
        fields = {f["name"]: f for f in self.spec["methods"][method].get("fields", [])}
        if method == "editMessageReplyMarkup":  # PTB adds its default parse_mode; Telegram ignores it
            params.pop("parse_mode", None)
        if unknown := set(params) - set(fields):
            raise BotApiError(f"Bad Request: unknown parameter(s) {sorted(unknown)}")
        if missing := [name for name, f in fields.items() if f["required"] and name not in params]:
            raise BotApiError(f"Bad Request: missing required parameter(s) {missing}")
        if "chat_id" in params and self._chat_of(params) not in self._users:
            raise BotApiError("Bad Request: chat not found")
        keyboard = (self._inline(params.get("reply_markup")) or {}).get("inline_keyboard", [])
        if sum(len(row) for row in keyboard) > 100 or any(len(row) > 8 for row in keyboard):
            raise BotApiError("Bad Request: reply markup is too long (over 100 buttons or 8 in a row)")
        for button in (b for row in keyboard for b in row):
            if not str(button.get("text", "")).strip() or len(set(button) - BUTTON_EXTRAS) != 1:
                raise BotApiError("Bad Request: can't parse inline keyboard button: it needs a text and "
                                  "exactly one action")
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                raise BotApiError("Bad Request: BUTTON_DATA_INVALID")

    async def _dispatch(self, method: str, p: dict[str, Any]) -> Any:
        """The method's effect and result."""
        if method == "getUpdates":
            if self.webhook is not None:
                raise BotApiError("Conflict: can't use getUpdates method while webhook is active; use "
                                  "deleteWebhook to delete the webhook first", 409)
            return await self._get_updates(p)
        if method == "getMe":
            return BOT_USER | {"can_join_groups": False, "can_read_all_group_messages": False,
                               "supports_inline_queries": False}
        if method in SENDS:
            return self._send(method, p)
        if method in EDITS:
            return self._edit(method, p)
        if method in {"setMyCommands", "getMyCommands", "deleteMyCommands"}:
            return self._menu(method, p)
        if method == "getFile":
            if str(p["file_id"]) not in self._files:
                raise BotApiError("Bad Request: invalid file_id")
            data = self._files[str(p["file_id"])]
            if len(data) > 20 * 2**20:
                raise BotApiError("Bad Request: file is too big")
            return {"file_id": p["file_id"], "file_unique_id": f"u{p['file_id']}", "file_size": len(data),
                    "file_path": f"documents/{p['file_id']}"}
        if method in {"setWebhook", "deleteWebhook"}:
            self.webhook = dict(p) if method == "setWebhook" else None
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}
        if method == "deleteMessage":
            self._own_message(p, "Bad Request: message to delete not found").deleted = True
        elif method == "answerCallbackQuery":
            query = self._queries.get(str(p["callback_query_id"]))
            if query is None:
                raise BotApiError("Bad Request: query id is invalid")
            if query.answered or time.monotonic() - query.issued > QUERY_TTL:
                raise BotApiError(TOO_OLD)
            if len(str(p.get("text") or "")) > 200:
                raise BotApiError("Bad Request: MESSAGE_TOO_LONG (callback answers are up to 200 characters)")
            query.answered, query.text, query.url = True, p.get("text"), p.get("url")
            query.show_alert = bool(p.get("show_alert"))
        elif method == "deleteWebhook" and p.get("drop_pending_updates"):
            self._fetched |= {u["update_id"] for u in self._updates}
            self._updates, self._unfetched = [], set()
        return True

    async def _download(self, request: web.Request) -> web.Response:
        """The file behind a ``getFile`` path, as the Bot API's file server gives it."""
        data = self._files.get(request.match_info["path"].removeprefix("documents/"))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: confirm below ``offset``, wait up to ``timeout`` for news, mark them fetched."""
        offset = int(p.get("offset") or 0)
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and not self._closing:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), float(p.get("timeout") or 0))
        batch = self._updates[: int(p.get("limit") or 100)]
        for update in batch:
            self._fetched.add(update["update_id"])
            self._unfetched.discard(update["update_id"])
            self._touch(self._chat_of_update(update))
        return batch

    def _content(self, p: dict[str, Any], key: str) -> tuple[str, list[dict[str, Any]]]:
        """Text or caption after entity parsing, within Telegram's limits."""
        text, entities = str(p.get(key, "")), p.get("entities" if key == "text" else "caption_entities")
        if str(p.get("parse_mode", "")).lower() == "html":
            text, entities = TelegramHtml().parse(text)
        if key == "text" and not text.strip():
            raise BotApiError("Bad Request: message text is empty")
        if len(text) > (4096 if key == "text" else 1024):
            raise BotApiError(f"Bad Request: message {key} is too long")
        return text, list(entities or [])

    def _send(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """sendMessage, sendPhoto, sendDocument: a new message in the chat."""
        kind, key = SENDS[method]
        message = BotMessage(int(p["chat_id"]), next(self._ids), kind, *self._content(p, key),
                             reply_markup=self._inline(p.get("reply_markup")), date=int(self.clock()))
        if isinstance(upload := p.get(kind), web.FileField):
            message.file, message.filename = upload.file.read(), upload.filename
            if len(message.file) > UPLOAD_LIMITS[kind]:
                raise BotApiError("Request Entity Too Large", 413)
        elif upload is not None:
            message.file = str(upload)
        self._messages[message.message_id] = message
        return message.to_api(self._users[message.chat_id].chat)

    def _edit(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """editMessageText / Caption / ReplyMarkup of one of the bot's messages in that chat."""
        if "inline_message_id" in p:
            raise BotApiError("Bad Request: inline messages are not modelled by the fake")
        message = self._own_message(p, "Bad Request: message to edit not found")
        text, entities = message.text, message.entities
        if key := EDITS[method]:
            if (message.kind == "text") != (key == "text"):
                raise BotApiError(f"Bad Request: there is no {key} in the message to edit")
            text, entities = self._content(p, key)
        markup = self._inline(p.get("reply_markup"))  # an edit without reply_markup removes the keyboard
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise BotApiError(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.edits += 1
        message.updated_at = time.monotonic()
        return message.to_api(self._users[message.chat_id].chat)

    def _own_message(self, p: dict[str, Any], not_found: str) -> BotMessage:
        """The bot's live message ``message_id`` in chat ``chat_id``."""
        message = self._messages.get(int(p.get("message_id") or 0))
        if message is None or message.chat_id != self._chat_of(p) or message.deleted:
            raise BotApiError(not_found)
        return message

    def _menu(self, method: str, p: dict[str, Any]) -> Any:
        """setMyCommands / getMyCommands / deleteMyCommands, stored per scope and language."""
        scope, language = p.get("scope"), p.get("language_code")
        if scope is not None and scope.get("type") not in SCOPES:
            raise BotApiError("Bad Request: invalid scope type")
        if not re.fullmatch(r"([a-z]{2})?", str(language or "")):
            raise BotApiError("Bad Request: invalid language_code")
        key = self._menu_key(scope, language)
        if method == "getMyCommands":
            return self._menus.get(key, [])
        if method == "deleteMyCommands":
            self._menus.pop(key, None)
            return True
        if len(commands := p["commands"]) > 100:
            raise BotApiError("Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise BotApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise BotApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._menus[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    @staticmethod
    def _menu_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple[str, str]:
        """Where a command menu is stored."""
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    @staticmethod
    def _inline(markup: Any) -> dict[str, Any] | None:
        """The inline keyboard a message carries; Telegram does not echo other markups."""
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _chat_of(self, params: dict[str, Any]) -> int | None:
        """The private chat a call concerns: its chat_id, or the chat of its callback query."""
        chat = params.get("chat_id")
        if isinstance(chat, int) or (isinstance(chat, str) and chat.lstrip("-").isdigit()):
            return int(chat)
        query = self._queries.get(str(params.get("callback_query_id")))
        return query.chat_id if query else None

    @staticmethod
    def _chat_of_update(update: dict[str, Any]) -> int | None:
        """The chat an update comes from."""
        body = update.get("message") or update.get("callback_query") or {}
        return ((body.get("message") or body).get("chat") or body.get("from") or {}).get("id")

"""The fake's options and state, shared by the parts of :class:`~sandbox.fakeapi.FakeBotApi`, and the
small lookups they all use."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.fakeapi.model import BotApiError, BotMessage, Call, Query

if TYPE_CHECKING:
    from sandbox.fakeapi.users import FakeUser

SPEC_PATH = Path(__file__).parent.parent / "bot-api-methods.json"  # sandbox/bot-api-methods.json
FAULT_KINDS = ("http_500", "http_502", "drop", "slow", "http_429")
"""Injected network faults (``fault_share``): a JSON 500, a proxy's HTML 502, the connection closed
without an answer, a reply delayed by up to ``fault_slow_max`` seconds (then served), a 429 with
``retry_after``. All but "slow" reject the call before it takes effect."""


@dataclass
class State:
    """Options (set by keyword: ``FakeBotApi(settle=0.1)``, ``FakeBotApi.start(fault_share=0.2)``) and the
    state of the fake; the mixins of :class:`~sandbox.fakeapi.FakeBotApi` read and change it."""

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

    def _touch(self, chat: int | None, delta: int = 0) -> None:
        """Note activity for ``chat`` (and overall), ``delta`` calls entering or leaving."""
        for key in {chat, None}:
            self._inflight[key] += delta
            self._active_at[key] = asyncio.get_running_loop().time()
        self._activity.set()

    def _changed(self, chat: int | None) -> None:
        """What ``chat`` shows changed: bump its version and wake the long polls of the page."""
        if chat is None:
            return
        self._versions[chat] += 1
        self._shown.set()
        self._shown = asyncio.Event()

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

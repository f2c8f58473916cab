"""A fake Telegram Bot API server on loopback, for driving the real bot over HTTP the way a person would.

Every call is checked against Bot API 10.1 (``sandbox/bot-api-methods.json``: the methods and fields of
``../shared/telegram/bot-api-10.1.json``): known method, required fields, no unknown fields, form values
decoded by their declared types; and against the limits of ``../shared/reference/telegram.md``;
refusals answer ``ok: false`` like Telegram and land in ``errors``. Each chat keeps the bot's messages
in their current state, and a :class:`FakeUser` sends text and presses buttons through ``getUpdates``
long polling, then waits until the bot has reacted (see :meth:`FakeBotApi._settle`).

The parts: ``model`` (messages, calls, queries, refusals), ``telegram_html`` (HTML parse mode),
``users`` (:class:`FakeUser`), ``state`` (options and state), ``validation`` (the spec's checks),
``methods`` (what each method does), ``faults`` (injected failures), ``checks`` (what a test reads and
waits for), ``page`` (what the sandbox's web page reads) and ``server`` (:class:`FakeBotApi`, the
aiohttp server that ties them together).
"""

from sandbox.fakeapi.faults import BAD_GATEWAY_PAGE
from sandbox.fakeapi.methods import EDITS, SCOPES, SENDS, SHOWN, UPLOAD_LIMITS
from sandbox.fakeapi.model import (
    BOT_ID,
    BOT_USER,
    BOT_USERNAME,
    NOT_MODIFIED,
    QUERY_TTL,
    TOO_OLD,
    BotApiError,
    BotMessage,
    Call,
    Query,
    utf16_len,
)
from sandbox.fakeapi.page import FILE_ID
from sandbox.fakeapi.server import FakeBotApi
from sandbox.fakeapi.state import FAULT_KINDS, SPEC_PATH
from sandbox.fakeapi.telegram_html import HTML_TAGS, TelegramHtml
from sandbox.fakeapi.users import FakeUser
from sandbox.fakeapi.validation import BUTTON_EXTRAS

__all__ = [
    "BAD_GATEWAY_PAGE", "BOT_ID", "BOT_USER", "BOT_USERNAME", "BUTTON_EXTRAS", "EDITS", "FAULT_KINDS",
    "FILE_ID", "HTML_TAGS", "NOT_MODIFIED", "QUERY_TTL", "SCOPES", "SENDS", "SHOWN", "SPEC_PATH", "TOO_OLD",
    "UPLOAD_LIMITS", "BotApiError", "BotMessage", "Call", "FakeBotApi", "FakeUser", "Query", "TelegramHtml",
    "utf16_len",
]

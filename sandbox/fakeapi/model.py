"""The fake's record of the conversation: the bot's identity, its messages, calls and callback queries,
and the refusal a call meets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7000000001
BOT_USERNAME = "tangguh_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Tangguh", "username": BOT_USERNAME}
QUERY_TTL = 15.0  # seconds after which Telegram calls a callback query "too old"
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


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

"""A light stand-in for what a handler touches: the bot's calls recorded, a context with the
services and the person; no HTTP, no Application."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update

from app.services import Services
from storage.records import Person


class FakeBot:
    """Records every Bot API call a handler makes; sends and edits return a message."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1000)

    def _message(self, chat_id: int, text: str, message_id: int | None = None) -> Message:
        message = Message.de_json({"message_id": message_id or next(self._ids), "date": 0, "text": text,
                                   "chat": {"id": chat_id, "type": "private"}}, self)  # type: ignore[arg-type]
        message.set_bot(self)  # type: ignore[arg-type]
        return message

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Message:
        self.calls.append(("sendMessage", {"chat_id": chat_id, "text": text, **kwargs}))
        return self._message(chat_id, text)

    async def edit_message_text(self, text: str, *, chat_id: int, message_id: int, **kwargs: Any) -> Message:
        self.calls.append(("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text,
                                               **kwargs}))
        return self._message(chat_id, text, message_id)

    async def delete_message(self, chat_id: int, message_id: int, **kwargs: Any) -> bool:
        self.calls.append(("deleteMessage", {"chat_id": chat_id, "message_id": message_id}))
        return True

    async def edit_message_reply_markup(self, **kwargs: Any) -> bool:
        self.calls.append(("editMessageReplyMarkup", kwargs))
        return True

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None,
                                    show_alert: bool | None = None, **kwargs: Any) -> bool:
        self.calls.append(("answerCallbackQuery", {"text": text, "show_alert": show_alert}))
        return True

    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [method for method, _ in self.calls]

    def last(self, method: str) -> dict[str, Any]:
        """The parameters of the last call of ``method``."""
        return next(params for name, params in reversed(self.calls) if name == method)


@dataclass
class FakeContext:
    """What handlers read of the context: the services, the person, the bot."""

    svc: Services
    person: Person | None
    bot: FakeBot = field(default_factory=FakeBot)
    args: list[str] = field(default_factory=list)

    @property
    def member(self) -> Person:
        assert self.person is not None
        return self.person


def press(bot: FakeBot, person: Person, data: str, message_id: int) -> Update:
    """A press of a button with ``data`` under message ``message_id`` in the person's chat."""
    chat = {"id": person.telegram_user_id, "type": "private"}
    user = {"id": person.telegram_user_id, "is_bot": False, "first_name": person.name}
    update = Update.de_json({"update_id": 1, "callback_query": {
        "id": "q1", "from": user, "chat_instance": "c", "data": data,
        "message": {"message_id": message_id, "date": int(datetime.now(UTC).timestamp()), "chat": chat,
                    "text": "…"}}}, bot)  # type: ignore[arg-type]
    assert update is not None and update.callback_query is not None
    update.callback_query.set_bot(bot)  # type: ignore[arg-type]
    assert update.callback_query.message is not None
    update.callback_query.message.set_bot(bot)  # type: ignore[arg-type]
    return update

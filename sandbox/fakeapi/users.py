"""A person in a private chat with the bot, who types, sends files and presses buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.fakeapi.model import BotMessage, Query, utf16_len

if TYPE_CHECKING:
    from sandbox.fakeapi.server import FakeBotApi


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

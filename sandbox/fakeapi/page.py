"""What the sandbox's web page shows: the chats as a person sees them, and their change versions."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

from sandbox.fakeapi.model import BotMessage, Query
from sandbox.fakeapi.state import State

if TYPE_CHECKING:
    from sandbox.fakeapi.users import FakeUser

FILE_ID = re.compile(r"fake-(photo|document)-(\d+)(?:-\d+)?")  # the file_ids of the bot's own uploads


class Page(State):
    """Read by the sandbox's web page (``sandbox/web.py``), which long-polls ``wait_version``."""

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

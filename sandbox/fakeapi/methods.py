"""The Bot API methods the fake implements: their effects on the chats and their results."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

from aiohttp import web

from sandbox.fakeapi.model import BOT_USER, NOT_MODIFIED, QUERY_TTL, TOO_OLD, BotApiError, BotMessage
from sandbox.fakeapi.state import State
from sandbox.fakeapi.telegram_html import TelegramHtml

SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
          "chat_administrators", "chat_member"}
SENDS = {"sendMessage": ("text", "text"), "sendPhoto": ("photo", "caption"),
         "sendDocument": ("document", "caption")}
EDITS = {"editMessageText": "text", "editMessageCaption": "caption", "editMessageReplyMarkup": None}
UPLOAD_LIMITS = {"photo": 10 * 2**20, "document": 50 * 2**20}
SHOWN = {*SENDS, *EDITS, "deleteMessage", "answerCallbackQuery"}  # calls that change what a chat shows


class Methods(State):
    """``_dispatch`` applies an accepted call: updates, sends, edits, menus, files, webhooks, answers."""

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

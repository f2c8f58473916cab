"""Request decoding and validation against Bot API 10.1 (``sandbox/bot-api-methods.json``)."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from aiohttp import web

from sandbox.fakeapi.model import BotApiError
from sandbox.fakeapi.state import State

BUTTON_EXTRAS = {"text", "style", "icon_custom_emoji_id"}  # every other key is the button's action


class Validation(State):
    """A call's parameters decoded by their spec types, then checked as Telegram checks them."""

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

"""A fake Telegram Bot API server on loopback, for driving the real bot over HTTP.

It checks every call against ``../shared/telegram/bot-api-10.1.json`` (known method, required
fields present, no unknown fields) and the limits of ``telegram.md`` (text length, callback data
size), records what the bot sent, and hands out updates that tests inject through ``getUpdates``
long polling, the way Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "telegram" / "bot-api-10.1.json"
BOT_ID = 7000000001
BOT_USERNAME = "tangguh_test_bot"


class BotApiError(Exception):
    """A call Telegram would refuse; answered as ``ok: false`` with this description."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    """The server; start it with ``await FakeBotApi.start()`` and stop with ``await api.stop()``."""

    spec: dict[str, Any] = field(default_factory=lambda: json.loads(SPEC_PATH.read_text()))
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    base_url: str = ""
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _new_call: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    @classmethod
    async def start(cls) -> FakeBotApi:
        """Serve on 127.0.0.1 on a free port."""
        api = cls()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", api._handle)
        api._runner = web.AppRunner(app, access_log=None)
        await api._runner.setup()
        site = web.TCPSite(api._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        api.base_url = f"http://127.0.0.1:{port}"
        return api

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a user does ------------------------------------------------------------------

    def send_text(self, user_id: int, text: str, *, first_name: str = "Siti") -> int:
        """A private-chat message from ``user_id``; returns its update_id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push({"message": message})

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an update_id is added)."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    # --- what a test checks ----------------------------------------------------------------

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every ``method`` call addressed to ``chat_id``."""
        return [c.params for c in self.calls
                if c.method == method and str(c.params.get("chat_id")) == str(chat_id)]

    async def wait_for(self, chat_id: int, count: int = 1, method: str = "sendMessage",
                       timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` such calls reached ``chat_id``; return them."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found := self.sent_to(chat_id, method)) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"{method} to {chat_id}: {len(found)} of {count} calls after "
                                     f"{timeout}s; calls: {[c.method for c in self.calls]}")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)
        return found

    # --- the server ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._params(request)
            self._validate(method, params)
            result = await self._dispatch(method, params)
        except BotApiError as error:
            self.errors.append(f"{method}: {error.description}")
            return web.json_response({"ok": False, "error_code": error.code,
                                      "description": error.description}, status=error.code)
        if method != "getUpdates":
            self.calls.append(Call(method, params))
            self._new_call.set()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
            else:
                params[key] = value
        return params

    def _validate(self, method: str, params: dict[str, Any]) -> None:
        spec = self.spec["methods"].get(method)
        if spec is None:
            raise BotApiError(f"Not Found: method {method} does not exist", 404)
        fields = {f["name"]: f for f in spec.get("fields", [])}
        unknown = set(params) - set(fields)
        if unknown:
            raise BotApiError(f"Bad Request: unknown parameter(s) {sorted(unknown)}")
        missing = [name for name, f in fields.items() if f["required"] and name not in params]
        if missing:
            raise BotApiError(f"Bad Request: missing required parameter(s) {missing}")
        text = params.get("text")
        if text is not None and not 1 <= len(str(text)) <= 4096:
            raise BotApiError("Bad Request: message text is empty or too long")
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                        raise BotApiError("Bad Request: BUTTON_DATA_INVALID")

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Tangguh", "username": BOT_USERNAME,
                    "can_join_groups": False, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in {"sendMessage", "sendPhoto", "sendDocument"}:
            return self._message(params)
        if method == "editMessageText":
            return self._message(params, message_id=int(params.get("message_id", 0)))
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), float(params.get("timeout") or 0))
            except TimeoutError:
                return []
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = params.get("chat_id", 0)
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Tangguh"},
        }
        if "text" in params:
            message["text"] = params["text"]
        return message

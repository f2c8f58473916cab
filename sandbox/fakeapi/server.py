"""The aiohttp server: :class:`FakeBotApi` answers the bot's HTTP calls and lets a test act as users."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web

from sandbox.fakeapi.checks import Checks
from sandbox.fakeapi.faults import Faults
from sandbox.fakeapi.methods import SENDS, SHOWN, Methods
from sandbox.fakeapi.model import BotApiError, Call
from sandbox.fakeapi.page import Page
from sandbox.fakeapi.users import FakeUser
from sandbox.fakeapi.validation import Validation


@dataclass
class FakeBotApi(Methods, Validation, Faults, Checks, Page):
    """The server; start it with ``await FakeBotApi.start()`` and stop with ``await api.stop()``."""

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

    async def _download(self, request: web.Request) -> web.Response:
        """The file behind a ``getFile`` path, as the Bot API's file server gives it."""
        data = self._files.get(request.match_info["path"].removeprefix("documents/"))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

"""What a test reads off the fake: the calls the bot made, and waits until it has reacted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from sandbox.fakeapi.model import Call
from sandbox.fakeapi.state import State


class Checks(State):
    """Records and waits; a reaction is complete when no call is in flight and the chat went quiet."""

    def track_handling(self) -> Callable[[object], None]:
        """From now on a user's send/press also waits until the bot says it handled the update;
        returns the callback the bot calls with each update it finished."""
        self._handled = set()

        def finished(update: object) -> None:
            self._handled.add(getattr(update, "update_id", -1))
            self._activity.set()

        return finished

    def _was_handled(self, update_id: int) -> bool:
        return self._handled is None or update_id in self._handled

    def unanswered_queries(self) -> list[str]:
        """Ids of callback queries the bot never answered (Telegram shows a spinner until it does)."""
        return [query_id for query_id, query in self._queries.items() if not query.answered]

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every accepted ``method`` call addressed to ``chat_id``."""
        return [c.params for c in self.calls
                if c.method == method and str(c.params.get("chat_id")) == str(chat_id)]

    def calls_for(self, chat_id: int) -> list[Call]:
        """Every accepted call concerning ``chat_id``, callback answers included."""
        return [c for c in self.calls if c.chat_id == chat_id]

    def commands(self, scope: str | dict[str, Any] | None = None,
                 language_code: str | None = None) -> list[dict[str, str]]:
        """The command menu stored for ``scope`` (a type name or BotCommandScope) and language."""
        return self._menus.get(self._menu_key({"type": scope} if isinstance(scope, str) else scope,
                                              language_code), [])

    async def wait_for(self, chat_id: int, count: int = 1, method: str = "sendMessage",
                       timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` such calls reached ``chat_id``; return them."""
        await self._settle(chat_id, lambda: len(self.sent_to(chat_id, method)) >= count,
                           f"{count} x {method}", 0.0, timeout)
        return self.sent_to(chat_id, method)

    async def idle(self, settle: float | None = None, timeout: float | None = None) -> None:
        """Wait until every queued update was fetched and no call was made for ``settle`` seconds."""
        await self._settle(None, lambda: not self._unfetched, "idle", settle, timeout)

    async def _settle(self, chat: int | None, ready: Callable[[], bool], what: str,
                      settle: float | None = None, timeout: float | None = None) -> None:
        """Wait for ``ready()``, no call in flight for ``chat`` (None: any) and ``settle`` s of silence."""
        settle = self.settle if settle is None else settle
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.timeout if timeout is None else timeout)
        while True:
            now, wake = loop.time(), deadline
            if ready() and not self._inflight[chat]:
                if now >= self._active_at[chat] + settle:
                    return
                wake = min(wake, self._active_at[chat] + settle)
            if now >= deadline:
                calls = [(c.method, {k: v for k, v in c.params.items() if k != "reply_markup"})
                         for c in self.calls if chat is None or c.chat_id == chat]
                raise AssertionError(f"{what}: no complete reaction by the bot before the timeout; "
                                     f"calls: {calls}; errors: {self.errors}")
            self._activity.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._activity.wait(), max(wake - now, 0.001))

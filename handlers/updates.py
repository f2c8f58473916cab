"""Updates of one chat are handled one after another; different chats run concurrently; a person
over the flood limit is turned away at the door, before their update waits for anything."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

UNBOUNDED = 2**31 - 1
"""PTB's own limit would count updates still waiting for their chat; ours counts running ones only."""
Screen = Callable[[object], Awaitable[bool]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Keeps a kader's taps and typed answers in the order they were sent, so that "3" then "2"
    answer two questions in that order, while hundreds of kader are served at once.

    A flood from one chat neither holds a slot of the concurrency limit while it waits for its own
    chat, nor (with a ``screen``) gets that far: the screen drops it first.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(UNBOUNDED)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.screen: Screen | None = None
        """Decides first whether the update is handled at all (flood control); False drops it."""
        self.finished: Callable[[object], None] | None = None
        """Called after each update has been handled, errors included (tests and metrics use it)."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` after the chat's earlier updates, unless the screen drops it."""
        try:
            if self.screen is not None and not await self.screen(update):
                if isinstance(coroutine, Coroutine):
                    coroutine.close()  # never started: nothing was read or written
                return
            await self._in_order(update, coroutine)
        finally:
            if self.finished is not None:
                self.finished(update)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

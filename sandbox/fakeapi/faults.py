"""Fault injection: queued failures, blocked chats, random 500s, rate limits and network faults."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

from aiohttp import web

from sandbox.fakeapi.model import BotApiError
from sandbox.fakeapi.state import FAULT_KINDS, State

BAD_GATEWAY_PAGE = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                    "</body>\r\n</html>\r\n")


class Faults(State):
    """The failures a test or the sandbox injects, on top of the refusals Telegram itself gives."""

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        """Make the next call of ``method`` fail with this error (queued, one per call)."""
        self._fail[method].append(BotApiError(description, status, retry_after, injected=True))

    def block(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """From now on every send to ``chat_id`` answers 403 with ``description`` (blocked, deactivated…)."""
        self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        """The user unblocked the bot: sends to ``chat_id`` work again."""
        self._blocked.pop(chat_id, None)

    def _limit(self, chat: int | None) -> None:
        """A send's injected fault, if any: a blocked chat, a random 500, or a 429 over the rate limits."""
        if chat in self._blocked:
            raise BotApiError(self._blocked[chat], 403, injected=True)
        if self.fail_share and self._random.random() < self.fail_share:
            raise BotApiError("Internal Server Error", 500, injected=True)
        now = asyncio.get_running_loop().time()
        while self._send_times and self._send_times[0] <= now - 1.0:
            self._send_times.popleft()
        if self.rate_limit is not None and len(self._send_times) >= self.rate_limit:
            raise BotApiError("Too Many Requests: retry after 1", 429, 1, injected=True)
        last = self._chat_sent.get(chat) if chat is not None else None
        if self.chat_interval is not None and last is not None and now - last < self.chat_interval:
            wait = max(1, math.ceil(self.chat_interval - (now - last)))
            raise BotApiError(f"Too Many Requests: retry after {wait}", 429, wait, injected=True)
        self._send_times.append(now)
        if chat is not None:
            self._chat_sent[chat] = now

    async def _network_fault(self, method: str) -> str | None:
        """Draw this call's injected fault (``fault_share``, ``fault_mix``); "slow" waits here and
        lets the call through, so it returns None for it."""
        if not self.fault_share or (method == "getUpdates" and not self.fault_get_updates):
            return None
        if self._fault_random is None:
            self._fault_random = random.Random(self.fault_seed)
        draw = self._fault_random
        if draw.random() >= self.fault_share:
            return None
        kinds = [k for k in FAULT_KINDS if self.fault_mix.get(k, 0) > 0]
        if not kinds:
            return None
        kind = draw.choices(kinds, weights=[self.fault_mix[k] for k in kinds])[0]
        self.fault_counts[kind] += 1
        if kind != "slow":
            return kind
        delay = draw.uniform(0.0, self.fault_slow_max)
        self.faults.append(f"{method}: slow reply ({delay:.1f} s)")
        await asyncio.sleep(delay)
        return None

    def _faulty_reply(self, request: web.Request, method: str, kind: str) -> web.Response:
        """The answer (or silence) of an injected fault; the call has no effect."""
        if kind == "drop":
            self.faults.append(f"{method}: connection dropped without an answer")
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never written: the connection is gone
        if kind == "http_502":
            self.faults.append(f"{method}: 502 Bad Gateway (HTML from a proxy)")
            return web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")
        if kind == "http_429":
            wait = self.fault_retry_after
            error = BotApiError(f"Too Many Requests: retry after {wait}", 429, wait, injected=True)
        else:
            error = BotApiError("Internal Server Error", 500, injected=True)
        self.faults.append(f"{method}: {error.description}")
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return web.json_response(body, status=error.code)

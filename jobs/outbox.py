"""The outbox sender: delivers queued bulk messages (reminders, digests) at a steady rate, at most once.

Each outbox row is one Telegram message; its payload says which (:data:`Payload`, in ``app.outbox``;
quiet hours and what an error means are in ``jobs.delivery``). The sender keeps to ``max_per_second``
overall (evenly spaced: no burst) and one message per ``per_chat_interval_seconds`` per chat, counted
from the previous answer, so Telegram never sees two closer than that. A chat's rows go out in queue
order. Nothing new starts in quiet hours.

Failures: a 429 pauses the whole sender for its ``retry_after`` (Telegram's flood limit is bot-wide)
and does not count as an attempt, up to ``flood_cap`` per row; a 403 (blocked, deactivated, never
started) or "chat not found" retires the row and every pending row of the recipient and marks them
unreachable (``on_unreachable`` tells the caller once); another 400 fails the row at once; other
errors are retried with exponential backoff up to ``max_attempts``.

Delivery is **at most once**. Before its HTTP call a row is claimed in the database ('sending',
attempts + 1); only an answer from Telegram moves it on. A row still 'sending' at start-up was
interrupted by a crash while its fate was unknown: :meth:`OutboxSender.recover` marks it 'failed'
("interrupted: delivery unknown", in the delivery report) rather than sending it again, because a
duplicate digest costs more credibility than a missing one an admin can see. For the same reason a
request that went out but got no answer (a read timeout) is not retried unless ``retry_unknown``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from app.outbox import (
    BASE64,
    DocumentMessage,
    FileMessage,
    Message,
    Payload,
    PhotoMessage,
    Renderer,
    TextMessage,
    enqueue,
    file_data,
    parse_payload,
)
from jobs.delivery import (
    DrainReport,
    Ended,
    Quiet,
    QuietWindow,
    Verdict,
    describe,
    judge,
    retry_after_seconds,
)
from settings import OutboxSettings
from storage.interface import OutboxStore
from storage.records import OutboxItem

log = logging.getLogger(__name__)

__all__ = ["BASE64", "DocumentMessage", "DrainReport", "Ended", "FileMessage", "Message", "OutboxSender",
           "Payload", "PhotoMessage", "Quiet", "QuietWindow", "Renderer", "TextMessage", "UnreachableHook",
           "Verdict", "describe", "enqueue", "file_data", "judge", "parse_payload", "retry_after_seconds"]

UnreachableHook = Callable[[int], Awaitable[None]]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


# --- the sender -----------------------------------------------------------------------------------


class OutboxSender:
    """Drains the outbox; one per process and database (see :meth:`recover`)."""

    def __init__(
        self,
        queue: OutboxStore,
        bot: Bot,
        settings: OutboxSettings,
        *,
        quiet: Quiet | None = None,
        renderer: Renderer | None = None,
        on_unreachable: UnreachableHook | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        concurrency: int = 8,
        flood_cap: int = 5,
        retry_unknown: bool = False,
        batch: int = 500,
    ) -> None:
        self._queue, self._bot, self._settings = queue, bot, settings
        self._quiet, self._renderer, self._on_unreachable = quiet, renderer, on_unreachable
        self._sleep, self._clock = sleep, monotonic
        self._flood_cap, self._retry_unknown, self._batch = flood_cap, retry_unknown, batch
        self._slots = asyncio.Semaphore(concurrency)  # HTTP calls in flight (≤ the bot's connection pool)
        self._lock = asyncio.Lock()  # one drain at a time
        self._turn = asyncio.Lock()  # sends take their rate slots one after another
        self._changed = asyncio.Event()  # a send finished, or stop()/wake()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._busy: set[int] = set()  # chats with a send under way
        self._ready_at: dict[int, float] = {}  # chat → earliest next send (monotonic)
        self._next_slot = 0.0
        self._paused_until = 0.0

    # --- public ---

    async def recover(self) -> int:
        """Call once at start-up, before any drain: rows a crash left 'sending' become 'failed'
        ("interrupted: delivery unknown") and are never sent again; how many."""
        async with self._lock:
            count = await self._queue.recover_interrupted()
        if count:
            log.warning("outbox: %d message(s) interrupted by a crash: failed, delivery unknown", count)
        return count

    async def drain(self, *, now: Clock, until_empty: bool = True) -> DrainReport:
        """Send what is due. ``until_empty``: also wait for retries (backoff) until no row is pending;
        otherwise return once nothing is due now. Either way return when quiet hours begin or on stop()."""
        async with self._lock:
            report = DrainReport(inactive=await self._queue.retire_unreachable())
            self._forget_old_chats()
            async with asyncio.TaskGroup() as tasks:
                report.ended = await self._dispatch(now, until_empty, report, tasks)
            log.log(logging.INFO if report.sent or report.failed or report.inactive else logging.DEBUG,
                    "outbox drained: %s", report)
            return report

    async def run(self, *, now: Clock, poll_seconds: float = 5.0) -> None:
        """Recover, then drain what is due every ``poll_seconds`` (or on wake()) until stop()."""
        await self.recover()
        while not self._stopping.is_set():
            try:
                await self.drain(now=now, until_empty=False)
            except Exception:  # a database hiccup must not end the sender; the rows wait in the outbox
                log.exception("outbox: drain failed; trying again in %.0f s", poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), poll_seconds)
            self._wakeup.clear()

    def as_job(self, *, now: Clock) -> Callable[[Any], Awaitable[None]]:
        """A JobQueue callback that drains what is due (for ``run_repeating``; recover() first)."""
        async def drain_due(_context: Any) -> None:
            await self.drain(now=now, until_empty=False)

        return drain_due

    def wake(self) -> None:
        """New rows were queued: let run() drain now rather than at its next poll."""
        self._wakeup.set()
        self._changed.set()

    def stop(self) -> None:
        """For good: start no new send; sends under way finish, then drain() and run() return."""
        self._stopping.set()
        self.wake()

    # --- dispatching ---

    async def _dispatch(self, now: Clock, until_empty: bool, report: DrainReport,
                        tasks: asyncio.TaskGroup) -> Ended:
        """Start a send for every chat that may have one, wait for the next chance, until done."""
        while True:
            self._changed.clear()
            if ended := self._halted(now):
                return ended
            await self._sit_out_flood()
            due = await self._queue.due(now(), self._batch)
            ready = [item for item in due if self._chat_ready(item.chat_id)]
            for item in ready:
                if self._halted(now):
                    break
                await self._slots.acquire()
                self._busy.add(item.chat_id)
                tasks.create_task(self._deliver(item, now, report))
            if ready:
                continue
            wait = self._gated(due)
            if wait is None and not self._busy:
                if not until_empty:
                    return "nothing_due"
                next_at = await self._queue.next_attempt_at()
                if next_at is None:
                    return "empty"
                if self._quiet is not None and self._quiet.contains(next_at):
                    return "quiet"
                wait = max((next_at - now()).total_seconds(), 0.0)
            await self._wait(wait)

    def _halted(self, now: Clock) -> Ended | None:
        """Why no new send may start now, if one may not."""
        if self._stopping.is_set():
            return "stopped"
        if self._quiet is not None and self._quiet.contains(now()):
            return "quiet"
        return None

    def _chat_ready(self, chat_id: int) -> bool:
        """No send under way to the chat, and its interval since the last one has passed."""
        return chat_id not in self._busy and self._ready_at.get(chat_id, 0.0) <= self._clock()

    def _gated(self, due: list[OutboxItem]) -> float | None:
        """Seconds until the first due chat that waits only for its interval is ready; None if none."""
        waits = [self._ready_at[item.chat_id] - self._clock() for item in due
                 if item.chat_id not in self._busy and item.chat_id in self._ready_at]
        return max(min(waits), 0.0) if waits else None

    async def _wait(self, seconds: float | None) -> None:
        """Until a send finishes (or stop/wake), or ``seconds`` pass."""
        waiters = {asyncio.ensure_future(self._changed.wait())}
        if seconds is not None:
            waiters.add(asyncio.ensure_future(self._sleep(seconds)))
        _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()

    def _forget_old_chats(self) -> None:
        """Drop per-chat intervals that have passed."""
        clock = self._clock()
        self._ready_at = {chat: at for chat, at in self._ready_at.items() if at > clock}

    # --- pacing ---

    async def _sit_out_flood(self) -> None:
        """Wait out a 429's pause."""
        while (left := self._paused_until - self._clock()) > 0:
            await self._sleep(left)

    async def _take_turn(self) -> None:
        """Wait for the next overall rate slot (evenly spaced, no burst), and for any flood pause."""
        async with self._turn:
            while True:
                await self._sit_out_flood()
                slot = max(self._next_slot, self._clock())
                self._next_slot = slot + 1.0 / self._settings.max_per_second
                if (gap := slot - self._clock()) > 0:
                    await self._sleep(gap)
                if self._paused_until <= self._clock():
                    return

    def _pause(self, seconds: float, report: DrainReport) -> None:
        """Pause every send for ``seconds`` from now (Telegram's flood limit is bot-wide)."""
        clock = self._clock()
        until = max(self._paused_until, clock + seconds)
        report.waited_seconds += until - max(self._paused_until, clock)
        self._paused_until = until

    # --- one row ---

    async def _deliver(self, item: OutboxItem, now: Clock, report: DrainReport) -> None:
        """Send one row, then free its chat (for the interval) and its slot."""
        try:
            await self._attempt(item, now, report)
        finally:
            self._busy.discard(item.chat_id)
            self._ready_at[item.chat_id] = self._clock() + self._settings.per_chat_interval_seconds
            self._slots.release()
            self._changed.set()

    async def _attempt(self, item: OutboxItem, now: Clock, report: DrainReport) -> None:
        """Validate and render, wait for a slot, claim, call Telegram, record the outcome."""
        try:
            payload = parse_payload(item.payload)
        except ValidationError as error:
            if await self._claim(item, report):
                await self._give_up(item, f"invalid payload: {describe(error)}", report)
            return
        try:
            data = await self._content(item, payload)
        except Exception as error:  # a renderer or file problem: retried like a send
            log.warning("outbox row %d: cannot prepare its file", item.id, exc_info=True)
            if await self._claim(item, report):
                await self._failed(item, f"render: {describe(error)}", now, report)
            return
        await self._take_turn()
        if self._halted(now) or not await self._claim(item, report):
            return
        try:
            await self._call(item.chat_id, payload, data)
        except TelegramError as error:
            await self._on_error(item, error, now, report)
            return
        await self._queue.complete(item.id, now())
        report.sent += 1

    async def _claim(self, item: OutboxItem, report: DrainReport) -> bool:
        """Claim the row before its HTTP call; False if it is not ours to send."""
        claim = await self._queue.claim(item.id, item.attempts)
        report.inactive += claim == "inactive"
        return claim == "claimed"

    async def _content(self, item: OutboxItem, payload: Message) -> bytes | None:
        """The file to upload: rendered from ``ref``, decoded from base64 or read from a path."""
        if isinstance(payload, TextMessage):
            return None
        if payload.ref is not None:
            if self._renderer is None:
                raise LookupError(f"no renderer for {item.kind!r}")
            if inspect.iscoroutinefunction(self._renderer):
                return await self._renderer(item.kind, payload)
            rendered = await asyncio.to_thread(self._renderer, item.kind, payload)  # off the event loop
            return await rendered if inspect.isawaitable(rendered) else rendered
        assert payload.file is not None
        if payload.file.startswith(BASE64):
            return base64.b64decode(payload.file.removeprefix(BASE64), validate=True)
        return await asyncio.to_thread(Path(payload.file).read_bytes)

    async def _call(self, chat_id: int, payload: Message, data: bytes | None) -> None:
        """The Bot API call the payload asks for."""
        extra: dict[str, Any] = {}
        if payload.disable_notification is not None:
            extra["disable_notification"] = payload.disable_notification
        if payload.reply_markup is not None:
            extra["reply_markup"] = InlineKeyboardMarkup.de_json(payload.reply_markup, self._bot)
        if payload.parse_mode is not None:
            extra["parse_mode"] = payload.parse_mode
        if isinstance(payload, TextMessage):
            await self._bot.send_message(chat_id, payload.text, **extra)
        elif isinstance(payload, PhotoMessage):
            await self._bot.send_photo(chat_id, data or b"", caption=payload.caption, **extra)
        else:
            await self._bot.send_document(chat_id, data or b"", filename=payload.filename,
                                          caption=payload.caption, **extra)

    # --- outcomes ---

    async def _on_error(self, item: OutboxItem, error: TelegramError, now: Clock,
                        report: DrainReport) -> None:
        """Record a refused or failed call as its kind of error demands."""
        verdict, text = judge(error), describe(error)
        if verdict == "flood":
            await self._flooded(item, retry_after_seconds(error), text, now, report)
        elif verdict == "unreachable":
            await self._unreachable(item, text, now, report)
        elif verdict == "final" or (verdict == "unknown" and not self._retry_unknown):
            await self._give_up(item, text if verdict == "final" else f"{text}: delivery unknown", report)
        else:
            await self._failed(item, text, now, report)

    async def _flooded(self, item: OutboxItem, seconds: float, text: str, now: Clock,
                       report: DrainReport) -> None:
        """A 429: pause everything, retry the row after the wait without counting it (up to the cap)."""
        report.throttled += 1
        self._pause(seconds, report)
        log.warning("outbox: 429 from Telegram, pausing %.1f s", seconds)
        if await self._queue.throttle(item.id, text, now() + timedelta(seconds=seconds), self._flood_cap):
            report.retried += 1
        else:
            await self._failed(item, text, now, report, at_least=seconds)

    async def _failed(self, item: OutboxItem, text: str, now: Clock, report: DrainReport,
                      at_least: float = 0.0) -> None:
        """A counted failed attempt: back off and retry, or give up after ``max_attempts``."""
        attempts = item.attempts + 1
        if attempts >= self._settings.max_attempts:
            await self._give_up(item, text, report)
            return
        backoff = self._settings.backoff_seconds * 2 ** (attempts - 1)
        delay = max(min(backoff, self._settings.backoff_cap_seconds), at_least)
        await self._queue.retry(item.id, text, now() + timedelta(seconds=delay))
        report.retried += 1

    async def _give_up(self, item: OutboxItem, text: str, report: DrainReport) -> None:
        """The row will not be tried again."""
        log.warning("outbox row %d (%s %s → person %d) failed: %s", item.id, item.kind, item.period,
                    item.recipient_id, text)
        await self._queue.give_up(item.id, text)
        report.failed += 1

    async def _unreachable(self, item: OutboxItem, text: str, now: Clock, report: DrainReport) -> None:
        """Retire the recipient's rows, mark them unreachable, tell the caller once."""
        newly, retired = await self._queue.mark_unreachable(item.id, text, now())
        report.inactive += retired
        if not newly:
            return
        log.info("outbox: person %d is unreachable (%s)", item.recipient_id, text)
        if self._on_unreachable is not None:
            try:
                await self._on_unreachable(item.recipient_id)
            except Exception:  # the admins' notice must not stop the broadcast
                log.exception("outbox: on_unreachable(%d) failed", item.recipient_id)

"""The outbox sender's sustained rate against the fake Bot API with Telegram's limits switched on.

The fake answers 429 to a send above 30 per second bot-wide or closer than 1 s to the previous one in the
same chat. The sender, configured for 25/s, should reach close to 25/s and get no 429. The baseline, in
the same run, sends the same messages with plain Bot API calls as fast as they go (what a loop over
``bot.send_message`` does): its 429s are what the sender's pacing avoids.

Run with ``python -m benchmarks.bench_outbox``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest

from jobs.outbox import OutboxSender, TextMessage, enqueue
from sandbox.fakeapi import FakeBotApi
from settings import OutboxSettings
from storage.convert import from_db_time, utc_now
from storage.repository import Repository
from storage.sqlite.database import Database

TELEGRAM_RATE, TELEGRAM_CHAT_INTERVAL = 30, 1.0


def _new_bot(api: FakeBotApi) -> Bot:
    """A real Bot API client pointed at the fake, with a pool for concurrent sends."""
    return Bot("123:BENCH", base_url=f"{api.base_url}/bot", request=HTTPXRequest(connection_pool_size=16))


def _peak_per_second(times: list[float]) -> int:
    """The most sends in any one-second window."""
    times = sorted(times)
    peak, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def _rate(times: list[float]) -> float:
    """Sends per second from the first to the last."""
    return (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else 0.0


async def _sender_run(api: FakeBotApi, path: Path, messages: int, chats: int,
                      settings: OutboxSettings) -> dict[str, Any]:
    """Queue ``messages`` over ``chats`` (a chat's messages together), drain, measure."""
    db = await Database.open(path)
    try:
        repo = Repository(db)
        people = [await repo.people.add(f"Kontak {n}", "agency") for n in range(chats)]
        for person in people:
            api.user(10_000 + person.id)
        for n in range(messages):
            person = people[n * chats // messages]
            await enqueue(repo.outbox, f"bench:{n}", "2026-W49", person.id, 10_000 + person.id,
                          TextMessage(text=f"Pesan {n}"))
        async with _new_bot(api) as bot:
            sender = OutboxSender(repo.outbox, bot, settings)
            started = time.perf_counter()
            report = await sender.drain(now=utc_now)
            seconds = time.perf_counter() - started
        rows = await db.conn.execute_fetchall(
            "SELECT created_at, sent_at FROM outbox WHERE status = 'sent'")
    finally:
        await db.close()
    latencies = sorted((_at(r["sent_at"]) - _at(r["created_at"])) for r in rows)
    times = [c.at for c in api.calls if c.method == "sendMessage"]
    return {"sent": report.sent, "failed": report.failed, "drain_seconds": round(seconds, 2),
            "rate_per_second": round(_rate(times), 2), "peak_in_any_second": _peak_per_second(times),
            "min_gap_same_chat_s": round(_min_chat_gap(api), 3),
            "http_429": sum("Too Many Requests" in fault for fault in api.faults),
            "sender_saw_429": report.throttled, "waited_seconds": report.waited_seconds,
            "enqueue_to_sent_p50_s": round(statistics.median(latencies), 2),
            "enqueue_to_sent_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 2)}


def _at(text: str) -> float:
    """A stored timestamp as seconds."""
    return from_db_time(text).timestamp()


def _min_chat_gap(api: FakeBotApi) -> float:
    """The shortest time between two accepted sends to the same chat."""
    last: dict[int | None, float] = {}
    gaps = []
    for call in sorted((c for c in api.calls if c.method == "sendMessage"), key=lambda c: c.at):
        if call.chat_id in last:
            gaps.append(call.at - last[call.chat_id])
        last[call.chat_id] = call.at
    return min(gaps) if gaps else float("inf")


async def _naive_run(api: FakeBotApi, messages: int, chats: int) -> dict[str, Any]:
    """The baseline: every message sent at once, 16 at a time, no pacing; 429s counted, not retried."""
    for chat in range(chats):
        api.user(20_000 + chat)
    limit = asyncio.Semaphore(16)
    throttled = 0

    async def send(n: int) -> None:
        nonlocal throttled
        async with limit:
            try:
                await bot.send_message(20_000 + n * chats // messages, f"Pesan {n}")
            except RetryAfter:
                throttled += 1

    async with _new_bot(api) as bot:
        started = time.perf_counter()
        await asyncio.gather(*(send(n) for n in range(messages)))
        seconds = time.perf_counter() - started
    return {"naive_seconds": round(seconds, 2), "naive_http_429": throttled,
            "naive_delivered": messages - throttled}


async def _bench(messages: int, chats: int) -> dict[str, Any]:
    """Both runs, each against its own fake with the limits on."""
    settings = OutboxSettings()  # the shipped defaults: 25/s, 1 s per chat
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-") as tmp:
        api = await FakeBotApi.start(rate_limit=TELEGRAM_RATE, chat_interval=TELEGRAM_CHAT_INTERVAL)
        try:
            figures = await _sender_run(api, Path(tmp) / "outbox.db", messages, chats, settings)
        finally:
            await api.stop()
    api = await FakeBotApi.start(rate_limit=TELEGRAM_RATE, chat_interval=TELEGRAM_CHAT_INTERVAL)
    try:
        naive = await _naive_run(api, messages, chats)
    finally:
        await api.stop()
    return {"messages": messages, "chats": chats, "configured_per_second": settings.max_per_second,
            **figures, "ideal_p50_s": round(messages / settings.max_per_second / 2, 2), **naive}


def bench_outbox(messages: int = 600, chats: int = 200) -> dict[str, Any]:
    """The sender's sustained rate, 429s and enqueue-to-sent times against the rate-limited fake."""
    logging.getLogger("jobs.outbox").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(_bench(messages, chats))


if __name__ == "__main__":
    for name, value in bench_outbox().items():
        print(f"  {name:<24} {value}")

"""The outbox sender against the real Bot API client over loopback, with a virtual clock for its waits."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from jobs.outbox import (
    DocumentMessage,
    FileMessage,
    OutboxSender,
    PhotoMessage,
    QuietWindow,
    TextMessage,
    enqueue,
    file_data,
    judge,
    parse_payload,
)
from sandbox.fakeapi import FakeBotApi
from settings import OutboxSettings
from storage.convert import utc_now
from storage.interface import OutboxStore
from storage.records import INTERRUPTED, UNREACHABLE, Person
from storage.repository import Repository
from storage.sqlite.database import Database

WITA = ZoneInfo("Asia/Makassar")
MONDAY_0900 = datetime(2026, 11, 30, 9, 0, tzinfo=WITA)
PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 50
QUIET = QuietWindow(time(21, 0), time(7, 0), WITA)
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*timedelta")  # PTB 22 reads it on a 429


@dataclass
class VirtualTime:
    """A clock whose sleeps return at once and move it on: backoffs of minutes take no time."""

    at: datetime = MONDAY_0900
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        """The wall clock."""
        return self.at

    def monotonic(self) -> float:
        """The pacing clock."""
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        """Move on ``seconds`` at once."""
        self.sleeps.append(seconds)
        self.move(seconds)
        await asyncio.sleep(0)

    def move(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.at += timedelta(seconds=seconds)
        self.elapsed += seconds


@dataclass
class World:
    """The fake Bot API, a database on the virtual clock, and a real Bot pointed at the fake."""

    api: FakeBotApi
    db: Database
    repo: Repository
    bot: Bot
    clock: VirtualTime
    unreachable: list[int] = field(default_factory=list)

    @property
    def queue(self) -> OutboxStore:
        """The outbox, reached through the repository like every other table."""
        return self.repo.outbox

    def sender(self, *, real_time: bool = False, quiet: QuietWindow | None = None, renderer: Any = None,
               **settings: Any) -> OutboxSender:
        """A sender with fast test settings (backoff 5 s doubling to 60 s, 4 attempts)."""
        options = dict(max_per_second=25.0, per_chat_interval_seconds=1.0, max_attempts=4,
                       backoff_seconds=5.0, backoff_cap_seconds=60.0) | settings
        timing = {} if real_time else {"sleep": self.clock.sleep, "monotonic": self.clock.monotonic}
        return OutboxSender(self.queue, self.bot, OutboxSettings(**options), quiet=quiet,
                            renderer=renderer, on_unreachable=self._told, **timing)

    async def _told(self, person_id: int) -> None:
        self.unreachable.append(person_id)

    async def person(self, name: str = "Siti") -> Person:
        """An agency contact with a chat the bot may write to (chat id 100 + person id)."""
        person = await self.repo.people.add(name, "agency", agency_code="DINSOS")
        self.api.user(chat(person))
        return person

    async def text(self, person: Person, kind: str = "digest", text: str = "Ringkasan minggu ini",
                   period: str = "2026-W49") -> bool:
        """Queue a text message to ``person``."""
        return await enqueue(self.repo.outbox, kind, period, person.id, chat(person), TextMessage(text=text))

    async def drain(self, sender: OutboxSender, **options: Any) -> Any:
        """Drain on the virtual clock."""
        return await sender.drain(now=self.clock.now, **options)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """A fresh world; people get chat ids 100 + their id."""
    api = await FakeBotApi.start()
    clock = VirtualTime()
    db = await Database.open(tmp_path / "tangguh.db", clock=clock.now)
    bot = Bot("123:TEST", base_url=f"{api.base_url}/bot", request=HTTPXRequest(connection_pool_size=16))
    async with bot:
        world = World(api, db, Repository(db), bot, clock)
        yield world
    await world.db.close()
    await api.stop()


def chat(person: Person) -> int:
    """The person's chat id in these tests."""
    return 100 + person.id


async def people(world: World, count: int) -> list[Person]:
    """``count`` agency contacts."""
    return [await world.person(f"Kontak {n}") for n in range(count)]


def sends(world: World) -> list[Any]:
    """Every accepted send (the bot's getMe left out)."""
    return [c for c in world.api.calls if c.method.startswith("send")]


def texts(world: World, person: Person) -> list[str]:
    """The texts the fake delivered to ``person``."""
    return [str(p["text"]) for p in world.api.sent_to(chat(person))]


# --- rates ----------------------------------------------------------------------------------------


async def test_thirty_messages_to_ten_chats_keep_both_rates(tmp_path: Path) -> None:
    api = await FakeBotApi.start(rate_limit=30, chat_interval=1.0)  # Telegram's limits: 429 above them
    db = await Database.open(tmp_path / "tangguh.db")
    bot = Bot("123:TEST", base_url=f"{api.base_url}/bot", request=HTTPXRequest(connection_pool_size=16))
    try:
        async with bot:
            world = World(api, db, Repository(db), bot, VirtualTime())
            contacts = await people(world, 10)
            for n in range(3):
                for person in contacts:
                    assert await world.text(person, kind=f"reminder:{n}", text=f"Pesan {n}")
            sender = world.sender(real_time=True, max_per_second=10.0)
            report = await sender.drain(now=utc_now)
    finally:
        await db.close()
        await api.stop()
    assert (report.sent, report.failed, report.throttled) == (30, 0, 0)
    assert api.faults == [] and api.errors == []
    for person in contacts:
        assert texts(world, person) == ["Pesan 0", "Pesan 1", "Pesan 2"]  # once each, in queue order
        times = [c.at for c in api.calls_for(chat(person))]
        assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))
    times = sorted(c.at for c in api.calls if c.method == "sendMessage")
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 10 + 1  # 10/s evenly spaced; one more for the jitter of loopback arrival
    assert times[-1] - times[0] >= 2.0  # 3 messages per chat take 2 s at least


async def test_sends_are_evenly_spaced_without_a_burst(world: World) -> None:
    contacts = await people(world, 20)
    for person in contacts:
        await world.text(person)
    await world.drain(world.sender(max_per_second=5.0))
    assert len(sends(world)) == 20
    assert world.clock.elapsed >= 19 / 5.0  # 20 sends at 5/s: 3.8 s of the sender's clock


# --- failures -------------------------------------------------------------------------------------


async def test_429_pauses_the_sender_for_retry_after_then_sends_once(world: World) -> None:
    siti = await world.person()
    await world.text(siti)
    world.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    report = await world.drain(world.sender())
    assert max(world.clock.sleeps) >= 2
    assert texts(world, siti) == ["Ringkasan minggu ini"]
    assert (report.sent, report.throttled, report.retried, report.waited_seconds) == (1, 1, 1, 2.0)
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.attempts) == ("sent", 1)  # a 429 is no attempt


async def test_429s_count_as_attempts_beyond_the_cap(world: World) -> None:
    siti = await world.person()
    await world.text(siti)
    for _ in range(6):
        world.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    sender = OutboxSender(world.queue, world.bot, OutboxSettings(max_attempts=2, backoff_seconds=5),
                          sleep=world.clock.sleep, monotonic=world.clock.monotonic, flood_cap=2)
    report = await world.drain(sender)
    item = await world.queue.get(1)
    assert item is not None and item.status == "failed" and item.attempts == 2
    assert report.throttled == 4 and "Flood control exceeded" in (item.last_error or "")


async def test_500_then_success_is_sent_on_the_second_attempt(world: World) -> None:
    siti = await world.person()
    await world.text(siti)
    world.api.fail_next("sendMessage", 500, "Internal Server Error")
    report = await world.drain(world.sender())
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.attempts) == ("sent", 2)
    assert "Internal Server Error" in (item.last_error or "")
    assert 5.0 in world.clock.sleeps and (report.sent, report.retried) == (1, 1)
    assert texts(world, siti) == ["Ringkasan minggu ini"]


async def test_attempts_exhausted_fail_with_the_last_error_after_capped_backoff(world: World) -> None:
    siti = await world.person()
    await world.text(siti)
    for n in range(4):
        world.api.fail_next("sendMessage", 502, f"Bad Gateway {n}")
    report = await world.drain(world.sender(max_attempts=4, backoff_seconds=5.0, backoff_cap_seconds=8.0))
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.attempts) == ("failed", 4)
    assert item.last_error == "NetworkError: Bad Gateway 3" and item.next_attempt_at is None
    assert [s for s in world.clock.sleeps if s >= 1] == [5.0, 8.0, 8.0]  # 5, 10 → 8, 20 → 8
    assert (report.sent, report.failed, report.retried) == (0, 1, 3)
    assert texts(world, siti) == [] and len(world.api.faults) == 4


async def test_a_bad_request_fails_at_once(world: World) -> None:
    siti = await world.person()
    await enqueue(world.repo.outbox, "digest", "2026-W49", siti.id, chat(siti),
                  TextMessage(text="<b>tidak ditutup", parse_mode="HTML"))
    report = await world.drain(world.sender())
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.attempts) == ("failed", 1)
    assert "can't parse entities" in (item.last_error or "").lower() and report.failed == 1


async def test_403_retires_the_recipient_and_tells_the_caller_once(world: World) -> None:
    ani, budi = await world.person("Ani"), await world.person("Budi")
    world.api.block(chat(ani))
    for person in (ani, budi):
        await enqueue(world.repo.outbox, "digest:text", "2026-W49", person.id, chat(person),
                      TextMessage(text="Teks"))
        await enqueue(world.repo.outbox, "digest:chart", "2026-W49", person.id, chat(person),
                      PhotoMessage(file=file_data(PNG), caption="Grafik"))
    report = await world.drain(world.sender())
    assert (report.sent, report.inactive, report.failed) == (2, 2, 0)
    assert world.api._attempts[chat(ani)] == 1  # her second row was never tried
    assert world.unreachable == [ani.id] and await world.queue.unreachable_since(ani.id) is not None
    assert len(world.api.sent_to(chat(budi))) == 1 and len(world.api.sent_to(chat(budi), "sendPhoto")) == 1

    summary = await world.queue.report("digest", "2026-W49")
    assert summary.counts == {"pending": 0, "sending": 0, "sent": 2, "failed": 0, "inactive": 2}
    assert [(r.name, r.last_error) for r in summary.unreachable] == [("Ani", UNREACHABLE)]
    assert summary.failed == [] and summary.total == 4
    assert await world.queue.last_period("digest") == "2026-W49"

    await world.text(ani, kind="reminder", period="2026-11-30")  # queued later: retired, not sent
    again = await world.drain(world.sender())
    assert (again.inactive, again.sent, world.unreachable) == (1, 0, [ani.id])
    assert world.api._attempts[chat(ani)] == 1

    assert await world.queue.mark_reachable(ani.id)  # she pressed Start again
    world.api._blocked.pop(chat(ani))
    await world.text(ani, kind="reminder", period="2026-12-01")
    assert (await world.drain(world.sender())).sent == 1


async def test_chat_not_found_is_unreachable_too(world: World) -> None:
    ghost = await world.repo.people.add("Hantu", "agency")  # no chat with the bot
    await enqueue(world.repo.outbox, "digest", "2026-W49", ghost.id, chat(ghost), TextMessage(text="Halo"))
    report = await world.drain(world.sender())
    assert report.inactive == 1 and world.unreachable == [ghost.id]


# --- crash safety ---------------------------------------------------------------------------------


class HangingBot:
    """A bot whose call to one chat never comes back: the process dies during it."""

    def __init__(self, bot: Bot, hang_chat: int) -> None:
        self.bot, self.hang_chat, self.hung = bot, hang_chat, asyncio.Event()

    async def send_message(self, chat_id: int, *args: Any, **kwargs: Any) -> Any:
        """Hang for ``hang_chat``, send for the others."""
        if chat_id == self.hang_chat:
            self.hung.set()
            await asyncio.Event().wait()
        return await self.bot.send_message(chat_id, *args, **kwargs)


async def test_a_crash_mid_send_is_never_sent_again(world: World, tmp_path: Path) -> None:
    contacts = await people(world, 3)
    for person in contacts:
        await world.text(person)
    hanging = HangingBot(world.bot, chat(contacts[0]))
    crashed = OutboxSender(world.queue, hanging, OutboxSettings(), sleep=world.clock.sleep,  # type: ignore[arg-type]
                           monotonic=world.clock.monotonic)
    drain = asyncio.create_task(crashed.drain(now=world.clock.now))
    await asyncio.wait_for(hanging.hung.wait(), 5)
    await asyncio.sleep(0.3)  # let the other two go out
    drain.cancel()  # kill -9 during the hanging call
    with pytest.raises(asyncio.CancelledError):
        await drain
    await world.db.close()  # the process is gone

    world.db = await Database.open(tmp_path / "tangguh.db", clock=world.clock.now)
    world.repo = Repository(world.db)
    restarted = world.sender()
    assert await restarted.recover() == 1
    report = await world.drain(restarted)
    assert report.sent == 0 and texts(world, contacts[0]) == []
    assert [texts(world, p) for p in contacts[1:]] == [["Ringkasan minggu ini"]] * 2
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.last_error) == ("failed", INTERRUPTED)
    summary = await world.queue.report("digest", "2026-W49")
    assert summary.counts["sent"] == 2 and [r.person_id for r in summary.failed] == [contacts[0].id]


async def test_a_read_timeout_is_not_retried_but_a_connect_timeout_is() -> None:
    read, connect = TimedOut(), TimedOut()
    read.__cause__, connect.__cause__ = httpx.ReadTimeout("read"), httpx.ConnectTimeout("connect")
    assert (judge(read), judge(connect)) == ("unknown", "retry")
    assert judge(RetryAfter(3)) == "flood"
    assert judge(Forbidden("Forbidden: user is deactivated")) == "unreachable"
    assert judge(BadRequest("Chat not found")) == "unreachable" and judge(BadRequest("x")) == "final"
    assert judge(NetworkError("Bad Gateway")) == "retry"


# --- quiet hours, idempotence, payloads -----------------------------------------------------------


async def test_nothing_starts_in_quiet_hours_then_it_goes_out(world: World) -> None:
    siti = await world.person()
    world.clock.at = datetime(2026, 11, 30, 22, 0, tzinfo=WITA)
    await world.text(siti)
    report = await world.drain(world.sender(quiet=QUIET))
    assert (report.sent, report.ended) == (0, "quiet") and sends(world) == []
    world.clock.at = datetime(2026, 12, 1, 6, 59, tzinfo=WITA)
    assert (await world.drain(world.sender(quiet=QUIET))).sent == 0
    world.clock.at = datetime(2026, 12, 1, 7, 0, tzinfo=WITA)
    assert (await world.drain(world.sender(quiet=QUIET))).sent == 1


async def test_a_retry_due_in_quiet_hours_waits_for_the_morning(world: World) -> None:
    siti = await world.person()
    world.clock.at = datetime(2026, 11, 30, 20, 59, 58, tzinfo=WITA)
    await world.text(siti)
    world.api.fail_next("sendMessage", 500, "Internal Server Error")
    report = await world.drain(world.sender(quiet=QUIET))
    assert (report.sent, report.retried, report.ended) == (0, 1, "quiet")


def test_quiet_window_spans_midnight() -> None:
    at = [datetime(2026, 11, 30, h, m, tzinfo=WITA) for h, m in ((20, 59), (21, 0), (3, 0), (6, 59), (7, 0))]
    assert [QUIET.contains(moment) for moment in at] == [False, True, True, True, False]
    assert QUIET.contains(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # 22:00 WITA
    assert not QuietWindow(time(0, 0), time(0, 0), WITA).contains(at[2])


async def test_queued_twice_is_sent_once(world: World) -> None:
    siti = await world.person()
    assert await world.text(siti)
    assert not await world.text(siti, text="lagi")
    await world.drain(world.sender())
    await world.drain(world.sender())
    assert texts(world, siti) == ["Ringkasan minggu ini"]


async def test_photo_and_document_from_data_path_and_renderer_in_order(world: World, tmp_path: Path) -> None:
    siti = await world.person()
    sheet = tmp_path / "list.xlsx"
    sheet.write_bytes(b"PK\x03\x04 workbook")
    rendered: list[tuple[str, dict[str, Any] | None]] = []

    def render(kind: str, payload: FileMessage) -> bytes:
        rendered.append((kind, payload.ref))
        return b"PK\x03\x04 rendered " + str(payload.ref).encode()

    parts = [("digest:1", TextMessage(text="<b>Dinsos</b>", parse_mode="HTML",
                                      reply_markup={"inline_keyboard": [[{"text": "Buka", "url": "https://x.id"}]]})),
             ("digest:2", PhotoMessage(file=file_data(PNG), caption="Grafik")),
             ("digest:3", DocumentMessage(file=str(sheet), filename="keluarga.xlsx")),
             ("digest:4", DocumentMessage(ref={"agency": "DINSOS"}, filename="dinsos.xlsx",
                                          caption="Daftar"))]
    for kind, payload in parts:
        assert await enqueue(world.repo.outbox, kind, "2026-W49", siti.id, chat(siti), payload)
    report = await world.drain(world.sender(renderer=render))
    assert report.sent == 4 and world.api.errors == []
    messages = world.api.user(chat(siti)).messages
    assert [m.kind for m in messages] == ["text", "photo", "document", "document"]
    assert messages[0].text == "Dinsos" and messages[0].buttons == ["Buka"]
    assert messages[1].file == PNG and messages[2].file == sheet.read_bytes()
    assert messages[3].filename == "dinsos.xlsx" and messages[3].text == "Daftar"
    assert rendered == [("digest:4", {"agency": "DINSOS"})]
    assert world.clock.elapsed >= 3.0  # a second between the messages of one chat


async def test_an_async_renderer_failing_is_retried_then_failed(world: World) -> None:
    siti = await world.person()
    calls = 0

    async def render(kind: str, payload: FileMessage) -> bytes:
        nonlocal calls
        calls += 1
        raise RuntimeError("no data for the chart")

    chart = PhotoMessage(ref={"a": 1})
    await enqueue(world.repo.outbox, "digest:chart", "2026-W49", siti.id, chat(siti), chart)
    report = await world.drain(world.sender(renderer=render, max_attempts=2))
    item = await world.queue.get(1)
    assert item is not None and (item.status, item.attempts, calls) == ("failed", 2, 2)
    assert item.last_error == "render: RuntimeError: no data for the chart" and report.failed == 1


async def test_an_invalid_payload_fails_without_a_call(world: World) -> None:
    siti = await world.person()
    await world.repo.outbox.enqueue("digest", "2026-W49", siti.id, chat(siti), {"method": "sendSticker"})
    report = await world.drain(world.sender())
    item = await world.queue.get(1)
    assert item is not None and item.status == "failed"
    assert (item.last_error or "").startswith("invalid payload")
    assert report.failed == 1 and sends(world) == []


def test_payload_models_validate() -> None:
    assert parse_payload({"method": "sendMessage", "text": "x"}) == TextMessage(text="x")
    with pytest.raises(ValueError, match="exactly one"):
        PhotoMessage(file="a.png", ref={"x": 1})
    with pytest.raises(ValueError, match="inline keyboard"):
        parse_payload({"method": "sendMessage", "text": "x", "reply_markup": {"keyboard": []}})
    with pytest.raises(ValueError):
        parse_payload({"method": "sendDocument", "file": "a.xlsx"})  # no filename
    assert base64.b64decode(file_data(b"abc").removeprefix("base64:")) == b"abc"


# --- running as a task ----------------------------------------------------------------------------


async def test_run_sends_what_is_queued_and_stops(world: World) -> None:
    siti, budi = await world.person("Siti"), await world.person("Budi")
    await world.queue.claim(await _queued(world, siti), 0)  # left 'sending' by an earlier crash
    sender = world.sender(real_time=True)
    task = asyncio.create_task(sender.run(now=world.clock.now, poll_seconds=30))
    await world.text(budi)
    sender.wake()
    await world.api.wait_for(chat(budi), timeout=5)
    sender.stop()
    await asyncio.wait_for(task, 5)
    assert texts(world, siti) == [] and texts(world, budi) == ["Ringkasan minggu ini"]
    item = await world.queue.get(1)
    assert item is not None and item.last_error == INTERRUPTED


async def _queued(world: World, person: Person) -> int:
    """Queue a text for ``person``; its row id."""
    await world.text(person, kind="reminder")
    due = await world.queue.due(world.clock.now() + timedelta(days=1))
    return next(item.id for item in due if item.recipient_id == person.id)

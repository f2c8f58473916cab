"""``python bot.py sandbox``: Tangguh without Telegram, on this computer only.

One process, one event loop: the fake Bot API (``sandbox/fakeapi.py``, on its own loopback port), the
real Tangguh Application polling it over HTTP exactly as in production (its own database file,
``sandbox.db`` beside the configured one, and a movable clock), and the web page of
``sandbox/web.py``. Nothing leaves the machine: every address the bot may call is checked to be
loopback, and the page refuses a non-loopback host unless ``--allow-remote`` is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import shutil
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot import build_application
from handlers.context import SERVICES_KEY, Services
from handlers.updates import PerChatUpdateProcessor
from sandbox import demo
from sandbox.clock import MovableClock, clock_label, next_digest_at, next_reminder_at
from sandbox.fakeapi import BotMessage, FakeBotApi
from settings import Secrets, Settings, SetupError, load_catalog, load_instruments
from storage.records import Person

log = logging.getLogger(__name__)

DATABASE_NAME = "sandbox.db"
FILES_FOLDER = "sandbox-outbox-files"  # the digests' charts and workbooks, apart from the real bot's
OFFSET_FILE = "sandbox-clock.txt"  # how far time travel moved the clock, in seconds, kept over restarts
PLACEHOLDER_TOKEN = "123456:SANDBOX-not-a-Telegram-token"
LOOPBACK_NAMES = {"localhost"}
TICK_JOB = "tangguh-tick"  # bot.py's name for the scheduler's repeating job
POLL_TIMEOUT = 10  # seconds of getUpdates long polling, as in production
SETTLE = 0.01  # the bot reports each handled update, so little silence is needed to call it done
Action = Literal["reminders", "digest"]


class TravelError(Exception):
    """Time travel cannot reach the job (e.g. every reminder time falls in quiet hours); Indonesian."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer only: localhost, 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse to serve the page beyond this computer unless asked explicitly (SetupError, one line)."""
    if not allow_remote and not is_loopback(host):
        raise SetupError(f"--host {host} is not a loopback address: the sandbox serves only this "
                         "computer (127.0.0.1, ::1, localhost); add --allow-remote to open it to the "
                         "network on purpose")


def ensure_loopback_url(url: str) -> str:
    """``url`` if it points at this computer; SetupError otherwise (the sandbox never calls Telegram)."""
    host = urlsplit(url).hostname or ""
    if not is_loopback(host):
        raise SetupError(f"the sandbox bot would call {url}, which is not on this computer; refusing")
    return url


def sandbox_settings(settings: Settings) -> Settings:
    """The configured settings with the sandbox's own database, no nightly backups and no webhook."""
    configured = settings.resolve(settings.database.path)
    path = configured.parent / DATABASE_NAME
    if path == configured:
        raise SetupError(f"database.path is {configured}, the sandbox's own file name; give the real "
                         "database another name")
    update: dict[str, object] = {"database": settings.database.model_copy(update={"path": path})}
    for section in ("backup", "webhook"):  # sections that may not exist in every config
        if (value := getattr(settings, section, None)) is not None and hasattr(value, "enabled"):
            update[section] = value.model_copy(update={"enabled": False})
    return settings.model_copy(update=update)


def reset(settings: Settings) -> None:
    """Delete the sandbox's database (with its journal files) and its outbox files."""
    path = settings.resolve(settings.database.path)
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        name.unlink(missing_ok=True)
    shutil.rmtree(path.parent / FILES_FOLDER, ignore_errors=True)
    (path.parent / OFFSET_FILE).unlink(missing_ok=True)


def _saved_offset(settings: Settings) -> timedelta:
    """How far an earlier session's time travel moved the clock (nothing if it did not)."""
    path = settings.resolve(settings.database.path).parent / OFFSET_FILE
    try:
        return timedelta(seconds=max(float(path.read_text(encoding="utf-8")), 0.0))
    except (OSError, ValueError):
        return timedelta(0)


@dataclass
class Sandbox:
    """The running sandbox; ``await Sandbox.start(settings)`` and ``await sandbox.stop()``."""

    settings: Settings
    api: FakeBotApi
    app: Application
    clock: MovableClock
    seeded: bool = False  # demo data written at this start (a new database)
    _travel: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    async def start(cls, settings: Settings, *, fresh: bool = False,
                    clock: MovableClock | None = None) -> Sandbox:
        """The fake API and the bot, running, with demo data (seeded when the database is new;
        ``fresh``: delete the sandbox's database first; ``clock``: tests start it at a known time)."""
        settings = sandbox_settings(settings)
        if fresh:
            reset(settings)
        instruments, catalog = load_instruments(settings), load_catalog()
        clock = clock or MovableClock()
        clock.move_to(clock() + _saved_offset(settings))  # the database never sees time run backwards
        api = await FakeBotApi.start(clock=clock.timestamp, settle=SETTLE)
        try:
            app = build_application(settings, Secrets(token=PLACEHOLDER_TOKEN, api_base_url=api.base_url),
                                    instruments=instruments, catalog=catalog)
            ensure_loopback_url(app.bot.base_url)
            ensure_loopback_url(app.bot.base_file_url)
            sandbox = cls(settings, api, app, clock)
            await sandbox._run_bot()
        except BaseException:
            await api.stop()
            raise
        try:
            await sandbox._fill()
        except BaseException:
            await sandbox.stop()
            raise
        return sandbox

    async def _run_bot(self) -> None:
        """Start the Application as bot.py's run_polling does, on the sandbox clock and files."""
        app, svc = self.app, self.svc
        app.update_processor.finished = self.api.track_handling()  # type: ignore[attr-defined]
        svc.clock = self.clock
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        assert svc.scheduler is not None
        svc.scheduler.files = self.settings.resolve(self.settings.database.path).parent / FILES_FOLDER
        await app.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()

    async def _fill(self) -> None:
        """Demo data on a new database, else a /start in every chat; then the scheduled tick."""
        assert self.app.job_queue is not None
        jobs = self.app.job_queue.get_jobs_by_name(TICK_JOB)
        for job in jobs:  # no digest or reminder of half-seeded data
            job.enabled = False
        processor = self.app.update_processor
        screen = processor.screen if isinstance(processor, PerChatUpdateProcessor) else None
        if isinstance(processor, PerChatUpdateProcessor):
            processor.screen = None  # the demo script taps faster than any person: no flood control for it
        try:
            people = await self.people()
            if people:
                await demo.greet(self.api, people)
            else:
                await demo.seed(self.api, self.svc)
                self.seeded = True
        finally:
            if isinstance(processor, PerChatUpdateProcessor):
                processor.screen = screen
        assert self.svc.scheduler is not None
        await self.svc.scheduler.tick()  # what is due now goes out now, as at any start of the bot
        for job in jobs:
            job.enabled = True

    async def stop(self) -> None:
        """Stop polling, let updates in hand finish, close the database, stop the fake API."""
        app, svc = self.app, self.svc
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if svc.scheduler is not None:
                svc.scheduler.sender.stop()
            if app.running:
                await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
            await app.shutdown()
        finally:
            await self.api.stop()

    @property
    def svc(self) -> Services:
        """The bot's services."""
        return self.app.bot_data[SERVICES_KEY]

    @property
    def bot_username(self) -> str:
        """The (fake) bot's username, as deep links use it."""
        return self.app.bot.username

    async def people(self) -> list[Person]:
        """Everyone who has joined and is active: admins, coordinators, kader, officials."""
        order = {"admin": 0, "coordinator": 1, "kader": 2, "agency": 3}
        people = [p for p in await self.svc.repository.people.list()
                  if p.active and p.telegram_user_id is not None]
        return sorted(people, key=lambda p: (order.get(p.role, 9), p.id))

    async def travel(self, action: Action) -> str:
        """Move the clock to the next moment ``action`` is due, run the scheduler once and send what
        it queued; an Indonesian summary of who received something."""
        svc, schedule = self.svc, self.settings.schedule
        async with self._travel:
            now = self.clock()
            target = (next_reminder_at(now, schedule, svc.zone) if action == "reminders"
                      else next_digest_at(now, schedule, svc.zone))
            if target is None:
                raise TravelError("Pengingat tidak pernah dikirim: semua jam pengingat jatuh di jam tenang.")
            before = {user.id: self._last_bot_message(user.id) for user in self.api.users()}
            self.clock.move_to(target)
            self._offset_file.write_text(f"{self.clock.offset.total_seconds():.0f}\n", encoding="utf-8")
            log.info("sandbox: clock moved to %s for the %s", target.isoformat(), action)
            assert svc.scheduler is not None
            await svc.scheduler.tick()
            reached = {user.id for user in self.api.users()
                       if self._last_bot_message(user.id) > before.get(user.id, 0)}
            waiting = await svc.scheduler.sender_queue.pending()
        return summary(action, [p for p in await self.people() if p.telegram_user_id in reached], waiting)

    @property
    def _offset_file(self) -> Path:
        return self.settings.resolve(self.settings.database.path).parent / OFFSET_FILE

    def _last_bot_message(self, chat_id: int) -> int:
        shown = [m.message_id for m in self.api.transcript(chat_id) if isinstance(m, BotMessage)]
        return max(shown, default=0)

    def clock_now(self) -> tuple[datetime, str]:
        """The sandbox clock: local time, and as a trainer reads it."""
        now = self.clock().astimezone(self.svc.zone)
        return now, clock_label(now, self.svc.zone)


def summary(action: Action, reached: list[Person], waiting: int) -> str:
    """``Ringkasan mingguan dikirim ke 2 petugas dan 1 admin.``: who received what a job sent."""
    count = {role: sum(p.role == role for p in reached) for role in ("agency", "admin", "kader")}
    parts: list[str] = []
    if count["agency"] or count["admin"]:
        whom = [f"{count['agency']} petugas" if count["agency"] else "", f"{count['admin']} admin"
                if count["admin"] else ""]
        parts.append(f"Ringkasan mingguan dikirim ke {' dan '.join(w for w in whom if w)}.")
    if count["kader"]:
        parts.append(f"Pengingat dikirim ke {count['kader']} kader.")
    if not parts:
        parts.append("Tidak ada kader yang perlu diingatkan." if action == "reminders"
                     else "Tidak ada petugas atau admin yang menerima ringkasan.")
    if waiting:
        parts.append(f"{waiting} pesan menunggu dikirim ulang.")
    return " ".join(parts)


def banner(host: str, port: int) -> str:
    """The first line the sandbox prints: what it is and where to open it, in Indonesian and English."""
    shown = f"[{host}]" if ":" in host else host
    return f"Mode sandbox (tanpa Telegram): buka http://{shown}:{port} — sandbox mode, no Telegram"


def run_sandbox(settings: Settings, *, host: str = "127.0.0.1", port: int = 8080, fresh: bool = False,
                allow_remote: bool = False) -> None:
    """``python bot.py sandbox``: serve until Ctrl-C or SIGTERM; SetupError for a set-up problem."""
    check_host(host, allow_remote)
    if not 1 <= port <= 65535:
        raise SetupError(f"--port {port} is not a port number; use one from 1 to 65535, e.g. 8080")
    asyncio.run(_serve(settings, host, port, fresh))
    print("Sandbox berhenti — sandbox stopped", flush=True)


async def _serve(settings: Settings, host: str, port: int, fresh: bool) -> None:
    from sandbox.web import Slot, serve  # the page's server, imported here: it needs this module

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    slot = Slot()
    async with serve(slot, host, port, allow_remote=not is_loopback(host)):  # the port is taken first
        print(banner(host, port), flush=True)  # the page answers from now on (once ready)
        if not is_loopback(host):
            print(f"Peringatan: halaman sandbox terbuka untuk jaringan di {host} (--allow-remote) — "
                  "warning: the sandbox page is open to the network", flush=True)
        starting = asyncio.ensure_future(Sandbox.start(settings, fresh=fresh))
        halted = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({starting, halted}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # Ctrl-C while the demo data is being written
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return
        halted.cancel()
        sandbox = starting.result()
        slot.fill(sandbox)
        try:
            print(ready_text(sandbox, await sandbox.people()), flush=True)
            await stopping.wait()
        finally:
            await sandbox.stop()


def ready_text(sandbox: Sandbox, people: list[Person]) -> str:
    """What the console shows once the sandbox is ready: the data's origin and the people to try."""
    where = sandbox.settings.resolve(sandbox.settings.database.path)
    lines = [f"Siap. Data contoh {'baru dibuat' if sandbox.seeded else 'dari sesi sebelumnya'} di {where} "
             "(mulai bersih: --reset). Orang-orang di sandbox:"]
    labels = {"admin": "admin", "kader": "kader", "agency": "petugas", "coordinator": "koordinator"}
    lines += [f"  • {p.name} ({labels.get(p.role, p.role)}{', ' + p.agency_code if p.agency_code else ''})"
              for p in people]
    lines.append("Tekan Ctrl-C untuk berhenti — press Ctrl-C to stop.")
    return "\n".join(lines)


"""The sandbox: Tangguh without Telegram, on this computer only (``python bot.py sandbox``).

One process, one event loop: the fake Bot API (``sandbox/fakeapi/``, on its own loopback port),
the real Tangguh Application polling it over HTTP exactly as in production (its own database file,
``sandbox.db`` beside the configured one, and a movable clock), and the web page of
``sandbox/web.py`` (both started by ``sandbox/main.py``). The Application is built by the function
the composition root hands in (bot.py's ``build_application``). Nothing leaves the machine: every
address the bot may call is checked to be loopback, and the page refuses a non-loopback host
unless ``--allow-remote`` is given.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from app.services import SERVICES_KEY, TICK_JOB, Services
from flows.i18n import Catalog
from flows.instrument import Instrument
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
POLL_TIMEOUT = 10  # seconds of getUpdates long polling, as in production
SETTLE = 0.01  # the bot reports each handled update, so little silence is needed to call it done
Action = Literal["reminders", "digest"]


class Build(Protocol):
    """What builds the bot's Application (bot.py's ``build_application``)."""

    def __call__(self, settings: Settings, secrets: Secrets, *, instruments: list[Instrument],
                 catalog: Catalog, clock: Callable[[], datetime], files: Path) -> Application: ...


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
    async def start(cls, settings: Settings, build: Build, *, fresh: bool = False,
                    clock: MovableClock | None = None) -> Sandbox:
        """The fake API and the bot ``build`` makes, running, with demo data (seeded when the
        database is new; ``fresh``: delete the sandbox's database first; ``clock``: tests start it
        at a known time)."""
        settings = sandbox_settings(settings)
        if fresh:
            reset(settings)
        instruments, catalog = load_instruments(settings), load_catalog()
        clock = clock or MovableClock()
        clock.move_to(clock() + _saved_offset(settings))  # the database never sees time run backwards
        api = await FakeBotApi.start(clock=clock.timestamp, settle=SETTLE)
        try:
            files = settings.resolve(settings.database.path).parent / FILES_FOLDER
            app = build(settings, Secrets(token=PLACEHOLDER_TOKEN, api_base_url=api.base_url),
                        instruments=instruments, catalog=catalog, clock=clock, files=files)
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
        """Start the Application as bot.py's run_polling does."""
        app = self.app
        app.update_processor.finished = self.api.track_handling()  # type: ignore[attr-defined]
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
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
        screen = getattr(processor, "screen", None)  # the flood control of bot.py's update processor
        if screen is not None:
            processor.screen = None  # type: ignore[attr-defined]  # the demo script taps faster than a person
        try:
            people = await self.people()
            if people:
                await demo.greet(self.api, people)
            else:
                await demo.seed(self.api, self.svc)
                self.seeded = True
        finally:
            if screen is not None:
                processor.screen = screen  # type: ignore[attr-defined]
        await self._tick()  # what is due now goes out now, as at any start of the bot
        for job in jobs:
            job.enabled = True

    async def stop(self) -> None:
        """Stop polling, let updates in hand finish, close the database, stop the fake API."""
        app = self.app
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
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
            await self._tick()
            reached = {user.id for user in self.api.users()
                       if self._last_bot_message(user.id) > before.get(user.id, 0)}
            waiting = await svc.repository.outbox.pending()
        return summary(action, [p for p in await self.people() if p.telegram_user_id in reached], waiting)

    async def _tick(self) -> None:
        """Run the bot's scheduled work once, now (the job bot.py repeats every half minute)."""
        assert self.app.job_queue is not None
        for job in self.app.job_queue.get_jobs_by_name(TICK_JOB):
            await job.run(self.app)

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


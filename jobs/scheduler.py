"""The bot's scheduled work, decided anew at every tick from the config, the clock and the database
(nothing is kept in memory that a restart could lose): the nightly backup, then, outside quiet hours,
the weekly digest and the kader's reminders (use cases of ``app/``), then draining the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telegram import Bot

from app.digests import WeekQueued, queue_week
from app.outbox import notify_unreachable
from app.reminders import RemindersQueued, queue_reminders
from app.services import Services
from flows.schedule import is_quiet
from jobs.backup import NightlyBackup
from jobs.outbox import OutboxSender, QuietWindow
from telegram_io.text import pack_blocks

Clock = Callable[[], datetime]


class Scheduler:
    """Ticks every half minute: queue what is due, then let the outbox send it."""

    def __init__(self, svc: Services, bot: Bot, *, clock: Clock | None = None,
                 files: Path | None = None) -> None:
        """``clock`` and ``files`` (where digest charts and workbooks wait to be sent) default to the
        services' own clock and files folder."""
        self.svc = svc
        self.clock: Clock = clock if clock is not None else svc.clock
        self.files = files if files is not None else svc.files_folder
        settings = svc.settings
        self.zone = svc.zone
        self.sender = OutboxSender(svc.repository.outbox, bot, settings.outbox,
                                   quiet=QuietWindow.from_settings(settings.schedule.quiet_hours,
                                                                   settings.timezone),
                                   on_unreachable=self._unreachable)
        self.backup = NightlyBackup(svc.repository, settings.backup,
                                    settings.resolve(settings.backup.folder), self.zone)
        self._ticking = asyncio.Lock()  # a tick run at once (/digest send) waits for the one under way

    async def start(self) -> None:
        """Once at start-up: rows a crash left half-sent are settled, never sent twice."""
        await self.sender.recover()

    async def tick(self, _context: object = None) -> None:
        """Queue the digest and reminders that are due (outside quiet hours), then send."""
        async with self._ticking:
            now = self.clock()
            await self.backup.run_if_due(now)  # quiet hours are for people, not for files
            quiet = self.svc.settings.schedule.quiet_hours
            if not is_quiet(now, self.zone, quiet.start, quiet.end):
                await self.queue_digest_if_due(now)
                await self.queue_reminders_if_due(now)
            await self.sender.drain(now=self.clock, until_empty=False)

    async def queue_digest_if_due(self, now: datetime, *, force: bool = False) -> str | None:
        """This week's digest, once its time has passed (``force``: now); its period if queued."""
        outcome = await queue_week(self.svc, now, pack=pack_blocks, force=force, files=self.files)
        return outcome.period if isinstance(outcome, WeekQueued) else None

    async def queue_reminders_if_due(self, now: datetime) -> int:
        """Today's reminders, once the first reminder time has passed; how many newly queued."""
        outcome = await queue_reminders(self.svc, now)
        return outcome.kader if isinstance(outcome, RemindersQueued) else 0

    async def _unreachable(self, person_id: int) -> None:
        """Telegram refused a message (blocked, deactivated, never started): tell the admins."""
        await notify_unreachable(self.svc, person_id, self.clock())
        self.sender.wake()

"""The bot's scheduled work, decided anew at every tick from the config, the clock and the
database (nothing is kept in memory that a restart could lose): the weekly digest, the kader's
reminders, and draining the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Bot

from flows.callbacks import ConfirmButton, HouseholdButton
from flows.home import HouseholdStatus, Stage
from flows.reminders import households_to_remind, reminders_paused
from flows.schedule import day_period, due_digest_period, is_quiet, week_bounds, week_period
from jobs.backup import NightlyBackup
from jobs.digests import compute_week, queue_agency_digests
from jobs.outbox import OutboxSender, QuietWindow, TextMessage, enqueue
from reports.digest import admin_figures, admin_text, split_message
from reports.progress import progress_lines
from services import Services
from storage.outbox import OutboxQueue
from storage.records import Person

log = logging.getLogger(__name__)

ADMIN_RUN = "_admin"
"""The digest run that marks a week's digest as queued (and keeps the city's figures)."""
REMINDER_LIST = 10


class Scheduler:
    """Ticks every half minute: queue what is due, then let the outbox send it."""

    def __init__(self, svc: Services, bot: Bot, clock: Callable[[], datetime], files: Path) -> None:
        self.svc, self.clock, self.files = svc, clock, files
        settings = svc.settings
        self.zone = ZoneInfo(settings.timezone)
        self.sender = OutboxSender(OutboxQueue(svc.repository.db), bot, settings.outbox,
                                   quiet=QuietWindow.from_settings(settings.schedule.quiet_hours,
                                                                   settings.timezone),
                                   on_unreachable=self._unreachable)
        self.backup = NightlyBackup(svc.repository.db, settings.backup,
                                    settings.resolve(settings.backup.folder), self.zone)

    async def start(self) -> None:
        """Once at start-up: rows a crash left half-sent are settled, never sent twice."""
        await self.sender.recover()

    async def tick(self, _context: object = None) -> None:
        """Queue the digest and reminders that are due (outside quiet hours), then send."""
        now = self.clock()
        await self.backup.run_if_due(now)  # quiet hours are for people, not for files
        quiet = self.svc.settings.schedule.quiet_hours
        if not is_quiet(now, self.zone, quiet.start, quiet.end):
            await self.queue_digest_if_due(now)
            await self.queue_reminders_if_due(now)
        await self.sender.drain(now=self.clock, until_empty=False)

    # --- the weekly digest ---------------------------------------------------------------

    async def queue_digest_if_due(self, now: datetime, *, force: bool = False) -> str | None:
        """This week's digest, once its time has passed (also after a restart later in the week)."""
        settings, repo = self.svc.settings, self.svc.repository
        period = week_period(now, self.zone)
        queued = {period} if await repo.digests.get(ADMIN_RUN, period) and not force else set()
        if not force and due_digest_period(now, self.zone, settings.schedule.digest_day,
                                           settings.schedule.digest_time, queued) is None:
            return None
        figures = await compute_week(repo, settings, self.svc.instrument, period)
        await queue_agency_digests(repo, settings, self.svc.catalog, figures, period, self.files)
        await self._queue_admin_digest(period)
        return period

    async def _queue_admin_digest(self, period: str) -> None:
        svc = self.svc
        repo, settings = svc.repository, svc.settings
        codes = [indicator.code for _, _, indicator in svc.instrument.indicators()]
        source = await repo.digests.source(settings.survey_round, codes)
        figures = admin_figures(source.families, svc.instrument, survey_round=settings.survey_round,
                                areas=settings.kelurahan)
        await repo.digests.save(ADMIN_RUN, period, figures.to_data())
        # The delivery report of the previous broadcast (this week's is only being queued now).
        previous = week_period(week_bounds(period, self.zone)[0] - timedelta(days=1), self.zone)
        delivery = await self.sender_queue.report("digest", previous)
        if not delivery.total:
            delivery = None
        for admin in await repo.people.list("admin"):
            if not admin.active or admin.telegram_user_id is None:
                continue
            progress, _ = progress_lines(await repo.households.progress(settings.survey_round), svc.catalog,
                                         admin.language, settings.survey_round)
            text = "\n".join(progress) + "\n\n" + admin_text(figures, svc.catalog, admin.language)
            if delivery is not None:
                text += "\n\n" + svc.catalog.text(
                    admin.language, "digest_delivery", period=delivery.period, sent=delivery.counts["sent"],
                    failed=delivery.counts["failed"], inactive=delivery.counts["inactive"],
                    names=", ".join(escape(r.name) for r in delivery.unreachable) or "–")
            for number, part in enumerate(split_message(text), start=1):
                await enqueue(repo.outbox, f"admin-digest:{number}", period, admin.id, admin.telegram_user_id,
                              TextMessage(text=part))

    @property
    def sender_queue(self) -> OutboxQueue:
        """The outbox queries of the sender."""
        return OutboxQueue(self.svc.repository.db)

    # --- reminders -----------------------------------------------------------------------

    async def queue_reminders_if_due(self, now: datetime) -> int:
        """Once a day, after the first reminder time: kader with pending households get one message."""
        schedule = self.svc.settings.schedule
        local = now.astimezone(self.zone)
        if not any(local.time() >= at for at in schedule.reminders):
            return 0
        period = day_period(now, self.zone)
        idle = timedelta(hours=schedule.reminder_idle_hours)
        queued = 0
        for kader in await self.svc.repository.people.list("kader"):
            if kader.active and kader.telegram_user_id is not None \
                    and not reminders_paused(kader.reminders_paused_until, now):
                queued += await self._remind(kader, period, now, idle)
        return queued

    async def _remind(self, kader: Person, period: str, now: datetime, idle: timedelta) -> int:
        svc = self.svc
        repo = svc.repository
        statuses, touched = await self._statuses(kader)
        pending = households_to_remind(statuses, touched, now, idle)
        if not pending:
            return 0
        catalog, language = svc.catalog, kader.language
        lines = [catalog.text(language, "reminder_title", count=len(pending))]
        for item in pending[:REMINDER_LIST]:
            key = "reminder_line_draft" if item.stage is Stage.DRAFT else "reminder_line_new"
            lines.append(catalog.text(language, key, name=escape(item.head_name), code=escape(item.code),
                                      answered=item.answered, total=item.total))
        if len(pending) > REMINDER_LIST:
            lines.append(catalog.text(language, "reminder_more", count=len(pending) - REMINDER_LIST))
        first = pending[0]
        keyboard = {"inline_keyboard": [
            [{"text": catalog.text(language, "reminder_open", name=first.head_name[:40]),
              "callback_data": HouseholdButton(household=first.household_id).encode()}],
            [{"text": catalog.text(language, "reminder_pause"),
              "callback_data": ConfirmButton(verb="pause", subject=kader.id).encode()}]]}
        message = TextMessage(text="\n".join(lines), reply_markup=keyboard)
        return int(await enqueue(repo.outbox, "reminder", period, kader.id, kader.telegram_user_id or 0,
                                 message))

    async def _statuses(self, kader: Person) -> tuple[list[HouseholdStatus], dict[int, datetime]]:
        svc = self.svc
        repo = svc.repository
        interviews = {i.household_id: i for i in
                      await repo.interviews.for_kader(kader.id, svc.settings.survey_round)}
        statuses: list[HouseholdStatus] = []
        touched: dict[int, datetime] = {}
        for household in await repo.households.for_kader(kader.id):
            interview = interviews.get(household.id)
            if interview is None:
                stage, answered = Stage.NOT_STARTED, 0
            elif interview.status == "submitted":
                stage, answered = Stage.SUBMITTED, svc.engine.total
            else:
                stage = Stage.DRAFT
                answered = svc.engine_for(interview).answered_indicators(
                    await repo.interviews.answers(interview.id))
                touched[household.id] = interview.updated_at
            statuses.append(HouseholdStatus(household.id, household.code, household.head_name, stage,
                                            answered, svc.engine.total))
        return statuses, touched

    # --- unreachable people --------------------------------------------------------------

    async def _unreachable(self, person_id: int) -> None:
        """Telegram refused a message (blocked, deactivated, never started): tell the admins."""
        repo, catalog = self.svc.repository, self.svc.catalog
        person = await repo.people.get(person_id)
        if person is None:
            return
        period = day_period(self.clock(), self.zone)
        for admin in await repo.people.list("admin"):
            if admin.active and admin.telegram_user_id is not None and admin.id != person_id:
                text = catalog.text(admin.language, "unreachable_notice", name=escape(person.name),
                                    role=catalog.text(admin.language, f"role_{person.role}"))
                await enqueue(repo.outbox, f"notice:unreachable:{person_id}", period, admin.id,
                              admin.telegram_user_id, TextMessage(text=text))
        self.sender.wake()



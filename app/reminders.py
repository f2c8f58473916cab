"""The kader's daily reminder: once a day, after the first reminder time, every active kader with
families waiting (not started, or a draft left idle) gets one message listing them, with a button to
open the first and one to pause reminders. Queued in the outbox: at most one per kader and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from app.outbox import TextMessage, enqueue
from app.services import Services
from flows.callbacks import ConfirmButton, HouseholdButton
from flows.home import HouseholdStatus, Stage
from flows.i18n import Catalog
from flows.reminders import households_to_remind, reminders_paused
from flows.schedule import day_period
from storage.records import Person

REMINDER_LIST = 10
"""The most families one reminder names; the rest are counted."""
KIND = "reminder"


@dataclass(frozen=True, slots=True)
class RemindersQueued:
    """Today's reminders are queued; ``kader`` got one newly queued now (0 on a later tick)."""

    period: str
    kader: int


@dataclass(frozen=True, slots=True)
class RemindersNotDue:
    """Before today's first reminder time: nothing queued."""


async def queue_reminders(svc: Services, now: datetime) -> RemindersQueued | RemindersNotDue:
    """Once a day, after the first reminder time: each kader with pending families gets one message."""
    schedule = svc.settings.schedule
    local = now.astimezone(svc.zone)
    if not any(local.time() >= at for at in schedule.reminders):
        return RemindersNotDue()
    period = day_period(now, svc.zone)
    queued = 0
    for kader in await svc.repository.people.list("kader"):
        if kader.active and kader.telegram_user_id is not None \
                and not reminders_paused(kader.reminders_paused_until, now):
            queued += await _remind(svc, kader, period, now)
    return RemindersQueued(period, queued)


async def pending_households(svc: Services, kader: Person, now: datetime) -> list[HouseholdStatus]:
    """The kader's families to remind of, idle drafts first (see ``flows.reminders``)."""
    statuses, touched = await _statuses(svc, kader)
    idle = timedelta(hours=svc.settings.schedule.reminder_idle_hours)
    return households_to_remind(statuses, touched, now, idle)


def reminder_message(catalog: Catalog, kader: Person, pending: list[HouseholdStatus]) -> TextMessage:
    """The reminder: how many families wait, the first ``REMINDER_LIST`` of them, and buttons to
    open the first one and to pause reminders."""
    language = kader.language
    lines = [catalog.text(language, "reminder_title", count=len(pending))]
    for item in pending[:REMINDER_LIST]:
        key = "reminder_line_draft" if item.stage is Stage.DRAFT else "reminder_line_new"
        lines.append(catalog.text(language, key, name=escape(item.head_name), code=escape(item.code),
                                  answered=item.answered, total=item.total))
    if len(pending) > REMINDER_LIST:
        lines.append(catalog.text(language, "reminder_more", count=len(pending) - REMINDER_LIST))
    first = pending[0]
    keyboard: dict[str, Any] = {"inline_keyboard": [
        [{"text": catalog.text(language, "reminder_open", name=first.head_name[:40]),
          "callback_data": HouseholdButton(household=first.household_id).encode()}],
        [{"text": catalog.text(language, "reminder_pause"),
          "callback_data": ConfirmButton(verb="pause", subject=kader.id).encode()}]]}
    return TextMessage(text="\n".join(lines), reply_markup=keyboard)


async def _remind(svc: Services, kader: Person, period: str, now: datetime) -> int:
    """Queue the kader's reminder for ``period`` if families wait; 1 if newly queued."""
    pending = await pending_households(svc, kader, now)
    if not pending:
        return 0
    message = reminder_message(svc.catalog, kader, pending)
    return int(await enqueue(svc.repository.outbox, KIND, period, kader.id, kader.telegram_user_id or 0,
                             message))


async def _statuses(svc: Services, kader: Person) -> tuple[list[HouseholdStatus], dict[int, datetime]]:
    """Each of the kader's families in the current round, and when each draft was last touched."""
    repo = svc.repository
    total = svc.engine.total
    interviews = {i.household_id: i for i in
                  await repo.interviews.for_kader(kader.id, svc.settings.survey_round)}
    statuses: list[HouseholdStatus] = []
    touched: dict[int, datetime] = {}
    for household in await repo.households.for_kader(kader.id):
        interview = interviews.get(household.id)
        if interview is None:
            stage, answered = Stage.NOT_STARTED, 0
        elif interview.status == "submitted":
            stage, answered = Stage.SUBMITTED, total
        else:
            stage = Stage.DRAFT
            answered = svc.engine_for(interview).answered_indicators(
                await repo.interviews.answers(interview.id))
            touched[household.id] = interview.updated_at
        statuses.append(HouseholdStatus(household.id, household.code, household.head_name, stage,
                                        answered, total))
    return statuses, touched

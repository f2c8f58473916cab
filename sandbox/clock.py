"""The sandbox's movable clock and the calendar of its time travel: real time plus an offset that
only grows, the next moment the reminders or the weekly digest are due, and the clock as a trainer
reads it (``Senin, 30 November 2026 07.30 WITA``). Pure apart from reading the real time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.schedule import after_quiet, digest_time_of_week, is_quiet
from settings import ScheduleSettings
from storage.convert import utc_now

SEARCH_DAYS = 8  # reminder times are daily: a week and a day always finds one if any is outside quiet hours


class MovableClock:
    """Real time plus an offset; every part of the sandbox's bot reads it (``svc.clock``)."""

    def __init__(self, real: Callable[[], datetime] = utc_now) -> None:
        self._real = real
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        """Now, as the sandbox sees it (aware, UTC)."""
        return self._real() + self.offset

    def timestamp(self) -> float:
        """Now as POSIX seconds (the fake Bot API dates messages with it)."""
        return self().timestamp()

    def move_to(self, moment: datetime) -> datetime:
        """Jump forward to ``moment`` (never back: the database must not see time run backwards)."""
        self.offset = max(self.offset, moment - self._real())
        return self()


def next_reminder_at(now: datetime, schedule: ScheduleSettings, zone: ZoneInfo) -> datetime | None:
    """The first reminder time strictly after ``now`` that is not in quiet hours; None if every
    reminder time falls in quiet hours (then reminders are never sent)."""
    local = now.astimezone(zone)
    quiet = schedule.quiet_hours
    for day in range(SEARCH_DAYS):
        date = local.date() + timedelta(days=day)
        for at in sorted(schedule.reminders):
            moment = datetime.combine(date, at, tzinfo=zone)
            if moment > local and not is_quiet(moment, zone, quiet.start, quiet.end):
                return moment
    return None


def next_digest_at(now: datetime, schedule: ScheduleSettings, zone: ZoneInfo) -> datetime:
    """The first weekly digest moment strictly after ``now`` (moved past quiet hours if it falls in them)."""
    moment = digest_time_of_week(now, zone, schedule.digest_day, schedule.digest_time)
    if moment <= now:
        moment += timedelta(days=7)
    quiet = schedule.quiet_hours
    return after_quiet(moment, zone, quiet.start, quiet.end)


def clock_label(moment: datetime, zone: ZoneInfo) -> str:
    """``Senin, 30 November 2026 07.30 WITA``: the local day, date and time in Indonesian."""
    return format_datetime(moment.astimezone(zone), "EEEE, d MMMM y HH.mm zzz", locale="id")

"""Calendar rules of the scheduled work: periods, quiet hours, which digest is due. Pure: the
caller passes the time (aware datetimes) and the settings' values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_period(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week a moment falls in, in the city's time: ``2026-W48``."""
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def day_period(moment: datetime, zone: ZoneInfo) -> str:
    """The local calendar day: ``2026-11-27`` (reminders go out at most once a day)."""
    return moment.astimezone(zone).date().isoformat()


def is_quiet(moment: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    """Whether the local time lies in the quiet window [start, end), which may span midnight."""
    local = moment.astimezone(zone).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet(moment: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """``moment``, or the end of the quiet window it falls in."""
    if not is_quiet(moment, zone, start, end):
        return moment
    local = moment.astimezone(zone)
    ending = datetime.combine(local.date(), end, tzinfo=zone)
    if ending <= local:
        ending += timedelta(days=1)
    return ending


def digest_time_of_week(moment: datetime, zone: ZoneInfo, day: str, at: time) -> datetime:
    """When this week's digest is scheduled (the week ``moment`` falls in, local time)."""
    local = moment.astimezone(zone)
    monday: date = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday + timedelta(days=WEEKDAYS.index(day)), at, tzinfo=zone)


def due_digest_period(moment: datetime, zone: ZoneInfo, day: str, at: time,
                      sent_periods: set[str]) -> str | None:
    """The week whose digest should go out now: this week's, once its time has passed and it
    has not been queued yet (so a digest missed while the bot was down goes out on start-up,
    within the same week, and never twice)."""
    period = week_period(moment, zone)
    if period in sent_periods or moment < digest_time_of_week(moment, zone, day, at):
        return None
    return period


def week_bounds(period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local start (Monday 00:00) and end (next Monday 00:00) of an ISO week ``2026-W48``."""
    year, week = period.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    return start, start + timedelta(days=7)

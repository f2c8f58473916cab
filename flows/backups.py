"""Calendar rules of the nightly backup: what a day's copy is called, whether one is due, which old
copies go. Pure: the caller passes the time (aware datetimes), the file names found and the settings'
values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATED = re.compile(r"^(?P<prefix>.+)-(?P<day>\d{4}-\d{2}-\d{2})\.db$")


def backup_name(prefix: str, day: date) -> str:
    """The file name of ``day``'s copy: ``tangguh-2026-11-27.db`` (one per local day)."""
    return f"{prefix}-{day.isoformat()}.db"


def backup_day(prefix: str, name: str) -> date | None:
    """The local day a copy named by :func:`backup_name` was made for; None for any other file."""
    match = _DATED.match(name)
    if match is None or match["prefix"] != prefix:
        return None
    try:
        return date.fromisoformat(match["day"])
    except ValueError:
        return None


def backup_days(prefix: str, names: Iterable[str]) -> dict[date, str]:
    """The copies among ``names``, by the day they are for."""
    return {day: name for name in names if (day := backup_day(prefix, name)) is not None}


def due_backup_day(moment: datetime, zone: ZoneInfo, at: time, done: Iterable[date]) -> date | None:
    """The local day whose copy should be made now: today's, once ``at`` has passed and no copy of
    today exists (so a restart later that day makes it then, and never a second one)."""
    local = moment.astimezone(zone)
    today = local.date()
    if local.time() < at or today in set(done):
        return None
    return today


def backups_to_prune(prefix: str, names: Iterable[str], today: date, keep_days: int) -> list[str]:
    """The copies older than the last ``keep_days`` local days (today counts as one), oldest first.
    The newest copy always stays, however old, and files not named like a copy are never touched."""
    copies = backup_days(prefix, names)
    if not copies:
        return []
    newest = max(copies)
    oldest_kept = today - timedelta(days=keep_days - 1)
    return [copies[day] for day in sorted(copies) if day < oldest_kept and day != newest]

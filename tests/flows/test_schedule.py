"""Calendar rules: periods, quiet hours across midnight, the digest that is due."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flows.schedule import (
    after_quiet,
    day_period,
    digest_time_of_week,
    due_digest_period,
    is_quiet,
    week_bounds,
    week_period,
)

WITA = ZoneInfo("Asia/Makassar")
QUIET = (time(21), time(7))


def wita(*args: int) -> datetime:
    return datetime(*args, tzinfo=WITA)


def test_periods_use_local_time() -> None:
    late_sunday_utc = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Monday 01:00 in WITA
    assert week_period(late_sunday_utc, WITA) == "2026-W49"
    assert day_period(late_sunday_utc, WITA) == "2026-11-30"
    assert week_period(wita(2026, 1, 1, 12), WITA) == "2026-W01"


def test_quiet_hours_span_midnight() -> None:
    assert is_quiet(wita(2026, 11, 27, 21, 0), WITA, *QUIET)
    assert is_quiet(wita(2026, 11, 27, 3, 0), WITA, *QUIET)
    assert not is_quiet(wita(2026, 11, 27, 7, 0), WITA, *QUIET)
    assert not is_quiet(wita(2026, 11, 27, 20, 59), WITA, *QUIET)
    assert not is_quiet(wita(2026, 11, 27, 3, 0), WITA, time(7), time(7))
    assert is_quiet(wita(2026, 11, 27, 13, 0), WITA, time(12), time(14))


def test_after_quiet_moves_to_the_end_of_the_window() -> None:
    assert after_quiet(wita(2026, 11, 27, 23, 0), WITA, *QUIET) == wita(2026, 11, 28, 7, 0)
    assert after_quiet(wita(2026, 11, 28, 3, 0), WITA, *QUIET) == wita(2026, 11, 28, 7, 0)
    assert after_quiet(wita(2026, 11, 28, 9, 0), WITA, *QUIET) == wita(2026, 11, 28, 9, 0)


def test_the_digest_is_due_after_its_time_once_a_week() -> None:
    scheduled = digest_time_of_week(wita(2026, 11, 27, 12), WITA, "monday", time(7, 30))
    assert scheduled == wita(2026, 11, 23, 7, 30)
    assert due_digest_period(wita(2026, 11, 23, 7, 0), WITA, "monday", time(7, 30), set()) is None
    assert due_digest_period(wita(2026, 11, 23, 7, 30), WITA, "monday", time(7, 30), set()) == "2026-W48"
    # The bot was down on Monday; it starts on Thursday: the week's digest is still due, once.
    assert due_digest_period(wita(2026, 11, 26, 10), WITA, "monday", time(7, 30), set()) == "2026-W48"
    assert due_digest_period(wita(2026, 11, 26, 10), WITA, "monday", time(7, 30), {"2026-W48"}) is None


def test_week_bounds() -> None:
    assert week_bounds("2026-W48", WITA) == (wita(2026, 11, 23), wita(2026, 11, 30))

"""Who gets reminded of what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.home import HouseholdStatus, Stage
from flows.reminders import households_to_remind, reminders_paused

NOW = datetime(2026, 11, 27, 8, tzinfo=UTC)
IDLE = timedelta(hours=48)


def status(number: int, stage: Stage) -> HouseholdStatus:
    return HouseholdStatus(number, f"KK-{number:03d}", f"Keluarga {number}", stage, 3, 24)


def test_idle_drafts_first_then_not_started_never_recent_or_submitted() -> None:
    statuses = [status(1, Stage.SUBMITTED), status(2, Stage.NOT_STARTED), status(3, Stage.DRAFT),
                status(4, Stage.DRAFT), status(5, Stage.DRAFT)]
    touched = {3: NOW - timedelta(hours=50), 4: NOW - timedelta(hours=1), 5: NOW - timedelta(days=9)}
    assert [s.household_id for s in households_to_remind(statuses, touched, NOW, IDLE)] == [5, 3, 2]


def test_nothing_pending_means_no_reminder() -> None:
    statuses = [status(1, Stage.SUBMITTED), status(2, Stage.DRAFT)]
    assert households_to_remind(statuses, {2: NOW - timedelta(hours=2)}, NOW, IDLE) == []


def test_pause_lasts_until_its_end() -> None:
    assert reminders_paused(NOW + timedelta(days=1), NOW)
    assert not reminders_paused(NOW, NOW)
    assert not reminders_paused(None, NOW)

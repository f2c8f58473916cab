"""Which households a kader is reminded of. Pure: the caller passes the statuses and the time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.home import HouseholdStatus, Stage

PAUSE = timedelta(days=7)
"""How long "Jeda pengingat" silences a kader's reminders."""


def households_to_remind(statuses: Sequence[HouseholdStatus], last_touched: dict[int, datetime],
                         now: datetime, idle: timedelta) -> list[HouseholdStatus]:
    """Drafts untouched for longer than ``idle`` (oldest first), then households not started;
    a draft worked on recently is not nagged about, submitted ones never."""
    idle_drafts = sorted((s for s in statuses if s.stage is Stage.DRAFT
                          and now - last_touched[s.household_id] >= idle),
                         key=lambda s: last_touched[s.household_id])
    not_started = sorted((s for s in statuses if s.stage is Stage.NOT_STARTED), key=lambda s: s.code)
    return [*idle_drafts, *not_started]


def reminders_paused(paused_until: datetime | None, now: datetime) -> bool:
    """Whether the kader asked for quiet and the week is not over."""
    return paused_until is not None and now < paused_until

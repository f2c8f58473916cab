"""How the outbox sender judges its moments and answers: quiet hours in which nothing starts, what a
Telegram error means for the row, and the report of one drain."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import httpx
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from flows.schedule import is_quiet
from settings import QuietHours

Ended = Literal["empty", "nothing_due", "quiet", "stopped"]
Verdict = Literal["flood", "unreachable", "final", "unknown", "retry"]



class Quiet(Protocol):
    """Hours in which no bulk message starts."""

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the quiet hours."""
        ...


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """Daily quiet hours in local time; a window from 21:00 to 07:00 spans midnight."""

    start: clock_time
    end: clock_time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, hours: QuietHours, timezone: str) -> QuietWindow:
        """The configured quiet hours in the city's timezone."""
        return cls(hours.start, hours.end, ZoneInfo(timezone))

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in the window; an empty window (start = end) never does."""
        return is_quiet(moment, self.tz, self.start, self.end)


@dataclass(slots=True)
class DrainReport:
    """What one drain did: rows by outcome, 429s received, seconds paused by them, why it ended."""

    sent: int = 0
    failed: int = 0
    inactive: int = 0
    retried: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    ended: Ended = "empty"


def judge(error: TelegramError) -> Verdict:
    """What a Telegram error means for the row: wait (flood), retire the recipient, give up, or retry."""
    if isinstance(error, RetryAfter):
        return "flood"
    if isinstance(error, Forbidden):
        return "unreachable"
    if isinstance(error, BadRequest) and "chat not found" in str(error).lower():
        return "unreachable"
    if isinstance(error, BadRequest):
        return "final"  # the same request would be refused again
    if isinstance(error, TimedOut) and isinstance(error.__cause__, httpx.ReadTimeout):
        return "unknown"  # the request went out; Telegram may have delivered it
    return "retry"


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds (without PTB 22's deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def describe(error: BaseException) -> str:
    """An error as one short line for ``last_error``."""
    return " ".join(f"{type(error).__name__}: {error}".split())[:500]

"""Flood control: a token bucket per person, with one notice per cool-down window.

Pure logic: the caller passes the time (seconds from any monotonic clock) and acts on the verdict.
Each update costs one token; a bucket holds up to ``burst`` tokens and refills at ``per_minute / 60``
tokens a second. With the bucket empty, the first update of a cool-down window gets a notice and the
rest of the window is dropped; once tokens have come back the person is served again.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum

SWEEP_EVERY = 1024
"""Checks between two sweeps of idle buckets (keeps memory bounded by the people active lately)."""


class Verdict(StrEnum):
    """What to do with one update."""

    PASS = "pass"  # handle it
    NOTICE = "notice"  # drop it, and tell the person once for this cool-down window
    DROP = "drop"  # drop it without a word (a button press still gets its answer)


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """How much one person may send (the values come from the config's ``flood:`` section)."""

    per_minute: float
    burst: int
    cooldown_seconds: float

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1 or self.cooldown_seconds < 0:
            raise ValueError("flood limits need per_minute > 0, burst >= 1 and cooldown_seconds >= 0")

    @property
    def per_second(self) -> float:
        """Tokens that come back each second."""
        return self.per_minute / 60.0


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when ``tokens`` was last brought up to date
    noticed_at: float | None = None  # start of the current cool-down window, if any


class FloodControl:
    """Token buckets by key (a Telegram user id); ``check`` says what to do with each update."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._buckets: dict[Hashable, _Bucket] = {}
        self._checks = 0

    def check(self, key: Hashable, now: float) -> Verdict:
        """Spend a token of ``key`` for an update arriving at ``now``, or say why not."""
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self.sweep(now)
        limits = self.limits
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(limits.burst), now)
        self._refill(bucket, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.PASS
        if bucket.noticed_at is None or now - bucket.noticed_at >= limits.cooldown_seconds:
            bucket.noticed_at = now
            return Verdict.NOTICE
        return Verdict.DROP

    def sweep(self, now: float) -> int:
        """Forget people whose bucket is full again and whose window is over; how many."""
        idle = [key for key, bucket in self._buckets.items() if self._idle(bucket, now)]
        for key in idle:
            del self._buckets[key]
        return len(idle)

    def __len__(self) -> int:
        """How many people are tracked."""
        return len(self._buckets)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.at)  # a clock that steps back refills nothing
        bucket.tokens = min(float(self.limits.burst), bucket.tokens + elapsed * self.limits.per_second)
        bucket.at = max(bucket.at, now)

    def _idle(self, bucket: _Bucket, now: float) -> bool:
        limits = self.limits
        full = bucket.tokens + max(0.0, now - bucket.at) * limits.per_second >= limits.burst
        window_over = bucket.noticed_at is None or now - bucket.noticed_at >= limits.cooldown_seconds
        return full and window_over

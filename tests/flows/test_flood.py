"""Flood control: the token bucket per person and its one notice per cool-down window."""

from __future__ import annotations

import pytest

from flows.flood import SWEEP_EVERY, FloodControl, FloodLimits, Verdict

LIMITS = FloodLimits(per_minute=30, burst=10, cooldown_seconds=60)


def verdicts(control: FloodControl, key: int, count: int, at: float) -> list[Verdict]:
    return [control.check(key, at) for _ in range(count)]


def test_a_burst_passes_then_one_notice_then_silence() -> None:
    control = FloodControl(LIMITS)
    got = verdicts(control, 1, 300, at=0.0)
    assert got[:10] == [Verdict.PASS] * 10
    assert got[10] is Verdict.NOTICE
    assert set(got[11:]) == {Verdict.DROP}


def test_tokens_come_back_at_the_sustained_rate() -> None:
    control = FloodControl(LIMITS)
    verdicts(control, 1, 11, at=0.0)  # burst spent, notice given
    assert control.check(1, 1.9) is Verdict.DROP  # 0.95 of a token
    assert control.check(1, 2.0) is Verdict.PASS  # 30 a minute: one every 2 s
    assert control.check(1, 2.0) is Verdict.DROP
    passed = [control.check(1, t / 10) for t in range(21, 600)]  # a steady flood until 59.9 s
    assert passed.count(Verdict.PASS) == 28  # 4 s, 6 s, ... 58 s
    assert Verdict.NOTICE not in passed  # still the same cool-down window


def test_one_notice_per_cool_down_window() -> None:
    control = FloodControl(LIMITS)
    notices = [t for t in range(0, 600) if control.check(1, t / 2) is Verdict.NOTICE]  # 2 a second
    # A burst of 10 and 1 every 2 s cannot keep up with 2 a second: the first notice after 5 s,
    # then one each time a window of 60 s is over.
    assert len(notices) == 5
    times = [t / 2 for t in notices]
    assert all(later - earlier >= 60 for earlier, later in zip(times, times[1:], strict=False))


def test_people_have_their_own_buckets() -> None:
    control = FloodControl(LIMITS)
    verdicts(control, 1, 50, at=0.0)
    assert verdicts(control, 2, 10, at=0.0) == [Verdict.PASS] * 10


def test_a_calm_person_is_never_limited() -> None:
    control = FloodControl(LIMITS)
    assert {control.check(1, t * 2.5) for t in range(1000)} == {Verdict.PASS}  # 24 a minute


def test_after_a_pause_the_full_burst_is_back() -> None:
    control = FloodControl(LIMITS)
    verdicts(control, 1, 40, at=0.0)
    assert verdicts(control, 1, 10, at=20.0) == [Verdict.PASS] * 10  # 20 s refill 10 tokens
    assert control.check(1, 20.0) is Verdict.DROP  # the window of the first notice still runs


def test_a_clock_that_steps_back_gives_nothing_extra() -> None:
    control = FloodControl(LIMITS)
    verdicts(control, 1, 11, at=100.0)
    assert control.check(1, 50.0) is Verdict.DROP
    assert control.check(1, 101.0) is Verdict.DROP  # not refilled by the step back
    assert control.check(1, 102.0) is Verdict.PASS


def test_idle_people_are_forgotten() -> None:
    control = FloodControl(LIMITS)
    for key in range(100):
        control.check(key, 0.0)
    verdicts(control, 500, 20, at=0.0)  # a flooder, noticed at 0
    assert control.sweep(1.0) == 0
    assert control.sweep(2.0) == 100  # one token back each: full again
    assert len(control) == 1
    assert control.sweep(60.0) == 1  # the flooder's window is over and the bucket is full
    assert len(control) == 0


def test_memory_stays_bounded_under_many_people() -> None:
    control = FloodControl(LIMITS)
    for n in range(SWEEP_EVERY * 5):
        control.check(n, n * 10.0)  # each new person arrives after the previous ones refilled
    assert len(control) <= SWEEP_EVERY


@pytest.mark.parametrize("bad", [{"per_minute": 0}, {"burst": 0}, {"cooldown_seconds": -1}])
def test_limits_must_make_sense(bad: dict[str, float]) -> None:
    values = {"per_minute": 30.0, "burst": 10, "cooldown_seconds": 60.0} | bad
    with pytest.raises(ValueError):
        FloodLimits(**values)  # type: ignore[arg-type]

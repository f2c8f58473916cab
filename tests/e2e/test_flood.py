"""Flood control end to end: one person sends hundreds of updates while a kader answers questions.

The limits are the example of the brief (30 a minute, a burst of 10, one notice a minute). The
flood control's clock is held still during each phase and moved on between phases, so the counts
are exact: a phase lets through at most the burst, however long the flood takes to arrive. The
latency of the kader's answers is real time, during the flood and without it.
"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

import pytest
import yaml

from handlers.flood import FloodScreen
from sandbox.fakeapi import NOT_MODIFIED, FakeUser
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import answer_current, open_first_family

KADER, OTHER, FLOODER = 880001, 880002, 880003
BURST = 10
ASSIGN = "/assign BD-001 ke Budi Santoso"
ASSIGNED = "keluarga sekarang didata oleh Budi Santoso."
LATENCY_BOUND = 2.0  # seconds: a correctness bound for one round trip, not a benchmark
ANSWERS_PER_PHASE = 4  # the kader's updates per phase stay within the burst (a multiple choice is 2)


@pytest.fixture
def config_file(config_file: Path) -> Path:
    """The test config with the limits of the brief's example."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["flood"] = {"enabled": True, "per_minute": 30, "burst": BURST, "cooldown_seconds": 60}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return config_file


class StillClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def timed_answers(bot: RunningBot, user: FakeUser, interview_id: int, count: int) -> list[float]:
    """Answer ``count`` questions; each answer's seconds from the update to the bot's edit or message."""
    loop = asyncio.get_running_loop()
    latencies = []
    for _ in range(count):
        begun = loop.time()
        assert await answer_current(bot, user, interview_id) is not None
        shown = [c.at for c in bot.api.calls_for(user.id)
                 if c.at >= begun and c.method in {"editMessageText", "sendMessage"}]
        assert shown, "the kader's answer got no reaction"
        latencies.append(min(shown) - begun)
    return latencies


async def flood_until(user: FakeUser, text: str, done: asyncio.Future[object], least: int) -> list[int]:
    """Push ``text`` again and again, in bursts, until ``done`` and at least ``least`` times."""
    ids: list[int] = []
    while len(ids) < least or not done.done():
        ids += [user.push_text(text) for _ in range(10)]
        await asyncio.sleep(0.005)  # pacing, so the flood arrives while the kader is answering
    return ids


async def all_handled(bot: RunningBot, update_ids: list[int]) -> None:
    """Wait until the bot has finished with every one of ``update_ids``."""
    api = bot.api
    await api._settle(None, lambda: all(api._was_handled(u) for u in update_ids), "the flood handled",
                      0.05, 30.0)


@pytest.mark.slow
async def test_a_flood_is_cut_to_the_burst_with_one_notice_a_window_and_others_keep_their_pace(
        running: RunningBot) -> None:
    screen = running.app.update_processor.screen  # type: ignore[attr-defined]
    assert isinstance(screen, FloodScreen)
    clock = screen.clock = StillClock()
    svc = running.svc
    notice, wait = svc.text(None, "flood_notice"), svc.text(None, "flood_wait")
    kader_chat, kader, _ = await running.kader(KADER)
    budi = await running.person("Budi Santoso", telegram_id=OTHER)
    await running.households(budi, 1, prefix="BD")
    await running.person("Dewi Lestari", "admin", telegram_id=FLOODER, kelurahan=None)
    flooder = running.api.user(FLOODER, first_name="Dewi")
    await open_first_family(kader_chat)
    [interview] = await running.repo.interviews.for_kader(kader.id, svc.settings.survey_round)

    clock.now += 60  # phase 0: no flood, the kader's pace on its own
    quiet = await timed_answers(running, kader_chat, interview.id, ANSWERS_PER_PHASE)

    clock.now += 60  # phase 1: hundreds of /assign, each of which would write an audit entry
    answering = asyncio.ensure_future(timed_answers(running, kader_chat, interview.id, ANSWERS_PER_PHASE))
    flood = await flood_until(flooder, ASSIGN, answering, least=300)
    flooded = await answering
    await all_handled(running, flood)
    flood_size = len(flood)
    replies = [m.text for m in flooder.messages]
    assert replies.count(notice) == 1
    assigned = [text for text in replies if text.endswith(ASSIGNED)]
    assert len(assigned) == BURST and len(replies) == BURST + 1  # and nothing else was done
    audited = [e for e in await running.repo.audit.latest(1000) if e.action == "household.assign"]
    assert len(audited) == BURST  # the dropped updates wrote nothing
    assert len(await running.repo.interviews.answers(interview.id)) >= 2 * ANSWERS_PER_PHASE

    clock.now += 30  # phase 1b: the same window, the bucket full again; no second notice
    flood = [flooder.push_text(ASSIGN) for _ in range(100)]
    await all_handled(running, flood)
    replies = [m.text for m in flooder.messages]
    assert replies.count(notice) == 1
    assert sum(text.endswith(ASSIGNED) for text in replies) == 2 * BURST

    clock.now += 30  # phase 2: a new window; a flood of button presses, every one answered
    await flooder.send("/people")
    people = flooder.last
    queries = [flooder.push_press(people.callback_data("Siti Aminah"), people.message_id)
               for _ in range(200)]
    await running.api._settle(None, lambda: all(running.api._queries[q].answered for q in queries),
                              "every press answered", 0.05, 30.0)
    answers = [running.api._queries[q] for q in queries]
    assert [a.text for a in answers if a.show_alert] == [notice]  # the window's one notice
    assert sum(a.text == wait for a in answers) == len(queries) - (BURST - 1) - 1
    assert sum(not a.text for a in answers) == BURST - 1  # /people took one token: 9 handled
    audited = [e for e in await running.repo.audit.latest(1000) if e.action == "household.assign"]
    assert len(audited) == 2 * BURST
    refused = [e for e in running.api.errors if NOT_MODIFIED not in e]  # the same card shown again
    assert refused == [], refused

    print(f"\nkader round trips without a flood: median {statistics.median(quiet) * 1000:.0f} ms, "
          f"max {max(quiet) * 1000:.0f} ms; during a flood of {flood_size} updates: median "
          f"{statistics.median(flooded) * 1000:.0f} ms, max {max(flooded) * 1000:.0f} ms")
    assert max(quiet + flooded) < LATENCY_BOUND, (quiet, flooded)

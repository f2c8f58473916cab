"""kill -9 at random moments: the real ``python bot.py`` against the fake Bot API, 20 kader surveying
at once, SIGKILL again and again, a restart each time, until every interview is submitted.

What it proves: every answer the chat acknowledged (the next question appeared) is in the database
with that value; no answer was recorded twice (each stored answer is the one the kader gave to that
very question, and none was written again after the chat acknowledged it); every interview resumed
at the right question after each restart; the database passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from cli import open_repository
from flows.interview import InterviewEngine
from flows.invites import hash_code, new_code
from sandbox.fakeapi import TOO_OLD, FakeBotApi
from settings import load_instruments, load_settings
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.conftest import ROOT
from tests.e2e.drivers import PersonKader, typed_values
from tests.e2e.harness import KELURAHAN

KADER = 20
MIN_KILLS, MAX_KILLS = 10, 12  # then the interviews finish undisturbed (keeps the run short)
SEED = 2026
FIRST_KADER = 870001
ANSWERS_PER_INTERVIEW = 27  # about: some questions depend on earlier answers


@dataclass
class BotProcess:
    """``python bot.py --config …`` against the fake; killed with SIGKILL and started again."""

    api: FakeBotApi
    config: Path
    logs: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    kills: int = 0
    tracebacks: int = 0
    start_seconds: list[float] = field(default_factory=list)

    async def start(self) -> None:
        """Start the bot and wait until it polls (it has set its menus and deleted any webhook)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TANGGUH_", "TELEGRAM_"))}
        env |= {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_API_BASE_URL": self.api.base_url}
        polls = self.api.requests["getUpdates"]
        loop = asyncio.get_running_loop()
        began = loop.time()
        self.starts += 1
        with (self.logs / f"bot-{self.starts}.log").open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "bot.py"), "--config", str(self.config), env=env,
                stdout=log, stderr=log)
        while self.api.requests["getUpdates"] == polls:
            if self.process.returncode is not None or loop.time() - began > 60:
                raise AssertionError(f"the bot did not start: {self._log(self.starts)[-2000:]}")
            await asyncio.sleep(0.02)
        self.start_seconds.append(loop.time() - began)

    async def kill(self) -> None:
        """SIGKILL, whatever it is doing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self) -> None:
        """SIGTERM, as an operator stops it; it must exit cleanly."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(self.process.wait(), 30) == 0, self._log(self.starts)[-2000:]

    def count_tracebacks(self) -> int:
        """Tracebacks in all the runs' logs."""
        return sum(self._log(n).count("Traceback") for n in range(1, self.starts + 1))

    def _log(self, number: int) -> str:
        return (self.logs / f"bot-{number}.log").read_text(errors="replace")


async def seed(repo: Repository, count: int) -> dict[int, dict[int, str]]:
    """``count`` kader joined through redeemed invites, one family each: telegram id → {id: code}."""
    families: dict[int, dict[int, str]] = {}
    for number in range(count):
        telegram_id = FIRST_KADER + number
        person = await repo.people.add(f"Kader {number}", "kader", kelurahan=KELURAHAN)
        code = new_code()
        await repo.invites.create(person.id, hash_code(code), repo.db.now() + timedelta(days=1))
        assert (await repo.invites.redeem(hash_code(code), telegram_id)).outcome == "ok"
        household = await repo.households.add(f"KC-{number:03d}", f"Keluarga {number}",
                                               f"Jl. Melati {number}", "003", "004", KELURAHAN,
                                               kader_id=person.id)
        families[telegram_id] = {household.id: household.code}
    return families


@pytest.fixture
async def database(config_file: Path) -> AsyncIterator[Database]:
    """The bot's database file, seeded; the test keeps a connection of its own to check it."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["flood"]["enabled"] = False  # machine-speed kader; flood control has its own test
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    db = (await open_repository(load_settings(config_file))).db  # raw SQL to check the file
    yield db
    await db.close()


@pytest.mark.slow
async def test_kill_9_at_random_moments_loses_no_acknowledged_answer(
        fake_api: FakeBotApi, config_file: Path, database: Database, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    repo = Repository(database)
    families = await seed(repo, KADER)
    engine = InterviewEngine(load_instruments(load_settings(config_file))[0])
    written: dict[tuple[int, str], str] = {}
    resumes: list[tuple[int, str | None]] = []
    wrong_resumes: list[str] = []

    async def note_written(interview_id: int, question_id: str) -> None:
        rows = await database.conn.execute_fetchall(
            "SELECT answered_at FROM answers WHERE interview_id = ? AND question_id = ?",
            (interview_id, question_id))
        written[interview_id, question_id] = rows[0][0] if rows else "missing"

    async def check_resume(kader: PersonKader, interview_id: int, shown: str | None) -> None:
        found = await repo.interviews.load(interview_id)
        assert found is not None
        interview, _, answers = found
        pending = engine.unanswered(answers)
        first = pending[0].id if pending else None
        resumes.append((interview_id, shown))
        if not shown == interview.current_question == first:
            wrong_resumes.append(f"interview {interview_id}: shown {shown}, current "
                                 f"{interview.current_question}, first unanswered {first}")

    fake_api.settle = 0.1
    kader = [PersonKader(fake_api, fake_api.user(telegram_id, first_name=f"Kader{n}"), households,
                         engine.questions, random.Random(rng.random()), typed_values(rng),
                         reaction_timeout=2.5, on_acknowledged=note_written, on_resumed=check_resume)
             for n, (telegram_id, households) in enumerate(families.items())]
    logs = tmp_path / "logs"
    logs.mkdir()
    bot = BotProcess(fake_api, config_file, logs)
    loop = asyncio.get_running_loop()
    began = loop.time()
    redelivered = 0
    await bot.start()
    work = asyncio.gather(*(k.run(deadline=began + 170) for k in kader))
    try:
        while not work.done():
            # A random moment: after up to 1.4 s, or sooner once a random share of the survey's
            # answers went by, so that a fast machine also gets its kills.
            answers = sum(len(k.acknowledged) for k in kader)
            quota = answers + rng.uniform(0.2, 1.0) * KADER * ANSWERS_PER_INTERVIEW / (MAX_KILLS + 2)
            until = loop.time() + rng.uniform(0.2, 1.4)
            while not work.done() and loop.time() < until and sum(len(k.acknowledged) for k in kader) < quota:
                await asyncio.wait([work], timeout=0.02)
            if work.done() or bot.kills >= MAX_KILLS:
                break
            await bot.kill()
            moment = loop.time()
            for person in kader:
                person.restarted(moment)
            await bot.start()
            # Telegram may deliver an update twice (a poll or webhook answer that got lost).
            for person in rng.sample(kader, 4):
                if person.user.last_update is not None:
                    fake_api.push(person.user.last_update)
                    redelivered += 1
        await work
    finally:
        if not work.done():
            work.cancel()
        await bot.stop()
    elapsed = loop.time() - began

    # Every interview submitted, scored once.
    interviews = [i for k in kader for household in k.households
                  for i in await database.conn.execute_fetchall(
                      "SELECT id, status FROM interviews WHERE household_id = ?", (household,))]
    assert len(interviews) == KADER and {status for _, status in interviews} == {"submitted"}
    scores = await database.conn.execute_fetchall("SELECT count(*) FROM scores")
    assert scores[0][0] == KADER

    # Acknowledged answers: present, with their value. Stored answers: only what the kader gave to
    # that question, never written again after the acknowledgement.
    acknowledged = {key: answer for k in kader for key, answer in k.acknowledged.items()}
    intended = {key: answer for k in kader for key, answer in k.intended.items()}
    stored = {}
    for interview_id, _ in interviews:
        answers = await repo.interviews.answers(interview_id)
        times = dict(await database.conn.execute_fetchall(
            "SELECT question_id, answered_at FROM answers WHERE interview_id = ?", (interview_id,)))
        stored |= {(interview_id, q): (answer, times[q]) for q, answer in answers.items()}
        assert engine.can_submit(answers)
    lost = [key for key, answer in acknowledged.items() if key not in stored or stored[key][0] != answer]
    foreign = [key for key, (answer, _) in stored.items() if intended.get(key) != answer]
    rewritten = [key for key, at in written.items() if key in stored and stored[key][1] != at]
    assert lost == [], f"acknowledged answers lost or changed: {lost}"
    twice = [(key, intended.get(key), stored[key][0]) for key in foreign]
    assert foreign == [] and rewritten == [], f"answers recorded twice: {twice} {rewritten}"

    # Resumed at the right question after every restart.
    assert wrong_resumes == []
    assert len(resumes) >= KADER  # at least one check per kader over the run
    integrity = await database.conn.execute_fetchall("PRAGMA integrity_check")
    assert [tuple(row) for row in integrity] == [("ok",)]
    assert bot.kills >= MIN_KILLS, f"only {bot.kills} kills: the interviews finished too fast"
    refusals = [e for e in fake_api.errors if TOO_OLD not in e and "not modified" not in e]
    print(f"\ncrash: {bot.kills} kills survived ({bot.starts} starts, start-up "
          f"{min(bot.start_seconds):.1f}-{max(bot.start_seconds):.1f} s); answers acknowledged "
          f"{len(acknowledged)}, stored {len(stored)}, lost {len(lost)}, recorded twice "
          f"{len(foreign) + len(rewritten)}; resumptions checked {len(resumes)}; updates redelivered "
          f"{redelivered}; kader actions {sum(k.actions for k in kader)}, repeated "
          f"{sum(k.retries for k in kader)}; tracebacks in bot logs {bot.count_tracebacks()}; "
          f"other refusals {refusals[:5]}; {elapsed:.1f} s")

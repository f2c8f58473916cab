"""Telegram failing a tenth of all calls (500, a proxy's 502, dropped connections, slow replies,
429s; getUpdates included): 50 interviews and a digest broadcast still complete, nothing is recorded
or delivered twice, and the log holds no unhandled exception."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot import SCHEDULER_KEY
from flows.answers import Answer
from sandbox.fakeapi import FakeBotApi
from tests.e2e.drivers import PersonKader, typed_values
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import open_first_family

FAULT_SHARE = 0.10
KADER, FAMILIES = 10, 5
OFFICIALS = {880101: "DINSOS", 880102: "DINKES", 880103: "KESBANGPOL", 880104: "DISDIK",
             880105: "DP3A", 880106: "DISPERKIM"}
ADMIN = 880100
MONDAY_0731 = datetime(2026, 11, 29, 23, 31, tzinfo=UTC)  # Mon 30 Nov 07:31 WITA: the digest is due


async def stored_answers(bot: RunningBot, interview_id: int) -> dict[str, tuple[Answer, str]]:
    """An interview's answers with the time each was written."""
    answers = await bot.repo.interviews.answers(interview_id)
    rows = await bot.repo.db.conn.execute_fetchall(
        "SELECT question_id, answered_at FROM answers WHERE interview_id = ?", (interview_id,))
    return {question: (answers[question], at) for question, at in rows}


def unhandled(records: list[logging.LogRecord]) -> list[str]:
    """ERROR records, and any record carrying a traceback."""
    return [f"{r.name}: {r.getMessage()[:200]}" for r in records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.fixture
async def flaky(config_file: Path) -> AsyncIterator[RunningBot]:
    """The bot in process against a fake Bot API; faults are switched on by the test."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["outbox"]["backoff_seconds"] = 1  # retries after a failed digest send come sooner
    # The drivers answer at machine speed, far above a person's pace: flood control (tested on its
    # own in test_flood) would only add waits that depend on how fast the machine is.
    config["flood"]["enabled"] = False
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    api = await FakeBotApi.start(timeout=30.0, fault_slow_max=2.5, fault_seed=10)
    bot = await RunningBot.start(api, config_file)
    app = bot.app
    assert app.updater is not None
    await app.updater.stop()  # poll again the way run_polling does: errors go to the error handler
    await app.updater.start_polling(poll_interval=0, timeout=1, error_callback=lambda error: app.create_task(
        app.process_error(error=error, update=None)))
    try:
        yield bot
    finally:
        api.fault_share = 0.0
        await bot.stop()
        await api.stop()


@pytest.mark.slow
async def test_ten_percent_faults_fifty_interviews_and_a_digest_complete_once(
        flaky: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    bot, api, rng = flaky, flaky.api, random.Random(6)
    engine = bot.svc.engine
    written: dict[tuple[int, str], str] = {}

    async def note_written(interview_id: int, question_id: str) -> None:
        rows = await bot.repo.db.conn.execute_fetchall(
            "SELECT answered_at FROM answers WHERE interview_id = ? AND question_id = ?",
            (interview_id, question_id))
        written[interview_id, question_id] = rows[0][0] if rows else "missing"

    kader: list[PersonKader] = []
    for number in range(KADER):
        chat, _, households = await bot.kader(881000 + number, name=f"Kader {number}", families=FAMILIES)
        kader.append(PersonKader(api, chat, {h.id: h.code for h in households}, engine.questions,
                                 random.Random(rng.random()), typed_values(rng), reaction_timeout=8.0,
                                 on_acknowledged=note_written))
    await bot.person("Dewi", "admin", telegram_id=ADMIN, kelurahan=None)
    for chat_id, agency in OFFICIALS.items():
        await bot.person(f"Petugas {agency}", "agency", telegram_id=chat_id, kelurahan=None, agency=agency)
    for chat_id in (*OFFICIALS, ADMIN):
        api.user(chat_id)  # they have opened the chat with the bot

    api.fault_share = FAULT_SHARE
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.gather(*(k.run(deadline=began + 240) for k in kader))
    surveyed = loop.time() - began

    # The weekly digest, broadcast through the outbox while the faults go on.
    start = time.monotonic()
    bot.clock.follow(lambda: MONDAY_0731 + timedelta(seconds=time.monotonic() - start))
    scheduler = bot.app.bot_data[SCHEDULER_KEY]
    period = await scheduler.queue_digest_if_due(bot.clock(), force=True)
    report = await scheduler.sender.drain(now=bot.clock, until_empty=True)
    broadcast = time.monotonic() - start
    api.fault_share = 0.0
    await api.idle(settle=0.3)

    # Every interview submitted; every stored answer is one the kader gave to that very question,
    # written once: its time has not changed since the chat acknowledged it.
    repo = bot.repo
    interviews = [i for k in kader for i in await repo.interviews.for_kader(
        (await repo.people.by_telegram_id(k.user.id)).id, bot.svc.settings.survey_round)]  # type: ignore[union-attr]
    assert len(interviews) == KADER * FAMILIES and {i.status for i in interviews} == {"submitted"}
    acknowledged = {key: answer for k in kader for key, answer in k.acknowledged.items()}
    intended = {key: answer for k in kader for key, answer in k.intended.items()}
    stored = {(i.id, q): v for i in interviews for q, v in (await stored_answers(bot, i.id)).items()}
    assert {key: answer for key, (answer, _) in stored.items()} == {key: intended[key] for key in stored}
    assert all(stored[key][0] == answer for key, answer in acknowledged.items())
    rewritten = [key for key, at in written.items() if stored[key][1] != at]
    assert rewritten == [], "answers written again after the chat acknowledged them"
    for interview in interviews:
        answers = {q: a for (iv, q), (a, _) in stored.items() if iv == interview.id}
        assert engine.can_submit(answers) and await repo.scores.get(interview.id) is not None

    # The digest: every row sent, each official got it exactly once (text, chart, Excel).
    statuses = await repo.db.conn.execute_fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
    assert {status for status, _ in statuses} == {"sent"} and report.failed == 0, (dict(statuses), report)
    for chat_id in (*OFFICIALS, ADMIN):
        rows = await repo.db.conn.execute_fetchall(
            "SELECT count(*) FROM outbox o JOIN people p ON p.id = o.recipient_id "
            "WHERE p.telegram_user_id = ? AND o.period = ?", (chat_id, period))
        delivered = [c.method for c in api.calls_for(chat_id) if c.method.startswith("send")]
        assert len(delivered) == rows[0][0] > 0, (chat_id, delivered)
        if chat_id in OFFICIALS:
            assert delivered.count("sendPhoto") == delivered.count("sendDocument") == 1, delivered

    # The log: Telegram's failures are warnings, never an unhandled exception.
    assert unhandled(caplog.records) == []
    kinds = dict(api.fault_counts)
    print(f"\nfaults: {sum(api.requests.values())} calls ({api.requests['getUpdates']} getUpdates), "
          f"{sum(kinds.values())} faults injected {kinds}; kader actions "
          f"{sum(k.actions for k in kader)}, repeated {sum(k.retries for k in kader)}; answers "
          f"acknowledged {len(acknowledged)}, stored {len(stored)}; surveyed in {surveyed:.1f} s; digest "
          f"{report.sent} sent, {report.retried} retried, {report.throttled} throttled in {broadcast:.1f} s; "
          f"warnings {Counter(r.name for r in caplog.records if r.levelno == logging.WARNING)}")


async def test_a_lost_reply_after_a_committed_press_is_a_warning_and_the_next_press_shows_the_question(
        running: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await running.person("Admin Kota", "admin", telegram_id=880200, kelurahan=None)
    admin = running.api.user(880200)
    user, kader, _ = await running.kader(880201)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    question = user.last
    running.api.fail_next("editMessageText", 502, "Bad Gateway")
    await user.press("Ya, tercatat")
    assert user.alerts[-1] == running.svc.text(kader, "network_trouble")
    assert "1/24" in user.last.text  # the chat still shows the answered question…
    stored = await running.repo.interviews.answers(interview.id)
    assert stored == {"marriage_registered": Answer("marriage_registered", "yes")}  # …which is saved
    await user.press("Ya, tercatat", message=question)  # the kader presses again
    assert user.alerts[-1] == running.svc.text(kader, "already_answered")
    assert "usia 0–17 tahun" in user.last.text
    assert await running.repo.interviews.answers(interview.id) == stored
    await running.api.idle()
    assert admin.messages == []  # not an alarm for the admins
    assert unhandled(caplog.records) == []
    assert any("Telegram call failed while handling button" in r.getMessage() for r in caplog.records)


async def test_a_number_typed_again_after_a_lost_reply_is_not_filed_under_the_next_question(
        running: RunningBot) -> None:
    user, kader, _ = await running.kader(880202)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await user.press("Ya, tercatat")
    running.api.fail_next("sendMessage", 500, "Internal Server Error")
    await user.send("3")  # saved; the next question never reaches the chat
    assert user.last.text == running.svc.text(kader, "network_trouble")
    await user.send("3")  # no question in sight: the kader types the answer again
    hint, shown = user.messages[-2:]
    assert hint.text == running.svc.text(kader, "already_answered")
    assert "akta kelahiran" in shown.text and shown.buttons
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["children_0_17"].value == 3 and "children_akta" not in answers
    await user.send("2")  # now it answers the question on screen
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["children_akta"].value == 2

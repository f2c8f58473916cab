"""Scheduled work over the fake Bot API with a controllable clock: reminders, the weekly digest."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from bot import SCHEDULER_KEY
from jobs.scheduler import Scheduler
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import answer_whole_interview

TUESDAY_1605 = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # 16:05 WITA, after the 16:00 reminder
TUESDAY_2200 = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 22:00 WITA, quiet hours
MONDAY_0731 = datetime(2026, 11, 30, 23, 31, tzinfo=UTC) - timedelta(days=1)  # Mon 30 Nov 07:31 WITA
THURSDAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Thu 10:00 WITA, same ISO week


def move_clock(bot: RunningBot, moment: datetime) -> None:
    """Set the bot's clock to ``moment`` (every clock move of these tests is here)."""
    bot.clock.stand_at(moment)


def scheduler(bot: RunningBot) -> Scheduler:
    """The running bot's scheduler."""
    found = bot.app.bot_data[SCHEDULER_KEY]
    assert isinstance(found, Scheduler)
    return found


async def tick_at(bot: RunningBot, moment: datetime) -> None:
    """Move the clock and run one tick of the scheduler, as the JobQueue would."""
    move_clock(bot, moment)
    await scheduler(bot).tick()
    await bot.api.idle()


async def test_reminders_reach_only_kader_with_pending_households_once_a_day(running: RunningBot) -> None:
    waiting, waiting_kader, households = await running.kader(850001, families=2)
    done, done_kader, _ = await running.kader(850002, name="Budi Santoso", families=0)
    await tick_at(running, TUESDAY_2200)
    assert waiting.messages == []  # quiet hours: nothing in bulk
    await tick_at(running, TUESDAY_1605)
    [reminder] = waiting.messages
    assert "2 keluarga masih menunggu" in reminder.text and households[0].code in reminder.text
    assert done.messages == []
    await tick_at(running, TUESDAY_1605 + timedelta(hours=1))
    assert len(waiting.messages) == 1  # once a day at most
    await waiting.press("Jeda pengingat")
    assert "dijeda sampai" in waiting.last.text
    await waiting.press("Buka", message=reminder)
    [card] = [m for m in waiting.messages if m.message_id == reminder.message_id]
    assert "Alamat: Jl. Mawar No. 1" in card.text  # the reminder opened the first family
    await tick_at(running, TUESDAY_1605 + timedelta(days=1))
    assert len([m for m in waiting.messages if "Pengingat pendataan" in m.text]) <= 1
    assert len(running.api.sent_to(850001)) == 2  # the reminder and the pause confirmation only
    paused = await running.repo.people.get(waiting_kader.id)
    assert paused is not None and paused.reminders_paused_until is not None
    assert done_kader.id != waiting_kader.id


async def test_the_weekly_digest_reaches_each_official_once_with_text_chart_and_excel(
        running: RunningBot) -> None:
    kader_chat, kader, [household, *_] = await running.kader(850010, families=1)
    await answer_whole_interview(running, kader_chat, kader)
    await kader_chat.press("Kirim")
    await running.person("Pak Rahman", "agency", telegram_id=850011, kelurahan=None, agency="KESBANGPOL")
    await running.person("Dewi", "admin", telegram_id=850012, kelurahan=None)
    official, admin = running.api.user(850011), running.api.user(850012)
    await tick_at(running, MONDAY_0731)
    kinds = [m.kind for m in official.messages]
    assert kinds[-2:] == ["photo", "document"] and "text" in kinds
    text = "\n".join(m.text for m in official.messages if m.kind == "text")
    assert "Guntung Manggis" in text
    document = official.messages[-1]
    assert isinstance(document.file, bytes)
    book = load_workbook(io.BytesIO(document.file), read_only=True)
    assert book.sheetnames
    admin_digest = "\n".join(m.text for m in admin.messages)
    assert "Kemajuan pendataan" in admin_digest and "Guntung Manggis: 1/1 terkirim" in admin_digest
    assert "Indeks" in admin_digest
    sent = len(official.messages)
    await running.restart()
    await tick_at(running, THURSDAY)
    assert len(official.messages) == sent  # the week's digest is never sent twice
    rows = await running.repo.db.conn.execute_fetchall(
        "SELECT count(*) FROM outbox WHERE recipient_id = (SELECT id FROM people WHERE telegram_user_id = ?)",
        (850011,))
    assert rows[0][0] == sent


async def test_a_digest_missed_while_the_bot_was_down_goes_out_on_start_up_in_the_same_week(
        running: RunningBot) -> None:
    await running.person("Bu Sari", "agency", telegram_id=850020, kelurahan=None, agency="DINSOS")
    official = running.api.user(850020)
    await tick_at(running, THURSDAY)
    assert [m.kind for m in official.messages][-2:] == ["photo", "document"]
    count = len(official.messages)
    await tick_at(running, THURSDAY + timedelta(hours=2))
    assert len(official.messages) == count


async def test_digest_on_demand_for_officials_and_admins(running: RunningBot) -> None:
    await running.person("Bu Sari", "agency", telegram_id=850030, kelurahan=None, agency="DINSOS")
    await running.person("Dewi", "admin", telegram_id=850031, kelurahan=None)
    official, admin = running.api.user(850030), running.api.user(850031)
    move_clock(running, MONDAY_0731 + timedelta(hours=3))
    await official.send("/digest")
    await running.api.wait_for(850030, method="sendDocument", timeout=30)
    assert [m.kind for m in official.messages][-2:] == ["photo", "document"]
    # Sent now, not at the next half-minute tick: the waits below are shorter than its interval.
    await admin.send("/digest send")
    await running.api.wait_for(850030, 2, method="sendDocument", timeout=10)  # asked for + the week's
    await admin.send("/digest send")
    await running.api.idle(settle=1.5)
    assert len(running.api.sent_to(850030, "sendDocument")) == 2  # idempotent
    await admin.send("/digest preview")
    previews = await running.api.wait_for(850031, 5, timeout=10)
    assert any("Ringkasan mingguan" in p["text"] for p in previews)
    kader_chat, _, _ = await running.kader(850032, families=1)
    await kader_chat.send("/digest")
    assert kader_chat.last.text == running.svc.text(None, "not_allowed")


async def test_an_official_who_blocked_the_bot_is_reported_and_restored_when_writing_again(
        running: RunningBot) -> None:
    official_person = await running.person("Bu Sari", "agency", telegram_id=850040, kelurahan=None,
                                           agency="DINSOS")
    await running.person("Dewi", "admin", telegram_id=850041, kelurahan=None)
    admin = running.api.user(850041)
    official = running.api.user(850040)
    running.api.block(850040, "Forbidden: bot was blocked by the user")
    await tick_at(running, MONDAY_0731)
    await tick_at(running, MONDAY_0731 + timedelta(minutes=1))  # the admins' notice goes out
    blocked = await running.repo.people.get(official_person.id)
    assert blocked is not None and blocked.unreachable_at is not None
    assert any("tidak bisa dikirim" in m.text and "Bu Sari" in m.text for m in admin.messages)
    rows = await running.repo.db.conn.execute_fetchall(
        "SELECT DISTINCT status FROM outbox WHERE recipient_id = ?", (official_person.id,))
    assert {row[0] for row in rows} == {"inactive"}
    running.api.unblock(850040)
    await official.send("/help")
    restored = await running.repo.people.get(official_person.id)
    assert restored is not None and restored.unreachable_at is None


async def test_a_429_during_the_broadcast_is_waited_out_and_nobody_gets_two_copies(
        running: RunningBot) -> None:
    await running.person("Bu Sari", "agency", telegram_id=850050, kelurahan=None, agency="DINSOS")
    official = running.api.user(850050)
    running.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await tick_at(running, MONDAY_0731)
    assert running.api.faults  # the 429 was answered
    await asyncio.sleep(1.2)  # what retry_after asked for; the next tick sends the rest
    await tick_at(running, MONDAY_0731 + timedelta(seconds=30))
    assert [m.kind for m in official.messages][-2:] == ["photo", "document"]
    texts = [m.text for m in official.messages if m.kind == "text"]
    assert len(texts) == len(set(texts))
    rows = await running.repo.db.conn.execute_fetchall(
        "SELECT status, count(*) FROM outbox WHERE chat_id = ? GROUP BY status", (850050,))
    assert dict((row[0], row[1]) for row in rows) == {"sent": len(official.messages)}


async def test_the_admin_digest_reports_how_last_weeks_broadcast_went(running: RunningBot) -> None:
    await running.person("Bu Sari", "agency", telegram_id=850060, kelurahan=None, agency="DINSOS")
    await running.person("Dewi", "admin", telegram_id=850061, kelurahan=None)
    admin = running.api.user(850061)
    running.api.user(850060)  # the official has started the chat, so Telegram lets the bot write
    await tick_at(running, MONDAY_0731 - timedelta(days=7))
    assert not any("Pengiriman ringkasan" in m.text for m in admin.messages)  # no earlier broadcast
    await tick_at(running, MONDAY_0731)
    [report] = [m.text for m in admin.messages if "Pengiriman ringkasan" in m.text]
    assert "2026-W48: 3 terkirim, 0 gagal, 0 tidak bisa dihubungi" in report

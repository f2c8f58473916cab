"""The reminder use case without Telegram: after the day's first reminder time, one message a day to
each active kader with families waiting, naming them, with buttons to open the first and to pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.reminders import REMINDER_LIST, RemindersNotDue, RemindersQueued, queue_reminders
from app.services import Services
from flows.callbacks import ConfirmButton, HouseholdButton, decode
from storage.records import Household, Person
from storage.repository import Repository
from tests.app.scheduled import KELURAHAN, build_services, joined, move_clock, rows, texts
from tests.storage.factories import FakeClock

TUESDAY_1559 = datetime(2026, 11, 24, 7, 59, tzinfo=UTC)  # 15:59 WITA, a minute before the reminder
TUESDAY_1605 = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # 16:05 WITA
DAY = "2026-11-24"


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock, tmp_path: Path) -> Services:
    """The services on the test database and clock."""
    return build_services(config_file, repo, clock, tmp_path / "files")


async def families(repo: Repository, kader: Person, count: int) -> list[Household]:
    """``count`` families assigned to ``kader``."""
    return [await repo.households.add(f"K{kader.id}-{n:03d}", f"Keluarga {kader.id} {n}", f"Jl. Mawar {n}",
                                      "001", "002", KELURAHAN, kader_id=kader.id)
            for n in range(1, count + 1)]


async def test_due_after_the_first_reminder_time_once_a_day(svc: Services, repo: Repository,
                                                            clock: FakeClock) -> None:
    kader = await joined(repo, "Siti Aminah", "kader", 2001)
    [first, second] = await families(repo, kader, 2)
    move_clock(clock, TUESDAY_1559)
    assert await queue_reminders(svc, clock()) == RemindersNotDue()
    move_clock(clock, TUESDAY_1605)
    assert await queue_reminders(svc, clock()) == RemindersQueued(DAY, 1)
    [item] = await rows(repo)
    assert (item.kind, item.period, item.recipient_id, item.chat_id) == ("reminder", DAY, kader.id, 2001)
    text = item.payload["text"]
    assert "2 keluarga masih menunggu" in text and first.code in text and second.code in text
    move_clock(clock, TUESDAY_1605 + timedelta(hours=1))
    assert await queue_reminders(svc, clock()) == RemindersQueued(DAY, 0)  # once a day at most
    move_clock(clock, TUESDAY_1605 + timedelta(days=1))
    assert await queue_reminders(svc, clock()) == RemindersQueued("2026-11-25", 1)


async def test_only_active_reachable_unpaused_kader_with_families_waiting(svc: Services, repo: Repository,
                                                                          clock: FakeClock) -> None:
    waiting = await joined(repo, "Siti Aminah", "kader", 2001)
    await families(repo, waiting, 1)
    await joined(repo, "Tanpa Keluarga", "kader", 2002)
    paused = await joined(repo, "Sedang Jeda", "kader", 2003)
    await families(repo, paused, 1)
    await repo.people.pause_reminders(paused.id, TUESDAY_1605 + timedelta(days=7))
    gone = await joined(repo, "Sudah Keluar", "kader", 2004)
    await families(repo, gone, 1)
    await repo.people.set_active(gone.id, False)
    never_joined = await joined(repo, "Belum Bergabung", "kader", None)
    await families(repo, never_joined, 1)
    move_clock(clock, TUESDAY_1605)
    assert await queue_reminders(svc, clock()) == RemindersQueued(DAY, 1)
    assert [item.recipient_id for item in await rows(repo)] == [waiting.id]


async def test_idle_drafts_first_recent_drafts_and_submitted_never(svc: Services, repo: Repository,
                                                                   clock: FakeClock) -> None:
    kader = await joined(repo, "Siti Aminah", "kader", 2001)
    idle, recent, fresh = await families(repo, kader, 3)
    move_clock(clock, TUESDAY_1605 - timedelta(days=3))
    await repo.interviews.start(idle.id, kader.id, svc.instrument_ref, svc.settings.survey_round, None)
    move_clock(clock, TUESDAY_1605 - timedelta(hours=2))
    await repo.interviews.start(recent.id, kader.id, svc.instrument_ref, svc.settings.survey_round, None)
    move_clock(clock, TUESDAY_1605)
    await queue_reminders(svc, clock())
    [text] = texts(await rows(repo), kader)
    assert "2 keluarga masih menunggu" in text and recent.code not in text
    assert text.index(idle.code) < text.index(fresh.code)
    assert f"({idle.code}): 0/{svc.engine.total}, lanjutkan" in text and "belum didata" in text


async def test_the_list_is_capped_and_the_buttons_open_the_first_and_pause(svc: Services, repo: Repository,
                                                                           clock: FakeClock) -> None:
    kader = await joined(repo, "Siti Aminah", "kader", 2001)
    waiting = await families(repo, kader, REMINDER_LIST + 3)
    move_clock(clock, TUESDAY_1605)
    await queue_reminders(svc, clock())
    [item] = await rows(repo)
    text = item.payload["text"]
    assert f"{len(waiting)} keluarga masih menunggu" in text and "… dan 3 keluarga lagi" in text
    assert sum(household.code in text for household in waiting) == REMINDER_LIST
    [[open_first], [pause]] = item.payload["reply_markup"]["inline_keyboard"]
    assert decode(open_first["callback_data"]) == HouseholdButton(household=waiting[0].id)
    assert open_first["text"] == f"▶️ Buka {waiting[0].head_name}"
    assert decode(pause["callback_data"]) == ConfirmButton(verb="pause", subject=kader.id)

"""The digest use cases without Telegram: due once a week, queued once per person, an official's own
digest, the admin's preview and "send now", the admins' notice of someone unreachable."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import digests
from app.digests import NotDue, WeekQueued
from app.outbox import notify_unreachable
from app.services import Services
from storage.repository import Repository
from tests.app.scheduled import PACK, build_services, joined, move_clock, rows, texts
from tests.storage.factories import FakeClock

MONDAY_0729 = datetime(2026, 11, 29, 23, 29, tzinfo=UTC)  # Mon 30 Nov 07:29 WITA: a minute early
MONDAY_0731 = MONDAY_0729 + timedelta(minutes=2)
THURSDAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Thu 3 Dec 10:00 WITA, the same ISO week
WEEK = "2026-W49"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock, tmp_path: Path) -> Services:
    """The services on the test database and clock."""
    return build_services(config_file, repo, clock, tmp_path / "files")


async def test_the_week_is_due_after_its_time_and_queued_once(svc: Services, repo: Repository,
                                                              clock: FakeClock, tmp_path: Path) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    admin = await joined(repo, "Dewi", "admin", 1002)
    await joined(repo, "Tanpa Telegram", "agency", None, agency="DINSOS")
    gone = await joined(repo, "Pak Lama", "agency", 1003, agency="DINKES")
    await repo.people.set_active(gone.id, False)
    move_clock(clock, MONDAY_0729)
    assert await digests.queue_week(svc, clock(), pack=PACK) == NotDue(WEEK)
    assert await rows(repo) == []
    move_clock(clock, MONDAY_0731)
    outcome = await digests.queue_week(svc, clock(), pack=PACK)
    queued = await rows(repo)
    assert outcome == WeekQueued(WEEK, len(queued))
    assert {item.recipient_id for item in queued} == {official.id, admin.id}
    kinds = [item.kind for item in queued if item.recipient_id == official.id]
    assert kinds[0] == "digest:text:1" and kinds[-2:] == ["digest:chart", "digest:excel"]
    assert "Ringkasan mingguan Tangguh" in texts(queued, official)[0]
    assert (tmp_path / "files" / WEEK / "DINSOS-id.png").is_file()
    assert (tmp_path / "files" / WEEK / "DINSOS-id.xlsx").is_file()
    admin_text = "\n".join(texts(queued, admin))
    assert "Kemajuan pendataan" in admin_text and "Indeks" in admin_text
    assert {item.period for item in queued} == {WEEK}
    move_clock(clock, MONDAY_0731 + timedelta(hours=1))
    assert await digests.queue_week(svc, clock(), pack=PACK) == NotDue(WEEK)
    assert await digests.queue_week(svc, clock(), pack=PACK, force=True) == WeekQueued(WEEK, 0)
    assert len(await rows(repo)) == len(queued)  # nobody gets the week's digest twice


async def test_a_week_missed_goes_out_later_in_the_same_week(svc: Services, repo: Repository,
                                                             clock: FakeClock) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    move_clock(clock, THURSDAY)
    outcome = await digests.queue_week(svc, clock(), pack=PACK)
    assert isinstance(outcome, WeekQueued) and outcome.period == WEEK and outcome.messages
    assert [item.kind for item in await rows(repo)][-2:] == ["digest:chart", "digest:excel"]
    assert texts(await rows(repo), official)


async def test_each_language_gets_its_own_text_and_files(svc: Services, repo: Repository,
                                                         clock: FakeClock, tmp_path: Path) -> None:
    english = await joined(repo, "Mr Smith", "agency", 1001, agency="DINSOS", language="en")
    indonesian = await joined(repo, "Bu Sari", "agency", 1002, agency="DINSOS")
    move_clock(clock, MONDAY_0731)
    await digests.queue_week(svc, clock(), pack=PACK)
    queued = await rows(repo)
    assert "Tangguh weekly digest" in texts(queued, english)[0]
    assert "Ringkasan mingguan" in texts(queued, indonesian)[0]
    assert sorted(p.name for p in (tmp_path / "files" / WEEK).iterdir()) == [
        "DINSOS-en.png", "DINSOS-en.xlsx", "DINSOS-id.png", "DINSOS-id.xlsx"]


async def test_the_channel_packs_the_text_and_a_digest_takes_at_most_twenty_messages(
        svc: Services, repo: Repository, clock: FakeClock) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    packed: list[Sequence[str]] = []

    def one_per_line(blocks: Sequence[str], *, separator: str) -> list[str]:
        packed.append(blocks)
        assert separator == "\n\n"
        return [f"{line} ({n})" for block in blocks for line in block.split("\n") for n in range(10) if line]

    move_clock(clock, MONDAY_0731)
    await digests.queue_week(svc, clock(), pack=one_per_line)
    kinds = [item.kind for item in await rows(repo) if item.recipient_id == official.id]
    assert packed and kinds == [f"digest:text:{n}" for n in range(1, 21)] + ["digest:chart", "digest:excel"]


async def test_the_admin_digest_reports_last_weeks_broadcast(svc: Services, repo: Repository,
                                                             clock: FakeClock) -> None:
    await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    admin = await joined(repo, "Dewi", "admin", 1002)
    move_clock(clock, MONDAY_0731 - timedelta(days=7))
    await digests.queue_week(svc, clock(), pack=PACK)
    assert not any("Pengiriman ringkasan" in text for text in texts(await rows(repo), admin))
    for item in await rows(repo):  # last week's broadcast went out
        assert await repo.outbox.claim(item.id, item.attempts) == "claimed"
        await repo.outbox.complete(item.id, clock())
    move_clock(clock, MONDAY_0731)
    await digests.queue_week(svc, clock(), pack=PACK)
    [report] = [text for text in texts(await rows(repo), admin) if "Pengiriman ringkasan" in text]
    assert "2026-W48</b>: 3 terkirim, 0 gagal, 0 tidak bisa dihubungi" in report


async def test_send_now_queues_the_week_whatever_the_time_and_is_audited(svc: Services, repo: Repository,
                                                                         clock: FakeClock) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    admin = await joined(repo, "Dewi", "admin", 1002)
    move_clock(clock, MONDAY_0729)  # before the week's time
    first = await digests.send_now(svc, admin, pack=PACK)
    again = await digests.send_now(svc, admin, pack=PACK)
    assert first.period == again.period == WEEK and first.messages > 0 and again.messages == 0
    assert texts(await rows(repo), official)
    audit = [entry for entry in await repo.audit.latest() if entry.action == "digest.send"]
    assert [entry.subject for entry in audit] == [f"period:{WEEK}"] * 2
    move_clock(clock, MONDAY_0731)
    assert await digests.queue_week(svc, clock(), pack=PACK) == NotDue(WEEK)  # already queued


async def test_an_officials_own_digest_is_computed_now_and_kept(svc: Services, repo: Repository,
                                                                clock: FakeClock) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    move_clock(clock, THURSDAY)
    outcome = await digests.own_digest(svc, official)
    assert outcome.period == WEEK and outcome.filename == f"tangguh-DINSOS-{WEEK}.xlsx"
    messages = outcome.messages(PACK)
    assert messages and "Dinas Sosial" in messages[0]
    assert outcome.chart.startswith(b"\x89PNG") and outcome.workbook.startswith(b"PK")
    assert await repo.digests.get("DINSOS", WEEK) is not None  # next week compares with it
    assert await rows(repo) == []  # sent at once, not through the outbox


async def test_the_preview_queues_every_agencys_digest_to_the_admin_each_time_asked(
        svc: Services, repo: Repository, clock: FakeClock) -> None:
    admin = await joined(repo, "Dewi", "admin", 1002)
    move_clock(clock, THURSDAY)
    first = await digests.queue_preview(svc, admin, pack=PACK)
    queued = await rows(repo)
    assert first.period == WEEK and first.messages == len(queued) > 0
    assert all(item.recipient_id == admin.id and item.kind.startswith("preview:") for item in queued)
    assert {item.kind.split(":")[1] for item in queued} <= set(svc.settings.agency_codes)
    assert (await digests.queue_preview(svc, admin, pack=PACK)).messages == 0  # the same request twice
    move_clock(clock, THURSDAY + timedelta(minutes=5))
    assert (await digests.queue_preview(svc, admin, pack=PACK)).messages == first.messages


async def test_the_admins_hear_once_a_day_of_someone_unreachable(svc: Services, repo: Repository,
                                                                 clock: FakeClock) -> None:
    official = await joined(repo, "Bu Sari", "agency", 1001, agency="DINSOS")
    first = await joined(repo, "Dewi", "admin", 1002)
    second = await joined(repo, "Rudi", "admin", 1003)
    assert await notify_unreachable(svc, official.id, clock()) == 2
    assert await notify_unreachable(svc, official.id, clock()) == 0
    queued = await rows(repo)
    assert all("Bu Sari" in texts(queued, admin)[0] for admin in (first, second))
    assert await notify_unreachable(svc, first.id, clock()) == 1  # not to themselves
    assert await notify_unreachable(svc, 999_999, clock()) == 0


def test_the_use_cases_load_neither_telegram_nor_the_layers_above() -> None:
    script = ("import sys, app.digests, app.reminders, app.outbox; print(sorted({m.split('.')[0] for m in "
              "sys.modules} & {'telegram', 'telegram_io', 'jobs', 'handlers', 'pandas', 'matplotlib'}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "[]"

"""The nightly online backup, driven by the scheduler's tick with a movable clock."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from flows.backups import backup_name
from jobs.backup import RETRY_AFTER, NightlyBackup
from sandbox.fakeapi import FakeBotApi
from settings import BackupSettings
from storage.sqlite.database import Database
from tests.e2e.harness import RunningBot
from tests.e2e.test_scheduled import tick_at
from tests.e2e.test_survey import answer_current, open_first_family

WITA = ZoneInfo("Asia/Makassar")
FIRST_DAY = date(2026, 11, 24)  # the harness's clock stands at 02:00 WITA that day, before 03:00
TABLES = ("people", "households", "interviews", "answers")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WITA)


@pytest.fixture
async def backing_up(fake_api: FakeBotApi, config_file: Path) -> AsyncIterator[RunningBot]:
    """The bot with copies due after 03:00 local time, three days kept."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["backup"] = {"enabled": True, "folder": "data/backups", "at": "03:00", "keep_days": 3}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    bot = await RunningBot.start(fake_api, config_file)
    yield bot
    await bot.stop()


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, read with plain sqlite3, after the integrity check passed."""
    with closing(sqlite3.connect(path)) as conn:  # closed at once: no -wal/-shm left beside a copy
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert set(TABLES) <= set(tables)
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in tables}


def copies(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_due_after_its_time_once_a_day_consistent_and_old_copies_pruned(
        backing_up: RunningBot, config_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    bot = backing_up
    caplog.set_level(logging.INFO, logger="jobs.backup")
    folder = config_file.parent / "data" / "backups"
    live = config_file.parent / "data" / "tangguh.db"
    user, kader, _ = await bot.kader(860001)
    await open_first_family(user)
    [interview] = await bot.repo.interviews.for_kader(kader.id, bot.svc.settings.survey_round)
    for _ in range(3):
        await answer_current(bot, user, interview.id)

    await tick_at(bot, local(FIRST_DAY, 2, 59))
    assert copies(folder) == []  # not before its time
    await tick_at(bot, local(FIRST_DAY, 3, 1))
    first = backup_name("tangguh", FIRST_DAY)
    assert copies(folder) == [first]
    snapshot = rows(folder / first)
    assert snapshot == rows(live)  # the same rows, read while the bot keeps the database open
    assert len(snapshot["answers"]) == 3 and snapshot["households"]

    await answer_current(bot, user, interview.id)  # a write after the copy stays out of it
    await tick_at(bot, local(FIRST_DAY, 9, 0))
    await bot.restart()
    await tick_at(bot, local(FIRST_DAY, 23, 59))
    assert copies(folder) == [first]  # once a day, a restart included
    assert rows(folder / first) == snapshot
    assert len(rows(live)["answers"]) == 4

    (folder / f".{backup_name('tangguh', FIRST_DAY + timedelta(days=1))}.partial").write_bytes(b"half")
    (folder / f"{first}-shm").write_bytes(b"")  # as if someone had the copy open in sqlite3
    for offset in range(1, 5):
        await tick_at(bot, local(FIRST_DAY + timedelta(days=offset), 3, 30))
    kept = [backup_name("tangguh", FIRST_DAY + timedelta(days=n)) for n in (2, 3, 4)]
    assert copies(folder) == kept  # three days kept; the crash's leftover and the -shm gone
    for name in kept:
        assert rows(folder / name) == rows(live)
    made = [r for r in caplog.records if r.name == "jobs.backup"]
    assert len(made) == 5 and all(r.levelno == logging.INFO for r in made)
    assert made[-1].getMessage().startswith(f"backup {kept[-1]} written (") and "; 1 older removed" in \
        made[-1].getMessage()


async def test_a_failed_copy_logs_one_error_and_waits_before_trying_again(
        db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    job = NightlyBackup(db, BackupSettings(at=time(1, 0)), blocked, WITA)
    now = local(FIRST_DAY, 2, 0)
    with caplog.at_level(logging.INFO, logger="jobs.backup"):
        assert await job.run_if_due(now) is None
        assert await job.run_if_due(now + RETRY_AFTER / 2) is None
    [error] = [r for r in caplog.records if r.name == "jobs.backup"]
    assert error.levelno == logging.ERROR and "trying again in 15 minutes" in error.getMessage()
    blocked.unlink()
    made = await job.run_if_due(now + RETRY_AFTER)
    assert made is not None and made.path == blocked / backup_name(db.path.stem, FIRST_DAY)
    assert made.size == made.path.stat().st_size > 0


async def test_switched_off_makes_nothing(db: Database, tmp_path: Path) -> None:
    job = NightlyBackup(db, BackupSettings(enabled=False), tmp_path / "copies", WITA)
    assert await job.run_if_due(local(FIRST_DAY, 12, 0)) is None
    assert not (tmp_path / "copies").exists()

"""The nightly backup's calendar rules: names, when a copy is due, which copies are pruned."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flows.backups import backup_day, backup_days, backup_name, backups_to_prune, due_backup_day

WITA = ZoneInfo("Asia/Makassar")
AT = time(1, 30)


def names(*days: str, prefix: str = "tangguh") -> list[str]:
    return [f"{prefix}-{day}.db" for day in days]


def test_a_copy_is_named_by_its_local_day_and_read_back() -> None:
    name = backup_name("tangguh", date(2026, 11, 27))
    assert name == "tangguh-2026-11-27.db"
    assert backup_day("tangguh", name) == date(2026, 11, 27)


def test_files_that_are_not_our_copies_are_ignored() -> None:
    for other in ["tangguh.db", "tangguh-2026-11-27.db-journal", ".tangguh-2026-11-27.db.partial",
                  "other-2026-11-27.db", "tangguh-2026-13-45.db", "tangguh-latest.db", "notes.txt"]:
        assert backup_day("tangguh", other) is None, other
    assert backup_day("my-db", "my-db-2026-01-02.db") == date(2026, 1, 2)  # a prefix with a dash
    assert backup_days("tangguh", ["notes.txt", *names("2026-11-26")]) == {
        date(2026, 11, 26): "tangguh-2026-11-26.db"}


def test_due_only_after_its_local_time_and_once_a_day() -> None:
    before = datetime(2026, 11, 26, 17, 29, tzinfo=UTC)  # 01:29 WITA on the 27th
    after = datetime(2026, 11, 26, 17, 31, tzinfo=UTC)  # 01:31 WITA on the 27th
    assert due_backup_day(before, WITA, AT, []) is None
    assert due_backup_day(after, WITA, AT, []) == date(2026, 11, 27)  # the local day, not UTC's 26th
    assert due_backup_day(after, WITA, AT, [date(2026, 11, 27)]) is None
    assert due_backup_day(after, WITA, AT, [date(2026, 11, 26)]) == date(2026, 11, 27)


def test_a_copy_missed_while_the_bot_was_down_is_made_later_that_day() -> None:
    evening = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 22:00 WITA
    assert due_backup_day(evening, WITA, AT, [date(2026, 11, 25)]) == date(2026, 11, 27)


def test_copies_older_than_the_kept_days_are_pruned_oldest_first() -> None:
    found = ["notes.txt", *names("2026-11-27", "2026-11-20", "2026-11-24", "2026-11-25", "2026-11-26")]
    pruned = backups_to_prune("tangguh", found, date(2026, 11, 27), keep_days=3)
    assert pruned == names("2026-11-20", "2026-11-24")  # the 25th, 26th and 27th stay
    assert backups_to_prune("tangguh", found, date(2026, 11, 27), keep_days=1) == names(
        "2026-11-20", "2026-11-24", "2026-11-25", "2026-11-26")


def test_the_newest_copy_stays_however_old_and_other_files_are_never_touched() -> None:
    found = ["tangguh.db", "other-2020-01-01.db", *names("2026-01-01", "2026-02-01")]
    assert backups_to_prune("tangguh", found, date(2026, 11, 27), keep_days=7) == names("2026-01-01")
    assert backups_to_prune("tangguh", ["tangguh.db"], date(2026, 11, 27), keep_days=7) == []

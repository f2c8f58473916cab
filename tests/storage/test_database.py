"""Database: opening, migrations, transactions, concurrency, backup."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from flows.answers import Answer
from storage.convert import to_db_time
from storage.errors import StorageError
from storage.repository import Repository
from storage.sqlite.database import MIGRATIONS_DIR, Database, find_migrations
from tests.storage.factories import FakeClock, new_interview

TABLES = {"people", "invites", "households", "interviews", "answers", "scores", "outbox", "audit_log",
          "dialogs", "imports", "digest_runs"}


async def test_migrates_an_empty_file(db_path: Path) -> None:
    db_path.touch()
    db = await Database.open(db_path)
    try:
        assert await db.user_version() == len(find_migrations()) >= 1
        rows = await db.conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert {row[0] for row in rows} == TABLES
        pragmas = {}
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
            (row,) = await db.conn.execute_fetchall(f"PRAGMA {name}")
            pragmas[name] = row[0]
        assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 5000}
    finally:
        await db.close()


async def test_reopening_a_migrated_file_keeps_its_data(db_path: Path) -> None:
    db = await Database.open(db_path)
    await Repository(db).people.add("Admin", "admin")
    await db.close()
    db = await Database.open(db_path)
    try:
        assert [p.name for p in await Repository(db).people.list()] == ["Admin"]
    finally:
        await db.close()


async def test_too_new_a_version_is_refused(db_path: Path) -> None:
    known = len(find_migrations())
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {known + 1}")
    expected = rf"is newer \(version {known + 1}\) than this program knows \({known}\)"
    with pytest.raises(StorageError, match=expected):
        await Database.open(db_path)


@pytest.mark.parametrize("kind", ["directory", "not a database", "missing parent"])
async def test_unopenable_path_raises_storage_error(tmp_path: Path, kind: str) -> None:
    path = {"directory": tmp_path, "missing parent": tmp_path / "nope" / "x.db"}.get(kind, tmp_path / "x.db")
    if kind == "not a database":
        path.write_bytes(b"this is not sqlite\n" * 512)
    with pytest.raises(StorageError, match="cannot open database") as caught:
        await Database.open(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message


async def test_a_failing_migration_is_rolled_back_and_named(tmp_path: Path, db_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    known = len(find_migrations())
    broken = f"{known + 1:04d}_broken.sql"
    (migrations / broken).write_text("CREATE TABLE extra (a);\nCREATE TABLE broken (;\n")
    with pytest.raises(StorageError, match=broken):
        await Database.open(db_path, migrations=find_migrations(migrations))
    # The known versions were applied and kept; the broken one left no trace.
    db = await Database.open(db_path)
    try:
        assert await db.user_version() == known
        rows = await db.conn.execute_fetchall("SELECT name FROM sqlite_master WHERE name = 'extra'")
        assert list(rows) == []
    finally:
        await db.close()


def test_migrations_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    for name in ("0001_a.sql", "0003_c.sql", "README.md"):
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(StorageError, match="0003_c.sql is out of sequence"):
        find_migrations(tmp_path)


def test_statement_splitting_keeps_triggers_and_quotes_whole(tmp_path: Path) -> None:
    (tmp_path / "0001_x.sql").write_text(
        "-- a comment; with a semicolon\nCREATE TABLE t (a TEXT DEFAULT 'x;y');\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 'z'; END;\n"
    )
    (migration,) = find_migrations(tmp_path)
    assert len(migration.statements()) == 2


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (name, role, created_at) VALUES ('X', 'admin', ?)",
                (to_db_time(db.now()),),
            )
            raise RuntimeError("boom")
    assert await Repository(db).people.list() == []
    async with db.transaction():  # the lock was released and the connection is usable
        pass


async def test_nested_transaction_is_an_error_not_a_deadlock(db: Database) -> None:
    async with db.transaction():
        with pytest.raises(RuntimeError, match="nested"):
            async with db.transaction():
                pass


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1))


async def test_concurrent_writers_lose_nothing(repo: Repository, db: Database) -> None:
    interviews = [await new_interview(repo, f"KK-{i:03d}", first="q0") for i in range(50)]

    async def kader(interview_id: int) -> None:
        for n in range(20):
            answered = await repo.interviews.record_answer(
                interview_id, Answer(f"q{n}", n), expected_current=f"q{n}", next_question=f"q{n + 1}"
            )
            assert answered

    await asyncio.gather(*(kader(i.id) for i in interviews))
    (count,) = await db.conn.execute_fetchall("SELECT count(*) FROM answers")
    assert count[0] == 50 * 20
    for interview in interviews:
        answers = await repo.interviews.answers(interview.id)
        assert answers == {f"q{n}": Answer(f"q{n}", n) for n in range(20)}
    assert await db.integrity_check() == "ok"


async def test_second_connection_writes_while_the_first_writes(db_path: Path, repo: Repository) -> None:
    other = await Database.open(db_path, clock=FakeClock())
    try:
        other_repo = Repository(other)

        async def write(r: Repository, who: str) -> None:
            for n in range(100):
                await r.audit.log(None, "test", f"{who}:{n}")

        await asyncio.gather(write(repo, "first"), write(other_repo, "second"))
        assert len(await repo.audit.latest(limit=1000)) == 200
        assert await other.integrity_check() == "ok"
    finally:
        await other.close()


async def test_backup_is_a_readable_copy_while_the_source_is_open(
    tmp_path: Path, repo: Repository, db: Database
) -> None:
    interview = await new_interview(repo)
    answer = Answer("q1", ("a", "b"))
    assert await repo.interviews.record_answer(
        interview.id, answer, expected_current="q1", next_question="q2"
    )
    copy_path = tmp_path / "backup" / "copy.db"
    copy_path.parent.mkdir()

    writer = asyncio.create_task(repo.audit.log(None, "during", "backup"))
    await db.backup(copy_path)
    await writer

    copy = await Database.open(copy_path)
    try:
        assert await copy.integrity_check() == "ok"
        assert await Repository(copy).interviews.answers(interview.id) == {"q1": answer}
    finally:
        await copy.close()
    assert await repo.people.get(interview.kader_id) is not None  # the source is still open


async def test_backup_to_an_unwritable_place_raises_storage_error(tmp_path: Path, db: Database) -> None:
    with pytest.raises(StorageError, match="cannot back up"):
        await db.backup(tmp_path / "missing" / "copy.db")


async def test_close_twice_is_harmless(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    await db.close()


async def test_reads_on_the_loop_see_every_commit_and_cannot_write(db: Database) -> None:
    """read_now (no thread trip) reads what the writer committed a moment ago, sees a transaction's
    own rows inside it, and its connection is read-only."""
    def count(raw: sqlite3.Connection) -> int:
        return int(raw.execute("SELECT count(*) FROM people").fetchone()[0])

    assert await db.read_now(count) == 0
    await Repository(db).people.add("Admin", "admin")
    assert await db.read_now(count) == 1
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO people (name, role, language, created_at) "
                           "VALUES ('Siti', 'kader', 'id', '2026-11-27T00:00:00Z')")
        assert await db.read_now(count) == 2  # the writer's own connection, inside its transaction
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.read_now(lambda raw: raw.execute("DELETE FROM people"))
    assert await db.read_now(count) == 2

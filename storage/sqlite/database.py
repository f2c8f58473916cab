"""The SQLite backend's connection: PRAGMAs, migrations (``PRAGMA user_version``), serialized
write transactions (BEGIN IMMEDIATE), the read-only connection of the hot reads, online backup."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

from storage.convert import utc_now
from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.interface import Families

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_\w+\.sql$")
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
T = TypeVar("T")
_inside: ContextVar[Database | None] = ContextVar("storage_transaction", default=None)


def _open_reader(path: Path) -> sqlite3.Connection:
    """The read-only connection of :meth:`Database.read_now` (used from the event loop's thread)."""
    reader = sqlite3.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA query_only = ON")
    reader.execute("PRAGMA busy_timeout = 1000")
    return reader


@dataclass(frozen=True, slots=True, order=True)
class Migration:
    """One numbered SQL file under storage/sqlite/migrations."""

    version: int
    path: Path

    def statements(self) -> list[str]:
        """The file split into complete SQL statements (triggers and quoted ';' stay whole)."""
        statements, pending = [], ""
        for piece in self.path.read_text(encoding="utf-8").split(";"):
            pending += piece + ";"
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        return [s for s in statements if s.strip(";\n\t ")]


def find_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in `directory`, checked to be numbered 1, 2, 3… without gaps."""
    found = sorted(
        Migration(int(match[1]), path)
        for path in directory.iterdir()
        if (match := _MIGRATION_NAME.match(path.name))
    )
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(f"migration {migration.path.name} is out of sequence: expected {expected:04d}")
    return found


class Database:
    """One shared aiosqlite connection; writes go through `transaction()`, reads use `conn`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, clock: Callable[[], datetime]) -> None:
        self.conn = conn
        self.path = path
        self._clock = clock
        self._write_lock = asyncio.Lock()
        self._closed = False
        self._reader: sqlite3.Connection | None = None

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = utc_now,
        migrations: list[Migration] | None = None,
    ) -> Database:
        """Open (creating if needed) and migrate the database at `path`; StorageError on failure."""
        path = Path(path)
        try:
            # Probe first: a failed aiosqlite.connect leaves its worker thread posting to the loop.
            await asyncio.to_thread(lambda: sqlite3.connect(path).close())
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {path}: {error}") from error
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path, clock)
        try:
            try:
                for pragma in _PRAGMAS:
                    await conn.execute(pragma)
            except sqlite3.Error as error:
                raise StorageError(f"cannot open database {path}: {error}") from error
            await db._migrate(find_migrations() if migrations is None else migrations)
            db._reader = _open_reader(path)
        except BaseException:
            await conn.close()
            raise
        return db

    def now(self) -> datetime:
        """The current time from the database's clock (aware, UTC)."""
        return self._clock().astimezone(UTC)

    @property
    def name(self) -> str:
        """A short name for the database: its file's name without the suffix (backups start with it)."""
        return self.path.stem

    def families(self) -> Families:
        """The repository's table families on this connection."""
        from storage.sqlite.families import families  # the families import this module

        return families(self)

    async def user_version(self) -> int:
        """The schema version recorded in the file."""
        rows = await self.conn.execute_fetchall("PRAGMA user_version")
        return int(rows[0][0]) if rows else 0

    async def _migrate(self, migrations: list[Migration]) -> None:
        """Apply every migration newer than the file's user_version, each in its own transaction."""
        known = migrations[-1].version if migrations else 0
        try:
            current = await self.user_version()
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {self.path}: {error}") from error
        if current > known:
            raise StorageError(
                f"database {self.path} is newer (version {current}) than this program knows ({known})"
            )
        for migration in migrations[current:]:
            try:
                async with self.transaction() as conn:
                    # Re-read under the write lock: another process may have migrated meanwhile.
                    if await self.user_version() >= migration.version:
                        continue
                    for statement in migration.statements():
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {migration.version:d}")
            except sqlite3.Error as error:
                raise StorageError(
                    f"cannot migrate database {self.path} with {migration.path.name}: {error}"
                ) from error
            log.info("database %s migrated to version %d", self.path, migration.version)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` with the raw connection on aiosqlite's database thread: several statements
        for the price of one trip between threads (the hot path of every answer uses this)."""
        if self._closed:
            raise StorageError(f"database {self.path} is closed")
        # aiosqlite's own queue to its thread (a private method of the pinned aiosqlite version;
        # tests/storage cover it): the statements run in order with everything else on the connection.
        return await self.conn._execute(work, self.conn._conn)

    async def read_now(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run a small indexed read on the event loop's own thread, through a second, read-only
        connection: no trip to the database thread (about a third of an answer's cost when every
        handler paid two of them). WAL lets it read the last commit while the writer works.

        Only for point lookups that take microseconds; anything that scans goes through ``run``.
        Inside a transaction it uses the writer's connection, which sees the uncommitted rows.
        """
        if self._closed:
            raise StorageError(f"database {self.path} is closed")
        if self._reader is None or _inside.get() is self:
            return await self.run(work)
        return work(self._reader)

    async def atomically(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` as one write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK if it raises)
        in a single trip to the database thread, serialized with every other write."""
        if _inside.get() is self:
            raise RuntimeError("Database.atomically() inside a transaction")

        def transaction(raw: sqlite3.Connection) -> T:
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            return result

        async with self._write_lock:
            return await self.run(transaction)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialize a write: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK if the block raises."""
        if _inside.get() is self:
            raise RuntimeError("nested Database.transaction(): the write lock is not reentrant")
        async with self._write_lock:
            token = _inside.set(self)
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    await self._rollback()
                    raise
                await self.conn.execute("COMMIT")
            finally:
                _inside.reset(token)

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement on its own: SQLite makes it atomic without BEGIN/COMMIT (one trip to the
        database thread instead of three). Serialized with transactions; returns rows changed."""
        if _inside.get() is self:
            raise RuntimeError("Database.write() inside a transaction: use the transaction's connection")
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.rowcount

    async def _rollback(self) -> None:
        """Roll back after a failed block, never masking the block's own error."""
        try:
            await self.conn.rollback()
        except Exception:  # the original error matters more
            log.exception("rollback failed on %s", self.path)

    async def backup(self, dest_path: str | Path) -> None:
        """Write a consistent copy of the database to `dest_path` while it stays open."""
        dest_path = Path(dest_path)
        async with self._write_lock:  # no half-done transaction of ours may reach the copy
            try:
                async with aiosqlite.connect(dest_path, check_same_thread=False) as target:
                    await self.conn.backup(target)
                    # One self-contained file: the copy carries no -wal/-shm companions to lose.
                    await target.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as error:
                raise StorageError(f"cannot back up database {self.path} to {dest_path}: {error}") from error

    async def integrity_check(self) -> str:
        """SQLite's integrity check: 'ok', or its list of problems one per line."""
        rows = await self.conn.execute_fetchall("PRAGMA integrity_check")
        return "\n".join(str(row[0]) for row in rows)

    async def close(self) -> None:
        """Wait for a write in progress, then close the connection (a second call does nothing)."""
        async with self._write_lock:
            if self._closed:
                return
            self._closed = True
            if self._reader is not None:
                self._reader.close()
            try:
                await self.conn.execute("PRAGMA optimize")
            finally:
                await self.conn.close()

"""Plumbing shared by the SQLite table families: queries to records, inserts, single writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.convert import R, record, to_db_time
from storage.sqlite.database import Database


def insertion(table: str, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """An INSERT statement for one row of `values` by column, with its parameters."""
    columns, marks = ", ".join(values), ", ".join("?" * len(values))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())


class Table:
    """Shared plumbing of a table family."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _now(self) -> str:
        """The database clock's current time as stored text."""
        return to_db_time(self._db.now())

    async def _one(self, cls: type[R], sql: str, params: Sequence[Any]) -> R | None:
        """The first row of a query as a record, or None."""
        rows = await self._db.conn.execute_fetchall(sql, params)  # one trip to the database thread
        return record(cls, rows[0]) if rows else None

    async def _all(self, cls: type[R], sql: str, params: Sequence[Any]) -> list[R]:
        """Every row of a query as records."""
        rows = await self._db.conn.execute_fetchall(sql, params)
        return [record(cls, row) for row in rows]

    async def _insert(self, cls: type[R], table: str, **values: Any) -> R:
        """Insert one row and return it, read back inside the same transaction."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(*insertion(table, values))
            found = f"SELECT * FROM {table} WHERE id = ?"
            inserted = await self._one(cls, found, (cursor.lastrowid,))
        assert inserted is not None
        return inserted

    async def _write(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement atomically on its own; return the number of rows changed."""
        return await self._db.write(sql, params)

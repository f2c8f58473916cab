"""Plumbing shared by the repository's table families: row mapping, JSON, inserts, writes."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import typing
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from flows.answers import Answer, AnswerValue
from storage.database import Database, from_db_time, to_db_time

R = TypeVar("R")
_Reader = Callable[[sqlite3.Row], Any]


def dumps(value: object) -> str:
    """Compact JSON text that keeps Indonesian text readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _reader(name: str, hint: Any) -> _Reader:
    """How to read record field `name` of type `hint` from a row.

    Conventions: a dataclass field `x` gathers columns `x_<its field>`; a dict field
    `x` parses column `x_json`; datetimes parse ISO text; bools read 0/1; the rest is
    taken as stored.
    """
    options = {hint, *typing.get_args(hint)}
    if dataclasses.is_dataclass(hint):
        parts = [f.name for f in dataclasses.fields(hint)]
        return lambda row: hint(**{part: row[f"{name}_{part}"] for part in parts})
    if datetime in options:
        return lambda row: None if row[name] is None else from_db_time(row[name])
    if bool in options:
        return lambda row: bool(row[name])
    if any(typing.get_origin(option) is dict for option in options):
        column = f"{name}_json"
        return lambda row: None if row[column] is None else json.loads(row[column])
    return lambda row: row[name]


@cache
def _readers(cls: type) -> tuple[tuple[str, _Reader], ...]:
    """The readers of every field of record class `cls`, worked out once."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _reader(f.name, hints[f.name])) for f in dataclasses.fields(cls))


def record(cls: type[R], row: sqlite3.Row) -> R:
    """Map a `SELECT *` row onto a record class."""
    return cls(**{name: read(row) for name, read in _readers(cls)})


def insertion(table: str, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """An INSERT statement for one row of `values` by column, with its parameters."""
    columns, marks = ", ".join(values), ", ".join("?" * len(values))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())


def answer_of(row: sqlite3.Row) -> Answer:
    """An answers row back to the shared Answer (a JSON list becomes a tuple)."""
    if row["refused"]:
        return Answer.refusal(row["question_id"])
    value: AnswerValue = json.loads(row["value_json"])
    return Answer(row["question_id"], tuple(value) if isinstance(value, list) else value)


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
            record = await self._one(cls, found, (cursor.lastrowid,))
        assert record is not None
        return record

    async def _write(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement atomically on its own; return the number of rows changed."""
        return await self._db.write(sql, params)

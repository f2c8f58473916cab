"""Values between Python and the database, in one place: aware UTC datetimes ↔ fixed-width ISO text,
booleans ↔ 0/1, dicts ↔ JSON text, and a row ↔ a record class (by field name and type)."""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, Protocol, TypeVar

from flows.answers import Answer, AnswerValue

R = TypeVar("R")


class Row(Protocol):
    """A result row readable by column name (a DB-API row by name, an asyncpg Record, a dict)."""

    def __getitem__(self, key: str, /) -> Any: ...


_Reader = Callable[[Row], Any]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def to_db_time(moment: datetime) -> str:
    """Format an aware datetime as fixed-width ISO-8601 UTC text, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: storage needs timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    """Parse text written by `to_db_time` back into an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def to_db_time_or_none(moment: datetime | None) -> str | None:
    """`to_db_time` of a nullable column."""
    return None if moment is None else to_db_time(moment)


def from_db_time_or_none(text: str | None) -> datetime | None:
    """`from_db_time` of a nullable column."""
    return None if text is None else from_db_time(text)


def to_db_bool(value: bool) -> int:
    """A boolean as stored: 1 or 0."""
    return 1 if value else 0


def from_db_bool(value: object) -> bool:
    """A stored 0/1 (or a native boolean) as a bool."""
    return bool(value)


def dumps(value: object) -> str:
    """Compact JSON text that keeps Indonesian text readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """Stored JSON text back to Python."""
    return json.loads(text)


def answer_value(text: str | None) -> AnswerValue | None:
    """A stored answer value (a JSON list becomes a tuple); None for a refusal."""
    if text is None:
        return None
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def answer_of(row: Row) -> Answer:
    """An answers row back to the shared Answer (a JSON list becomes a tuple). On every press's path:
    the conversions of `from_db_bool` and `answer_value` are written out here."""
    if row["refused"]:
        return Answer.refusal(row["question_id"])
    value: AnswerValue = json.loads(row["value_json"])
    return Answer(row["question_id"], tuple(value) if isinstance(value, list) else value)


def _reader(name: str, hint: Any) -> _Reader:
    """How to read record field `name` of type `hint` from a row.

    Conventions: a dataclass field `x` gathers columns `x_<its field>`; a dict field `x` parses
    column `x_json`; datetimes parse stored text; bools read 0/1; the rest is taken as stored.
    """
    options = {hint, *typing.get_args(hint)}
    if dataclasses.is_dataclass(hint):
        parts = [f.name for f in dataclasses.fields(hint)]
        return lambda row: hint(**{part: row[f"{name}_{part}"] for part in parts})
    if datetime in options:  # from_db_time_or_none and from_db_bool, written out: read for every row
        return lambda row: None if row[name] is None else datetime.fromisoformat(row[name]).astimezone(UTC)
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


def record(cls: type[R], row: Row) -> R:
    """Map a `SELECT *` row onto a record class."""
    return cls(**{name: read(row) for name, read in _readers(cls)})

"""Read-only queries behind the Excel and CSV exports (SQLite): a few set-based queries, plain typed rows.

``Exports.snapshot(survey_round)`` reads everything one export needs on a separate read-only
connection inside one read transaction: WAL gives it a consistent picture of the database while the
bot keeps writing, and no writer waits for it. The single-table methods run on the shared
connection for callers that need just one part.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from flows.answers import AnswerValue
from storage.convert import R, answer_value, from_db_bool, from_db_time, from_db_time_or_none
from storage.records import AnswerRow, ExportData, HouseholdRow, InterviewRow, ScoreRow
from storage.sqlite.table import Table

CHUNK_ROWS = 5000
"""Rows fetched from SQLite per hop to its thread."""
_HOUSEHOLD_FIELDS = ("id", "code", "head_name", "address", "rt", "rw", "kelurahan", "kader_id",
                     "created_at", "updated_at")


class Exports(Table):
    """Everything an export needs, read in a few set-based queries."""

    async def snapshot(self, survey_round: str) -> ExportData:
        """Households, and the round's interviews, answers and scores, as of one moment."""
        exported_at = self._db.now()
        uri = f"{Path(self._db.path).resolve().as_uri()}?mode=ro"
        async with aiosqlite.connect(uri, uri=True) as conn:
            await conn.execute("BEGIN")
            try:
                return ExportData(
                    survey_round=survey_round,
                    exported_at=exported_at,
                    households=await _households(conn),
                    interviews=await _interviews(conn, survey_round),
                    answers=await _answers(conn, survey_round=survey_round),
                    scores=await _scores(conn, survey_round=survey_round),
                )
            finally:
                await conn.execute("COMMIT")

    async def households(self) -> list[HouseholdRow]:
        """Every household with every column and its kader's name, by kelurahan and code."""
        return await _households(self._db.conn)

    async def interviews(self, survey_round: str | None = None) -> list[InterviewRow]:
        """The interviews of a round (None: of every round) with their kader's name, by id."""
        return await _interviews(self._db.conn, survey_round)

    async def answers(self, interview_ids: Sequence[int] | None = None, *,
                      survey_round: str | None = None) -> list[AnswerRow]:
        """The answers of the given interviews, or of a round's, by interview and question."""
        return await _answers(self._db.conn, interview_ids, survey_round=survey_round)

    async def scores(self, interview_ids: Sequence[int] | None = None, *,
                     survey_round: str | None = None) -> list[ScoreRow]:
        """The scores of the given interviews, or of a round's, by interview."""
        return await _scores(self._db.conn, interview_ids, survey_round=survey_round)


async def _households(conn: aiosqlite.Connection) -> list[HouseholdRow]:
    """One query: households left-joined to their kader."""
    sql = """SELECT h.*, p.name AS kader_name FROM households h
             LEFT JOIN people p ON p.id = h.kader_id ORDER BY h.kelurahan, h.code"""
    async with conn.execute(sql) as cursor:
        names = [column[0] for column in cursor.description]
        rows = await cursor.fetchall()
    return [_household(dict(zip(names, row, strict=True))) for row in rows]


def _household(values: dict[str, Any]) -> HouseholdRow:
    """A households row (as a dict by column) as a HouseholdRow."""
    known = {name: values.pop(name) for name in _HOUSEHOLD_FIELDS}
    kader_name = values.pop("kader_name")
    known["created_at"] = from_db_time(known["created_at"])
    known["updated_at"] = from_db_time(known["updated_at"])
    return HouseholdRow(**known, kader_name=kader_name, extra=values)


async def _interviews(conn: aiosqlite.Connection, survey_round: str | None) -> list[InterviewRow]:
    """One query: a round's interviews joined to their kader."""
    sql = """SELECT i.id, i.household_id, i.kader_id, p.name, i.survey_round, i.status,
                    i.instrument_id, i.instrument_version, i.instrument_hash,
                    i.consent_at, i.started_at, i.updated_at, i.submitted_at
             FROM interviews i JOIN people p ON p.id = i.kader_id
             WHERE ?1 IS NULL OR i.survey_round = ?1 ORDER BY i.id"""
    return await _collect(conn, sql, (survey_round,), lambda row: InterviewRow(
        *row[:9], from_db_time_or_none(row[9]), from_db_time(row[10]), from_db_time(row[11]),
        from_db_time_or_none(row[12])))


async def _answers(conn: aiosqlite.Connection, interview_ids: Sequence[int] | None = None, *,
                   survey_round: str | None = None) -> list[AnswerRow]:
    """One query: answers of the listed interviews and/or of a round."""
    sql = f"""SELECT a.interview_id, a.question_id, a.value_json, a.refused FROM answers a
              JOIN interviews i ON i.id = a.interview_id WHERE {_FILTER}
              ORDER BY a.interview_id, a.question_id"""
    ids: dict[int, int] = {}
    names: dict[str, str] = {}
    values: dict[str | None, AnswerValue | None] = {None: None}

    def answer(row: Any) -> AnswerRow:
        """Interview ids, question ids and decoded values are shared between rows: far less memory."""
        text = row[2]
        if text not in values:
            values[text] = answer_value(text)
        return AnswerRow(ids.setdefault(row[0], row[0]), names.setdefault(row[1], row[1]), values[text],
                         from_db_bool(row[3]))

    return await _collect(conn, sql, _filter_params(interview_ids, survey_round), answer)


async def _scores(conn: aiosqlite.Connection, interview_ids: Sequence[int] | None = None, *,
                  survey_round: str | None = None) -> list[ScoreRow]:
    """One query: scores of the listed interviews and/or of a round."""
    sql = f"""SELECT s.interview_id, s.instrument_version, s.rubric_version, s.index_value,
                     s.category, s.complete, s.detail_json, s.scored_at FROM scores s
              JOIN interviews i ON i.id = s.interview_id WHERE {_FILTER} ORDER BY s.interview_id"""
    return await _collect(conn, sql, _filter_params(interview_ids, survey_round), lambda row: ScoreRow(
        row[0], row[1], row[2], row[3], row[4], from_db_bool(row[5]), row[6], from_db_time(row[7])))


_FILTER = """(?1 IS NULL OR i.id IN (SELECT value FROM json_each(?1)))
             AND (?2 IS NULL OR i.survey_round = ?2)"""
"""Interviews by a JSON list of ids (any length, one parameter) and/or by round."""


def _filter_params(interview_ids: Sequence[int] | None, survey_round: str | None) -> tuple[Any, ...]:
    """The parameters of ``_FILTER``."""
    ids = None if interview_ids is None else json.dumps([int(i) for i in interview_ids])
    return ids, survey_round


async def _collect(conn: aiosqlite.Connection, sql: str, params: Iterable[Any],
                   convert: Callable[[Any], R]) -> list[R]:
    """Every row of a query, converted a chunk at a time (raw rows never all in memory at once)."""
    out: list[R] = []
    async with conn.execute(sql, tuple(params)) as cursor:
        while chunk := await cursor.fetchmany(CHUNK_ROWS):
            out.extend(map(convert, chunk))
    return out

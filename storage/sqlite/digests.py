"""Reads behind the weekly digests, and the figures of each digest kept for next week's comparison (SQLite).

``Digests.source(round, codes)`` reads every submitted interview of a round with its household and
its stored score in ONE query, on a separate read-only connection in a worker thread: the bot's
shared connection is never held up, and the event loop never waits on decoding. SQLite pulls the
indicator scores out of ``scores.detail_json`` (one JSON array per interview); ``storage.frames`` turns
them into the int8 code matrix of ``reports.aggregate`` (1 met, 0 not met, -1 N/A, -2 missing).
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from storage.convert import dumps
from storage.frames import FAMILY_COLUMNS, digest_source
from storage.records import DigestRun, DigestSource
from storage.sqlite.table import Table

CHUNK_ROWS: Final = 20_000
"""Rows fetched at a time: the raw rows never all sit in memory next to the columns."""
_SQL: Final = """
SELECT i.id, i.household_id, h.code, h.head_name, h.address, h.rt, h.rw, h.kelurahan, i.submitted_at,
       s.index_value, s.category, s.complete, {codes}
FROM interviews i
JOIN households h ON h.id = i.household_id
JOIN scores s ON s.interview_id = i.id
WHERE i.survey_round = ?1 AND i.status = 'submitted'
ORDER BY i.id
"""


class Digests(Table):
    """The digest's snapshot read, and the figures of past digests by agency and period."""

    async def source(self, survey_round: str, codes: Sequence[str]) -> DigestSource:
        """Every submitted interview of ``survey_round``: scores of ``codes`` and household columns."""
        return await asyncio.to_thread(read_source, Path(self._db.path), survey_round, list(codes))

    async def save(self, agency: str, period: str, figures: dict[str, Any], *, replace: bool = True) -> bool:
        """Store an agency's figures for a period (replacing any, unless ``replace`` is False); stored?"""
        action = "UPDATE SET figures_json = excluded.figures_json, created_at = excluded.created_at"
        sql = f"""INSERT INTO digest_runs (agency, period, figures_json, created_at) VALUES (?, ?, ?, ?)
                  ON CONFLICT (agency, period) DO {action if replace else "NOTHING"}"""
        return await self._write(sql, (agency, period, dumps(figures), self._now())) == 1

    async def get(self, agency: str, period: str) -> DigestRun | None:
        """The agency's figures of exactly this period."""
        sql = "SELECT * FROM digest_runs WHERE agency = ? AND period = ?"
        return await self._one(DigestRun, sql, (agency, period))

    async def previous(self, agency: str, period: str) -> DigestRun | None:
        """The agency's most recent figures of a period before ``period`` (what a digest compares with)."""
        sql = "SELECT * FROM digest_runs WHERE agency = ? AND period < ? ORDER BY period DESC LIMIT 1"
        return await self._one(DigestRun, sql, (agency, period))

    async def previous_all(self, period: str) -> dict[str, DigestRun]:
        """Every agency's most recent figures before ``period``, by agency (one query)."""
        sql = """SELECT d.* FROM digest_runs d
                 JOIN (SELECT agency, max(period) AS period FROM digest_runs WHERE period < ?
                       GROUP BY agency) last ON last.agency = d.agency AND last.period = d.period
                 ORDER BY d.agency"""
        return {run.agency: run for run in await self._all(DigestRun, sql, (period,))}

    async def latest(self, agency: str) -> DigestRun | None:
        """The agency's most recent figures of any period."""
        sql = "SELECT * FROM digest_runs WHERE agency = ? ORDER BY period DESC LIMIT 1"
        return await self._one(DigestRun, sql, (agency,))


def read_source(path: Path, survey_round: str, codes: list[str]) -> DigestSource:
    """The blocking read behind :meth:`Digests.source`, on its own read-only connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cursor = conn.execute(_SQL.format(codes=_codes_sql(len(codes))),
                              (survey_round, *(f'$."{code}"' for code in codes)))
        columns = fetch_columns(cursor, len(FAMILY_COLUMNS) + 2)
    finally:
        conn.close()
    return digest_source(columns, codes)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (process-wide, briefly): building millions of row tuples
    otherwise triggers a collection every few hundred rows, which doubles the time of a bulk read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fetch_columns(cursor: sqlite3.Cursor, width: int) -> list[list[Any]]:
    """Every row of ``cursor`` as ``width`` column lists, fetched in chunks with the collector paused."""
    columns: list[list[Any]] = [[] for _ in range(width)]
    with gc_paused():
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
                column.extend(values)
    return columns


def _codes_sql(count: int) -> str:
    """SQL for a JSON array of the ``count`` indicator scores (paths ?2, ?3, …), '[]' for none."""
    if count == 0:
        return "'[]'"
    paths = ", ".join(f"?{k + 2}" for k in range(count))
    extract = f"json_extract(json_extract(s.detail_json, '$.indicators'), {paths})"
    return f"json_array({extract})" if count == 1 else f"coalesce({extract}, '[]')"

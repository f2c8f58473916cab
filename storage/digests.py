"""Reads behind the weekly digests, and the figures of each digest kept for next week's comparison.

``Digests.source(round, codes)`` reads every submitted interview of a round with its household and
its stored score in ONE query, on a separate read-only connection in a worker thread: the bot's
shared connection is never held up, and the event loop never waits on decoding. SQLite pulls the
indicator scores out of ``scores.detail_json`` (one JSON array per interview); numpy turns them into
the int8 code matrix of ``reports.aggregate`` (1 met, 0 not met, -1 N/A, -2 missing) without a
per-interview Python step, except for a row whose stored scores are not the usual values.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from storage.base import Table, dumps

CHUNK_ROWS: Final = 20_000
"""Rows fetched at a time: the raw rows never all sit in memory next to the columns."""
CODE_OF: Final[dict[object, int]] = {"1": 1, "0": 0, "na": -1, "missing": -2, 1: 1, 0: 0}
"""Stored indicator scores → the int8 codes of reports.aggregate (anything else: missing)."""
_COMPACT: Final = (('"missing"', "m"), ('"na"', "n"), ('"1"', "1"), ('"0"', "0"), ("null", "m"),
                   (",", ""), ("[", ""), ("]", ""))
"""Replacements turning a JSON array of scores into one character per indicator."""
_CHAR_CODE: Final = np.full(256, 9, dtype=np.int8)
_CHAR_CODE[[ord("1"), ord("0"), ord("n"), ord("m")]] = [1, 0, -1, -2]
FAMILY_COLUMNS: Final = ("household_id", "household_code", "head_name", "address", "rt", "rw", "kelurahan",
                         "submitted_at", "index", "category", "complete")
_SQL: Final = """
SELECT i.id, i.household_id, h.code, h.head_name, h.address, h.rt, h.rw, h.kelurahan, i.submitted_at,
       s.index_value, s.category, s.complete, {codes}
FROM interviews i
JOIN households h ON h.id = i.household_id
JOIN scores s ON s.interview_id = i.id
WHERE i.survey_round = ?1 AND i.status = 'submitted'
ORDER BY i.id
"""


@dataclass(frozen=True, slots=True)
class DigestSource:
    """A round's submitted families: the int8 code matrix and their household and score columns.

    ``matrix``: index interview id, one int8 column per indicator code asked for. ``families``: the
    same index; ``household_id``, ``household_code``, ``head_name``, ``address``, ``rt``, ``rw``,
    ``kelurahan``, ``submitted_at`` (UTC), ``index`` (NaN if none), ``category``, ``complete``.
    """

    matrix: pd.DataFrame
    families: pd.DataFrame


@dataclass(frozen=True, slots=True)
class DigestRun:
    """The stored figures of one agency's digest for one period."""

    agency: str
    period: str
    figures: dict[str, Any]
    created_at: datetime


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
    ids = pd.Index(np.array(columns[0], dtype=np.int64), name="interview_id")
    matrix = pd.DataFrame(decode_scores(columns[-1], len(codes)), index=ids,
                          columns=pd.Index(codes, name="indicator"))
    return DigestSource(matrix, _families(ids, columns[1:-1]))


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


def decode_scores(arrays: Sequence[str], count: int) -> np.ndarray:
    """JSON arrays of ``count`` stored scores each → an int8 matrix, vectorised when all are usual."""
    if count == 0 or not arrays:
        return np.full((len(arrays), count), -2, dtype=np.int8)
    joined = "\n".join(arrays) + "\n"
    for old, new in _COMPACT:
        joined = joined.replace(old, new)
    if joined.isascii() and len(joined) == len(arrays) * (count + 1):
        chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(arrays), count + 1)
        codes = _CHAR_CODE[chars[:, :count]]
        if (chars[:, count] == ord("\n")).all() and (codes != 9).all():
            return codes
    return np.array([_decode_row(text, count) for text in arrays], dtype=np.int8).reshape(-1, count)


def _decode_row(text: str, count: int) -> list[int]:
    """One interview's scores the slow way: each value mapped on its own (unknown: missing)."""
    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        values = []
    if not isinstance(values, list) or len(values) != count:
        values = [None] * count
    return [CODE_OF.get(v, -2) if isinstance(v, str | int) else -2 for v in values]


def _families(ids: pd.Index, columns: list[list[Any]]) -> pd.DataFrame:
    """The household and score columns as a frame on the interview ids."""
    data = dict(zip(FAMILY_COLUMNS, columns, strict=True))
    frame = pd.DataFrame({
        "household_id": np.array(data["household_id"], dtype=np.int64),
        **{name: pd.Series(data[name], dtype=object) for name in
           ("household_code", "head_name", "address", "rt", "rw", "kelurahan")},
        "submitted_at": pd.to_datetime(pd.Series(data["submitted_at"], dtype=object), utc=True,
                                       format="ISO8601"),
        "index": np.array(data["index"], dtype=np.float64),  # None becomes NaN
        "category": pd.Series(data["category"], dtype=object),
        "complete": np.array(data["complete"], dtype=bool),
    })
    frame.index = ids
    return frame

"""Every agency's weekly digest figures for 100,000 and 1,000,000 submitted families (issue 5).

Synthetic families (20 kelurahan, 8 weeks of submissions, per-indicator shares of N/A, refusals and
failures like a real round, each kelurahan a little better or worse) go into a temporary SQLite database
as a compact table of indicator scores: one row per family, one INTEGER column per indicator.
Then, in the same run:

1. baseline: ONE SQL ``GROUP BY kelurahan`` scan computing every number of every agency's digest
   (per indicator: families failing and answering; per agency: families assessed, needing help,
   needing help only for sensitive indicators; families surveyed this week and in total);
2. digest: reading the same table into the int8 code matrix (one query), then ``digest_figures`` for
   every configured agency at once; and, apart, materialising every agency's family list.

Both must give the same numbers, or the run fails. Then the production read, ``Digests.source``, is
timed on the real schema (households, interviews, scores with their detail JSON) seeded with the same
families, and its matrix checked against the generated one.

Run from the repository root: ``python -m benchmarks.bench_digest``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from flows.instrument import Instrument
from flows.scoring import IndicatorScore, score_family, stored_detail
from reports.digest import AgencyFigures, agency_indicators, digest_figures
from settings import load_instruments, load_settings
from storage.convert import to_db_time
from storage.sqlite.database import Database
from storage.sqlite.digests import Digests, fetch_columns

R = TypeVar("R")
ROUND = "2026"
START = datetime(2026, 10, 5, tzinfo=UTC)  # eight weeks of submissions before WEEK_END
WEEK_START = datetime(2026, 11, 23, tzinfo=UTC)
WEEK_END = WEEK_START + timedelta(days=7)
CHUNK = 50_000
PATTERNS_PER_KELURAHAN = 2_000
# Per indicator (instrument order): share not applicable, share missing (refused or unknown), share of
# the others failing. Sensitive indicators (3.2.1, 4.1.1, 4.1.2, 4.2.1) are refused more often.
SHARES = [(0.08, 0.01, 0.12), (0.35, 0.01, 0.10), (0.12, 0.01, 0.15), (0.05, 0.01, 0.20),
          (0.12, 0.01, 0.30), (0.12, 0.01, 0.20), (0.12, 0.01, 0.25), (0.00, 0.01, 0.08),
          (0.00, 0.04, 0.12), (0.00, 0.01, 0.35), (0.10, 0.01, 0.40), (0.00, 0.01, 0.30),
          (0.00, 0.08, 0.30), (0.00, 0.01, 0.35), (0.40, 0.01, 0.06), (0.40, 0.01, 0.05),
          (0.00, 0.01, 0.45), (0.00, 0.02, 0.25), (0.00, 0.06, 0.15), (0.30, 0.06, 0.35),
          (0.00, 0.05, 0.04), (0.70, 0.01, 0.15), (0.00, 0.01, 0.30), (0.00, 0.01, 0.20)]
_CODE = {1: IndicatorScore.MET, 0: IndicatorScore.NOT_MET, -1: IndicatorScore.NOT_APPLICABLE,
         -2: IndicatorScore.MISSING}


class Synthetic:
    """One synthetic round: each family's kelurahan, submission time and indicator codes."""

    def __init__(self, instrument: Instrument, kelurahan: Sequence[str], families: int,
                 seed: int = 2026) -> None:
        rng = np.random.default_rng(seed)
        self.instrument = instrument
        self.kelurahan = list(kelurahan)
        self.codes = [ind.code for _, _, ind in instrument.indicators()]
        self.patterns = self._patterns(rng)
        area = rng.integers(0, len(self.kelurahan), families)
        self.pattern = area * PATTERNS_PER_KELURAHAN + rng.integers(0, PATTERNS_PER_KELURAHAN, families)
        self.area = area
        self.matrix = self.patterns[self.pattern]
        seconds = rng.integers(0, int((WEEK_END - START).total_seconds() * 1e6), families)
        moments = np.datetime64(START.replace(tzinfo=None), "us") + seconds.astype("timedelta64[us]")
        self.submitted = [f"{text}+00:00" for text in np.datetime_as_string(moments, unit="us").tolist()]

    def _patterns(self, rng: np.random.Generator) -> np.ndarray:
        """Distinct families per kelurahan, drawn with the SHARES scaled by a kelurahan factor."""
        blocks = []
        for _ in self.kelurahan:
            factor = rng.uniform(0.6, 1.4)
            u = rng.random((PATTERNS_PER_KELURAHAN, len(self.codes)))
            v = rng.random((PATTERNS_PER_KELURAHAN, len(self.codes)))
            na, missing, fail = (np.array(column) for column in zip(*SHARES, strict=True))
            codes = np.where(v < np.minimum(fail * factor, 0.95), 0, 1).astype(np.int8)
            codes[u < na + missing] = -2
            codes[u < na] = -1
            blocks.append(codes)
        return np.concatenate(blocks)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Rows of the compact table: id, kelurahan, submitted_at, one code per indicator."""
        for start in range(0, len(self.pattern), CHUNK):
            codes = self.matrix[start:start + CHUNK].tolist()
            for k, row in enumerate(codes, start=start):
                yield (k + 1, self.kelurahan[self.area[k]], self.submitted[k], *row)


def _compact_table(conn: sqlite3.Connection, data: Synthetic) -> None:
    """The compact table of indicator scores, filled with executemany in chunks."""
    columns = ", ".join(f"c{j} INTEGER NOT NULL" for j in range(len(data.codes)))
    conn.execute(f"CREATE TABLE family_scores (interview_id INTEGER PRIMARY KEY, kelurahan TEXT NOT NULL, "
                 f"submitted_at TEXT NOT NULL, {columns})")
    marks = ", ".join("?" * (3 + len(data.codes)))
    rows = data.rows()
    while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
        conn.executemany(f"INSERT INTO family_scores VALUES ({marks})", chunk)
    conn.commit()


def _agency_columns(instrument: Instrument, agency: str,
                    protection_unit: str | None) -> tuple[list[int], list[int]]:
    """Indicator positions an agency is responsible for, and those it may list families by."""
    position = {ind.code: j for j, (_, _, ind) in enumerate(instrument.indicators())}
    infos = agency_indicators(instrument, agency)
    listable = [position[i.code] for i in infos if agency == protection_unit or not i.sensitive]
    return [position[i.code] for i in infos], listable


def sql_group_by(conn: sqlite3.Connection, instrument: Instrument, agencies: Sequence[str],
                 protection_unit: str | None) -> dict[str, dict[str, int]]:
    """A baseline in ONE ``GROUP BY kelurahan`` scan: families surveyed (this week, in all), failing
    and answering per indicator, and per listed agency families assessed, needing it, only unlisted."""
    k = len(list(instrument.indicators()))
    sums = ["count(*)", "sum(submitted_at >= ?1 AND submitted_at < ?2)"]
    sums += [f"sum(c{j} = 0), sum(c{j} >= 0)" for j in range(k)]
    for agency in agencies:
        columns, listable = _agency_columns(instrument, agency, protection_unit)
        fail = " OR ".join(f"c{j} = 0" for j in columns) or "0"
        answered = " OR ".join(f"c{j} >= 0" for j in columns) or "0"
        listed = " OR ".join(f"c{j} = 0" for j in listable) or "0"
        sums += [f"sum({answered})", f"sum({fail})", f"sum(({fail}) AND NOT ({listed}))"]
    sql = f"SELECT kelurahan, {', '.join(sums)} FROM family_scores GROUP BY kelurahan"
    out: dict[str, dict[str, int]] = {}
    for name, *values in conn.execute(sql, (to_db_time(WEEK_START), to_db_time(WEEK_END))):
        keys = ["total", "week", *(f"{kind}:{j}" for j in range(k) for kind in ("failing", "answered")),
                *(f"{kind}:{a}" for a in agencies for kind in ("assessed", "needing", "unlisted"))]
        out[name] = dict(zip(keys, (int(v) for v in values), strict=True))
    return out


def read_compact(conn: sqlite3.Connection, codes: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The compact table as the int8 code matrix and a families frame, in one query."""
    chars = ", ".join(f"c{j} + 50" for j in range(len(codes)))
    cursor = conn.execute(f"SELECT interview_id, kelurahan, submitted_at, char({chars}) FROM family_scores "
                          "ORDER BY interview_id")
    ids, kelurahan, submitted, packed = fetch_columns(cursor, 4)
    index = pd.Index(np.array(ids, dtype=np.int64), name="interview_id")
    raw = np.frombuffer("".join(packed).encode("ascii"), dtype=np.uint8).reshape(len(ids), len(codes))
    matrix = pd.DataFrame((raw.astype(np.int16) - 50).astype(np.int8), index=index, columns=list(codes))
    families = pd.DataFrame({"kelurahan": pd.Series(kelurahan, dtype=object),
                             "submitted_at": pd.to_datetime(pd.Series(submitted, dtype=object), utc=True,
                                                            format="ISO8601")})
    families.index = index
    return matrix, families


def compare(figures: dict[str, AgencyFigures], sql: dict[str, dict[str, int]], instrument: Instrument) -> int:
    """How many numbers agree (those the SQL computed); raise AssertionError at the first that does not."""
    position = {ind.code: j for j, (_, _, ind) in enumerate(instrument.indicators())}
    checked = 0
    for agency, agency_figures in figures.items():
        assert {area.name for area in agency_figures.areas} == set(sql), f"{agency}: kelurahan differ"
        for area in agency_figures.areas:
            row = sql[area.name]
            pairs = [(area.surveyed_total, row["total"]), (area.surveyed_week, row["week"])]
            if f"needing:{agency}" in row:
                pairs += [(area.assessed, row[f"assessed:{agency}"]),
                          (area.needing_help, row[f"needing:{agency}"]),
                          (area.unlisted, row[f"unlisted:{agency}"])]
            for k, info in enumerate(agency_figures.indicators):
                j = position[info.code]
                pairs += [(area.failing[k], row[f"failing:{j}"]), (area.answered[k], row[f"answered:{j}"])]
                sql_share = row[f"failing:{j}"] / row[f"answered:{j}"] if row[f"answered:{j}"] else None
                pairs.append((area.share(k), sql_share))
            for ours, theirs in pairs:
                if ours != theirs:
                    raise AssertionError(f"{agency} {area.name}: digest {ours} != SQL {theirs}")
            checked += len(pairs)
    return checked


def _detail(instrument: Instrument, codes: Sequence[str], row: Sequence[int]) -> tuple[str, Any, Any, int]:
    """A pattern's stored score: detail JSON as the survey handler writes it, index, category, complete."""
    score = score_family(instrument.structure, instrument.rubric,
                         {code: _CODE[v] for code, v in zip(codes, row, strict=True)})
    detail = stored_detail(score)
    text = json.dumps(detail, ensure_ascii=False, separators=(",", ":"))
    return text, score.index, score.category, int(score.complete)


_HOUSEHOLD_SQL = """INSERT INTO households (id, code, head_name, address, rt, rw, kelurahan, kader_id,
                        created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_INTERVIEW_SQL = """INSERT INTO interviews (id, household_id, kader_id, instrument_id, instrument_version,
                        instrument_hash, survey_round, status, current_question, started_at, updated_at,
                        submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', NULL, ?, ?, ?)"""
_SCORE_SQL = """INSERT INTO scores (interview_id, instrument_version, rubric_version, index_value, category,
                    complete, detail_json, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


def seed_real_schema(path: Path, data: Synthetic) -> None:
    """People, households, submitted interviews and scores with detail JSON, in bulk."""
    details = [_detail(data.instrument, data.codes, row) for row in data.patterns.tolist()]
    stamp = to_db_time(START)
    inst = data.instrument
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.executemany("INSERT INTO people (id, name, role, kelurahan, created_at) "
                         "VALUES (?, ?, 'kader', ?, ?)",
                         [(a + 1, f"Kader {name}", name, stamp) for a, name in enumerate(data.kelurahan)])
        for start in range(0, len(data.pattern), CHUNK):
            rows = list(zip(range(start + 1, start + CHUNK + 1), data.area[start:start + CHUNK].tolist(),
                            data.pattern[start:start + CHUNK].tolist(), data.submitted[start:start + CHUNK],
                            strict=False))
            conn.executemany(_HOUSEHOLD_SQL, [
                (i, f"KK-{i:07d}", f"Kepala Keluarga {i}", f"Jl. Bench No. {i % 200}", f"{i % 30 + 1:03d}",
                 f"{i % 12 + 1:03d}", data.kelurahan[a], a + 1, stamp, stamp) for i, a, _, _ in rows])
            conn.executemany(_INTERVIEW_SQL, [(i, i, a + 1, inst.id, inst.version, inst.content_hash, ROUND,
                                               stamp, at, at) for i, a, _, at in rows])
            conn.executemany(_SCORE_SQL, [(i, inst.version, inst.rubric.version, details[p][1], details[p][2],
                                           details[p][3], details[p][0], at) for i, _, p, at in rows])
            conn.commit()
    finally:
        conn.close()


async def _migrate(path: Path) -> None:
    """Create the real schema (every migration) in a new database file."""
    db = await Database.open(path)
    await db.close()


async def _storage_read(path: Path, data: Synthetic) -> float:
    """Seconds of ``Digests.source`` on the real schema; its matrix must equal the generated one."""
    db = await Database.open(path)
    try:
        start = time.perf_counter()
        source = await Digests(db).source(ROUND, data.codes)
        seconds = time.perf_counter() - start
    finally:
        await db.close()
    if not np.array_equal(source.matrix.to_numpy(), data.matrix):
        raise AssertionError("Digests.source read other codes than were stored")
    stored = np.array(data.kelurahan, dtype=object)[data.area]
    if not (source.families["kelurahan"].to_numpy() == stored).all():
        raise AssertionError("Digests.source read other kelurahan than were stored")
    return seconds


def _peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1024


def _list_everyone(figures: dict[str, AgencyFigures]) -> int:
    """Materialise every agency's family list; how many rows they hold together."""
    return sum(len(f.families) for f in figures.values())


def _timed(work: Callable[..., R], *args: Any, **kwargs: Any) -> tuple[R, float]:
    """``work``'s result and the seconds it took."""
    start = time.perf_counter()
    result = work(*args, **kwargs)
    return result, time.perf_counter() - start


def bench_size(instrument: Instrument, kelurahan: Sequence[str], agencies: Sequence[str],
               protection_unit: str | None, families: int) -> dict[str, Any]:
    """Every figure for one number of families."""
    data = Synthetic(instrument, kelurahan, families)
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-digest-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "compact.db")
        conn.execute("PRAGMA journal_mode = WAL")
        _, seed_seconds = _timed(_compact_table, conn, data)
        shares_only, sql_seconds = _timed(sql_group_by, conn, instrument, (), protection_unit)
        everything, sql_all_seconds = _timed(sql_group_by, conn, instrument, agencies, protection_unit)
        (matrix, frame), read_seconds = _timed(read_compact, conn, data.codes)
        conn.close()
        figures, figures_seconds = _timed(digest_figures, matrix, frame, instrument, agencies,
                                          survey_round=ROUND, week_start=WEEK_START, week_end=WEEK_END,
                                          protection_unit=protection_unit, areas=kelurahan)
        listed, listing_seconds = _timed(_list_everyone, figures)
        checked = compare(figures, shares_only, instrument) + compare(figures, everything, instrument)
        del figures, matrix, frame
        gc.collect()
        real = Path(tmp) / "tangguh.db"
        asyncio.run(_migrate(real))
        _, real_seed_seconds = _timed(seed_real_schema, real, data)
        storage_seconds = asyncio.run(_storage_read(real, data))
    digest_seconds = read_seconds + figures_seconds
    return {f"{families // 1000}k_{key}": value for key, value in {
        "families": families,
        "seed_compact_seconds": seed_seconds,
        "sql_group_by_shares_seconds": sql_seconds,
        "sql_group_by_all_numbers_seconds": sql_all_seconds,
        "digest_read_seconds": read_seconds,
        "digest_figures_seconds": figures_seconds,
        "digest_total_seconds": digest_seconds,
        "digest_over_sql_shares_ratio": digest_seconds / sql_seconds,
        "digest_over_sql_all_numbers_ratio": digest_seconds / sql_all_seconds,
        "figures_only_over_sql_shares_ratio": figures_seconds / sql_seconds,
        "family_lists_seconds": listing_seconds,
        "families_listed_all_agencies": listed,
        "numbers_checked_equal": checked,
        "seed_real_schema_seconds": real_seed_seconds,
        "storage_read_seconds": storage_seconds,
        "peak_rss_mb": _peak_rss_mb(),
    }.items()}


def bench_digest(families: Sequence[int] = (100_000, 1_000_000)) -> dict[str, Any]:
    """All agency digests' figures against one SQL GROUP BY, for each number of families."""
    settings = load_settings()
    instrument = load_instruments(settings)[0]
    agencies = settings.agency_codes
    figures: dict[str, Any] = {"agencies": len(agencies), "indicators": len(list(instrument.indicators())),
                               "kelurahan": len(settings.kelurahan)}
    for count in families:
        figures.update(bench_size(instrument, settings.kelurahan, agencies, settings.digest.protection_unit,
                                  count))
    return figures


if __name__ == "__main__":
    print("Agency digests (issue 5): every agency's figures against one SQL GROUP BY scan")
    for key, value in bench_digest().items():
        print(f"  {key}: {value:,.2f}" if isinstance(value, float) else f"  {key}: {value:,}")

"""Export of 20,000 submitted interviews (issue 4): storage reads, the workbook, the CSV.

A temporary database is seeded in bulk (executemany inside one ``db.transaction()``): 20 kelurahan,
400 kader, one household and one SUBMITTED interview per family, answers walked through the real
interview engine (a few hundred distinct walks reused at random, sensitive questions sometimes
refused) and the score the survey handler stores. Then, timed:

1. ``repo.exports.snapshot(round)``: every read the export does;
2. ``build_workbook``: the .xlsx (XlsxWriter, constant-memory mode);
3. ``build_csv``: the wide CSV.

Peak memory: the growth of the process's peak RSS (``ru_maxrss``) over the timed run, and a
second, untimed run under ``tracemalloc`` for the peak of Python allocations.

Run from the repository root: ``python -m benchmarks.bench_export``.
"""

from __future__ import annotations

import asyncio
import gc
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flows.answers import Answer
from flows.instrument import Instrument, Question
from flows.interview import InterviewEngine, Problem
from flows.scoring import stored_detail
from reports.export import build_csv, build_workbook
from settings import load_instruments, load_settings
from storage.convert import dumps, to_db_time
from storage.records import ExportData
from storage.repository import Repository
from storage.sqlite.database import Database

ROUND = "2026"
KADER_PER_KELURAHAN = 20
TEMPLATES = 400
REFUSE_SHARE = 0.05
START = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)
Template = tuple[dict[str, Answer], dict[str, Any]]


def _answer(engine: InterviewEngine, question: Question, answers: dict[str, Answer],
            rng: random.Random) -> Answer:
    """A valid random answer: an option, a plausible number, or now and then a refusal."""
    if question.allow_refuse and rng.random() < REFUSE_SHARE:
        return Answer.refusal(question.id)
    while True:
        if question.is_choice:
            raw: str | tuple[str, ...] = rng.choice([o.value for o in question.options])
            if question.type == "multiple":
                raw = (raw,)
        elif question.type == "money":
            raw = str(rng.choice([600_000, 1_500_000, 2_500_000, 3_750_000, 6_000_000]))
        else:
            raw = str(rng.randint(question.min or 0, min(question.max or 8, 8)))
        answer = engine.validate(question, raw, answers)
        if not isinstance(answer, Problem):
            return answer


def _template(engine: InterviewEngine, rng: random.Random) -> Template:
    """One whole interview walked through the engine, with the score detail handlers store."""
    answers: dict[str, Answer] = {}
    question = engine.first_question
    while question is not None:
        answers, _ = engine.apply(answers, _answer(engine, question, answers, rng))
        question = engine.next_question(answers, after=question.id)
    score = engine.score(answers)
    detail = stored_detail(score, engine.flags(answers))
    return answers, detail


def _time(minutes: float) -> str:
    """A stored timestamp ``minutes`` after the start of the round."""
    return to_db_time(START + timedelta(minutes=minutes))


async def seed(db: Database, instrument: Instrument, kelurahan: list[str], interviews: int,
               seed_value: int = 2026) -> None:
    """People, households, submitted interviews, their answers and scores, in one transaction."""
    rng = random.Random(seed_value)
    engine = InterviewEngine(instrument)
    templates = [_template(engine, rng) for _ in range(TEMPLATES)]
    kader = [(k * KADER_PER_KELURAHAN + j + 1, name) for k, name in enumerate(kelurahan)
             for j in range(KADER_PER_KELURAHAN)]
    chosen = [rng.randrange(TEMPLATES) for _ in range(interviews)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO people (id, name, role, kelurahan, created_at) VALUES (?, ?, 'kader', ?, ?)",
            [(pid, f"Kader {pid:03d} {name}", name, _time(0)) for pid, name in kader])
        await conn.executemany(
            """INSERT INTO households (id, code, head_name, address, rt, rw, kelurahan, kader_id,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (_household(n, kader) for n in range(1, interviews + 1)))
        await conn.executemany(
            """INSERT INTO interviews (id, household_id, kader_id, instrument_id, instrument_version,
                   instrument_hash, survey_round, status, current_question, consent_at, started_at,
                   updated_at, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', NULL, ?, ?, ?, ?)""",
            (_interview(n, kader, instrument) for n in range(1, interviews + 1)))
        await conn.executemany(
            "INSERT INTO answers (interview_id, question_id, value_json, refused, answered_at) "
            "VALUES (?, ?, ?, ?, ?)", _answers(templates, chosen))
        await conn.executemany(
            """INSERT INTO scores (interview_id, instrument_version, rubric_version, index_value,
                   category, complete, detail_json, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (_score(n, templates[t][1], instrument) for n, t in enumerate(chosen, start=1)))


def _household(n: int, kader: list[tuple[int, str]]) -> tuple[Any, ...]:
    """Household ``n``, assigned to a kader of its kelurahan."""
    pid, name = kader[n % len(kader)]
    return (n, f"KK-{n:06d}", f"Kepala Keluarga {n}", f"Jl. Bench No. {n % 200}, Gg. {n % 17}",
            f"{n % 30 + 1:03d}", f"{n % 12 + 1:03d}", name, pid, _time(0), _time(0))


def _interview(n: int, kader: list[tuple[int, str]], instrument: Instrument) -> tuple[Any, ...]:
    """Household ``n``'s submitted interview, 25 minutes long."""
    pid = kader[n % len(kader)][0]
    started = n * 1.5
    return (n, n, pid, instrument.id, instrument.version, instrument.content_hash, ROUND,
            _time(started), _time(started), _time(started + 25), _time(started + 25))


def _answers(templates: list[Template], chosen: list[int]) -> Iterator[tuple[Any, ...]]:
    """Every answer row: each interview gets the answers of its template."""
    stamp = _time(10)
    encoded = [[(a.question_id, None if a.refused else dumps(a.value), int(a.refused))
                for a in answers.values()] for answers, _ in templates]
    for n, t in enumerate(chosen, start=1):
        for question_id, value, refused in encoded[t]:
            yield n, question_id, value, refused, stamp


def _score(n: int, detail: dict[str, Any], instrument: Instrument) -> tuple[Any, ...]:
    """Interview ``n``'s score row with its template's detail."""
    return (n, instrument.version, instrument.rubric.version, detail["index"], detail["category"],
            int(detail["complete"]), dumps(detail), _time(n * 1.5 + 25))


def _maxrss_bytes() -> int:
    """The process's peak resident set size so far, in bytes (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


async def _export(repo: Repository, instruments: dict[str, Instrument]) -> tuple[dict[str, float], int, int]:
    """Seconds of each step, and the sizes of the workbook and the CSV."""
    start = time.perf_counter()
    data: ExportData = await repo.exports.snapshot(ROUND)
    read = time.perf_counter()
    workbook = build_workbook(data, instruments)
    built = time.perf_counter()
    table = build_csv(data, instruments)
    done = time.perf_counter()
    seconds = {"read_seconds": read - start, "workbook_seconds": built - read, "csv_seconds": done - built}
    return seconds, len(workbook), len(table)


async def _traced_peak(repo: Repository, instruments: dict[str, Instrument]) -> int:
    """Peak Python allocation (bytes) of reading and building the workbook, under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        data = await repo.exports.snapshot(ROUND)
        build_workbook(data, instruments)
        del data
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def bench_export(interviews: int = 20_000) -> dict[str, Any]:
    """Seed ``interviews`` submitted interviews, export them, and report seconds, sizes and memory."""
    settings = load_settings()
    instrument = load_instruments(settings)[0]
    instruments = {instrument.content_hash: instrument}
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-export-") as tmp:
        db = await Database.open(Path(tmp) / "export.db")
        try:
            start = time.perf_counter()
            await seed(db, instrument, settings.kelurahan, interviews)
            seed_seconds = time.perf_counter() - start
            answers = (await db.conn.execute_fetchall("SELECT count(*) FROM answers"))[0][0]
            repo = Repository(db)
            gc.collect()
            rss_before = _maxrss_bytes()
            seconds, xlsx_bytes, csv_bytes = await _export(repo, instruments)
            rss_delta = _maxrss_bytes() - rss_before
            traced = await _traced_peak(repo, instruments)
        finally:
            await db.close()
    return {
        "interviews": interviews, "answers": answers, "seed_seconds": seed_seconds, **seconds,
        "total_seconds": sum(seconds.values()), "xlsx_mb": xlsx_bytes / 1e6, "csv_mb": csv_bytes / 1e6,
        "tracemalloc_peak_mb": traced / 1e6, "maxrss_delta_mb": rss_delta / 1e6,
    }


if __name__ == "__main__":
    figures = asyncio.run(bench_export())
    print("Export of submitted interviews (storage reads, workbook, CSV)")
    for key, value in figures.items():
        print(f"  {key}: {value:,.2f}" if isinstance(value, float) else f"  {key}: {value:,}")

"""Storage throughput: answers recorded through the repository against raw sqlite3 inserts.

Run with `python -m benchmarks.bench_storage`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from flows.answers import Answer
from storage.records import InstrumentRef
from storage.repository import Repository
from storage.sqlite.database import Database

_PRAGMAS = ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "busy_timeout = 5000")


async def _repository_answers(path: Path, n: int, interviews: int) -> tuple[float, float]:
    """Seconds to record `n` answers, one transaction each, spread over a few interviews; then seconds
    for `n` reads of what every press reads first (`people.by_telegram_id` and `interviews.load`)."""
    db = await Database.open(path)
    try:
        repo = Repository(db)
        kader = await repo.people.add("Kader Bench", "kader")
        instrument = InstrumentRef("bench", "1", "sha256:bench")
        ids = []
        for i in range(interviews):
            household = await repo.households.add(f"KK-{i:04d}", "Bench", "Jl. Bench", "001", "001", "Komet")
            interview = await repo.interviews.start(household.id, kader.id, instrument, "bench", "q0")
            ids.append(interview.id)
        start = time.perf_counter()
        for k in range(n):
            step = k // interviews
            recorded = await repo.interviews.record_answer(
                ids[k % interviews],
                Answer(f"q{step}", step),
                expected_current=f"q{step}",
                next_question=f"q{step + 1}",
            )
            assert recorded
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        for k in range(n):
            await repo.people.by_telegram_id(k)
            assert await repo.interviews.load(ids[k % interviews]) is not None
        return seconds, time.perf_counter() - start
    finally:
        await db.close()


def _raw_inserts(path: Path, n: int) -> float:
    """Seconds for `n` plain INSERT + COMMIT through sqlite3 with the same pragmas (the baseline)."""
    conn = sqlite3.connect(path)
    try:
        for pragma in _PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        conn.execute(
            "CREATE TABLE answers (interview_id INTEGER, question_id TEXT, value_json TEXT,"
            " refused INTEGER, answered_at TEXT, PRIMARY KEY (interview_id, question_id)) WITHOUT ROWID"
        )
        conn.commit()
        start = time.perf_counter()
        for k in range(n):
            conn.execute(
                "INSERT INTO answers VALUES (?, ?, ?, 0, '2026-11-27T02:00:00.000000+00:00')",
                (k % 10, f"q{k}", str(k)),
            )
            conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()


async def bench_answers(n: int = 5000, interviews: int = 10) -> dict[str, float]:
    """Answers per second through `repo.interviews.record_answer`, and against raw sqlite3.

    `ratio` is the repository's throughput as a fraction of the raw baseline's.
    """
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-") as tmp:
        seconds, reads = await _repository_answers(Path(tmp) / "repo.db", n, interviews)
        baseline = _raw_inserts(Path(tmp) / "raw.db", n)
    return {
        "answers": n,
        "seconds": seconds,
        "per_second": n / seconds,
        "baseline_seconds": baseline,
        "baseline_per_second": n / baseline,
        "ratio": baseline / seconds,
        "press_reads_per_second": n / reads,
    }


if __name__ == "__main__":
    figures = asyncio.run(bench_answers())
    print(
        f"storage: {figures['answers']:.0f} answers in {figures['seconds']:.2f} s"
        f" = {figures['per_second']:,.0f}/s through record_answer (one commit each);"
        f" raw sqlite3 INSERT+COMMIT {figures['baseline_per_second']:,.0f}/s;"
        f" ratio {figures['ratio']:.2f}; by_telegram_id + load {figures['press_reads_per_second']:,.0f}/s"
    )

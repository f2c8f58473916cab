"""Household import of a large file: read, plan, save the preview, apply; then the same file again.

Run with `python -m benchmarks.bench_imports`.

Times come from one run without tracing. Peak memory: the growth of the process's peak RSS
(``ru_maxrss``) over that run, and a second run under ``tracemalloc`` for the peak of Python
allocations (tracing slows that run down, so its times are not reported).
"""

from __future__ import annotations

import asyncio
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import xlsxwriter

from flows.imports import TEMPLATE_HEADERS, ImportPlan, KaderRef, plan_import
from reports.tabular import fingerprint, read_table
from settings import load_settings
from storage.repository import Repository
from storage.sqlite.database import Database

KADER_PER_KELURAHAN = 2
MAX_BYTES = 20_000_000


def build_file(rows: int, kelurahan: list[str], kader: list[KaderRef]) -> bytes:
    """An .xlsx of `rows` distinct families spread over the kelurahan: most with a code, every fourth
    without; the kader named by name, by short code, or not at all."""
    by_area: dict[str, list[KaderRef]] = {}
    for ref in kader:
        by_area.setdefault(ref.kelurahan or "", []).append(ref)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = workbook.add_worksheet("Keluarga")
    sheet.write_row(0, 0, TEMPLATE_HEADERS)
    for n in range(rows):
        area = kelurahan[n % len(kelurahan)]
        refs = by_area[area]
        ref = refs[n % len(refs)]
        named = (ref.name, f"K{ref.id}", "")[n % 3]
        code = "" if n % 4 == 3 else f"BJB-{n:06d}"
        sheet.write_row(n + 1, 0, (code, f"Kepala Keluarga {n}", f"Jl. Contoh No. {n % 500}, Gg. {n // 500}",
                                   f"{n % 30 + 1:03d}", f"{n % 9 + 1:03d}", area, named))
    workbook.close()
    return buffer.getvalue()


async def _kader(repo: Repository, kelurahan: list[str]) -> list[KaderRef]:
    """A few kader in every kelurahan."""
    for area in kelurahan:
        for k in range(KADER_PER_KELURAHAN):
            await repo.people.add(f"Kader {area} {k + 1}", "kader", kelurahan=area)
    return await repo.imports.kader_refs()


async def _import(repo: Repository, data: bytes, rows: int, kelurahan: list[str]) -> dict[str, Any]:
    """One import through every phase, timed; returns seconds per phase and the plan's counts."""
    admin = await repo.people.add("Admin Bench", "admin")
    times: dict[str, Any] = {}
    start = time.perf_counter()
    table = read_table(data, "keluarga.xlsx", max_rows=rows, max_bytes=MAX_BYTES)
    times["read_s"] = time.perf_counter() - start
    start = time.perf_counter()
    existing, kader = await repo.imports.existing_households(), await repo.imports.kader_refs()
    plan = plan_import(table, existing=existing, kelurahan=kelurahan, kader=kader)
    times["plan_s"] = time.perf_counter() - start
    start = time.perf_counter()
    import_id = await repo.imports.save_plan(admin.id, "keluarga.xlsx", fingerprint(data), plan)
    times["save_s"] = time.perf_counter() - start
    start = time.perf_counter()
    result = await repo.imports.apply(import_id)
    times["apply_s"] = time.perf_counter() - start
    assert result is not None
    return {**times, "plan": plan, "added": result.added, "updated": result.updated}


async def _run(rows: int, folder: Path, kelurahan: list[str]) -> dict[str, Any]:
    """Build the file, import it into a fresh database, import it again."""
    db = await Database.open(folder / "bench.db")
    try:
        repo = Repository(db)
        kader = await _kader(repo, kelurahan)
        start = time.perf_counter()
        data = build_file(rows, kelurahan, kader)
        build = time.perf_counter() - start
        first = await _import(repo, data, rows, kelurahan)
        again = await _import(repo, data, rows, kelurahan)
        return {"data": data, "build_s": build, "first": first, "again": again}
    finally:
        await db.close()


def _maxrss_bytes() -> int:
    """The process's peak resident set so far, in bytes (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def bench_import(rows: int = 20_000) -> dict[str, Any]:
    """Seconds per phase of importing a `rows`-family .xlsx (and of importing it again), peak memory."""
    kelurahan = load_settings().kelurahan
    rss_before = _maxrss_bytes()
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-") as tmp:
        run = asyncio.run(_run(rows, Path(tmp), kelurahan))
    rss_growth = _maxrss_bytes() - rss_before
    tracemalloc.start()
    try:
        with tempfile.TemporaryDirectory(prefix="tangguh-bench-") as tmp:
            asyncio.run(_run(rows, Path(tmp), kelurahan))
        traced_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    first, again = run["first"], run["again"]
    plan: ImportPlan = first["plan"]
    phases = ("read_s", "plan_s", "save_s", "apply_s")
    return {
        "rows": rows,
        "kelurahan": len(kelurahan),
        "kader": len(kelurahan) * KADER_PER_KELURAHAN,
        "file_bytes": len(run["data"]),
        "build_file_s": run["build_s"],
        **{phase: first[phase] for phase in phases},
        "total_s": sum(first[phase] for phase in phases),
        "rows_per_second": rows / sum(first[phase] for phase in phases),
        "adds": len(plan.adds),
        "generated_codes": sum(h.generated for h in plan.adds),
        "rejected": len(plan.rejected),
        "added": first["added"],
        **{f"reimport_{phase}": again[phase] for phase in phases},
        "reimport_total_s": sum(again[phase] for phase in phases),
        "reimport_adds": len(again["plan"].adds),
        "reimport_updates": len(again["plan"].updates),
        "reimport_unchanged": again["plan"].unchanged,
        "tracemalloc_peak_mb": traced_peak / 1e6,
        "maxrss_growth_mb": rss_growth / 1e6,
    }


if __name__ == "__main__":
    for key, value in bench_import().items():
        print(f"{key}: {value:,.3f}" if isinstance(value, float) else f"{key}: {value:,}")

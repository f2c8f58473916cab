"""Running a benchmark in a fresh process, so that its peak memory is its own (``make bench``)."""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from benchmarks.bench_export import bench_export


def measured(bench: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The benchmark's figures and the peak resident memory of the whole process that ran it."""
    figures = bench()
    figures["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def in_own_process(bench: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``bench`` (a module-level function) in a fresh spawned process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measured, bench).result()


def export_figures() -> dict[str, Any]:
    """The export benchmark, run to completion in its own event loop."""
    return asyncio.run(bench_export())

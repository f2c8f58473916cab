"""``make bench``: every figure the issues ask for, each against a baseline measured in the same run."""

from __future__ import annotations

import asyncio

from benchmarks.bench_digest import bench_digest
from benchmarks.bench_imports import bench_import
from benchmarks.bench_load import bench_load
from benchmarks.bench_outbox import bench_outbox
from benchmarks.bench_scoring import bench_scoring
from benchmarks.bench_storage import bench_answers
from benchmarks.bench_survey import bench_survey, print_figures
from benchmarks.isolated import export_figures, in_own_process


def main() -> None:
    """Run the benchmarks and print their figures."""
    print("Scoring (issue 2): indicator scores → index and category, vectorised against a per-family loop")
    print_figures(bench_scoring())
    print("Answers committed through the storage layer, one commit per answer (issue 2)")
    print_figures(asyncio.run(bench_answers()))
    print("Survey (issue 3): kader answers through the real bot against a bare PTB handler")
    print("  # in_process_*: one update at a time through an in-memory fake transport; cost_ratio is")
    print("  # Tangguh's µs per button answer over the bare handler's µs per press (target: ≤ 1.5);")
    print("  # cost_ratio_same_message: against a bare handler sending Tangguh's very text and keyboard;")
    print("  # bare_committing_cost_ratio: what one committed row costs the bare handler by itself;")
    print("  # cpu_*: processor time of the process instead of wall time")
    print("  # http_*: 200 kader press at once over the loopback fake Bot API; ms from the update being")
    print("  # queued to the bot's editMessageText (press_to_edit) and answerCallbackQuery (press_to_answer)")
    print_figures(bench_survey())
    print("Household import (issue 4): a 20,000-row .xlsx, then the same file again")
    print_figures(in_own_process(bench_import))
    print("Export (issue 4): 20,000 submitted interviews to .xlsx and .csv")
    print_figures(in_own_process(export_figures))
    print("Agency digests (issue 5): all agencies' figures for 100,000 and 1,000,000 submitted families")
    print("  # against a single SQL GROUP BY scan of the same scores as the baseline, in the same run")
    print_figures(in_own_process(bench_digest))
    print("Outbox sender (issue 5): sustained rate against the fake Bot API with its rate limits on")
    print_figures(in_own_process(bench_outbox))
    print("Load (issue 6): 300 kader press at once; the bot as its own process against a bare PTB bot's")
    print("  # ms from the update queued at the fake to the bot's edit; presses/s over each round; the")
    print("  # process's peak resident memory; *_ratio: Tangguh over the bare bot")
    print_figures(bench_load())


if __name__ == "__main__":
    main()

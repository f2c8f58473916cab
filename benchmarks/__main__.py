"""``make bench``: every figure the issues ask for, each against a baseline measured in the same run."""

from __future__ import annotations

import asyncio

from benchmarks.bench_scoring import bench_scoring
from benchmarks.bench_storage import bench_answers
from benchmarks.bench_survey import bench_survey, print_figures


def main() -> None:
    """Run the benchmarks and print their figures."""
    scoring = bench_scoring()
    print("Scoring (indicator scores → index and category)")
    for key, value in scoring.items():
        print(f"  {key}: {value:,.2f}" if isinstance(value, float) else f"  {key}: {value}")
    storage = asyncio.run(bench_answers())
    print("Answers committed through the storage layer, one commit per answer")
    for key, value in storage.items():
        print(f"  {key}: {value:,.2f}" if isinstance(value, float) else f"  {key}: {value}")
    survey = bench_survey()
    print("Survey (issue 3): kader answers through the real bot against a bare PTB handler")
    print("  # in_process_*: one update at a time through an in-memory fake transport; cost_ratio is")
    print("  # Tangguh's µs per button answer over the bare handler's µs per press (target: ≤ 1.5)")
    print("  # http_*: 200 kader press at once over the loopback fake Bot API; ms from the update being")
    print("  # queued to the bot's editMessageText (press_to_edit) and answerCallbackQuery (press_to_answer)")
    print_figures(survey)


if __name__ == "__main__":
    main()

"""``make bench``: every figure the issues ask for, each against a baseline measured in the same run."""

from __future__ import annotations

import asyncio

from benchmarks.bench_scoring import bench_scoring
from benchmarks.bench_storage import bench_answers


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


if __name__ == "__main__":
    main()

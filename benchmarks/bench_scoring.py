"""Benchmark: vectorised ``score_families`` against a per-family ``score_family`` loop.

Run from the repository root: ``python -m benchmarks.bench_scoring``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from flows.scoring import (
    DimensionSpec,
    IndicatorScore,
    Rubric,
    score_family,
    structure_indicators,
)
from reports.aggregate import MET, MISSING, NA, NOT_MET, score_families
from settings import load_instruments, load_settings

# The shipped instrument and its rubric, as the bot loads them.
_INSTRUMENT = load_instruments(load_settings())[0]
STRUCTURE: tuple[DimensionSpec, ...] = _INSTRUMENT.structure
RUBRIC: Rubric = _INSTRUMENT.rubric
_SCORE_OF = {
    MET: IndicatorScore.MET,
    NOT_MET: IndicatorScore.NOT_MET,
    NA: IndicatorScore.NOT_APPLICABLE,
    MISSING: IndicatorScore.MISSING,
}


def _matrix(families: int, seed: int = 2024) -> pd.DataFrame:
    """A seeded random int8 code matrix for the 24-indicator structure."""
    rng = np.random.default_rng(seed)
    codes = structure_indicators(STRUCTURE)
    arr = rng.choice(
        np.array([MET, NOT_MET, NA, MISSING], dtype=np.int8),
        size=(families, len(codes)),
        p=[0.6, 0.25, 0.1, 0.05],
    )
    return pd.DataFrame(arr, columns=list(codes))


def bench_scoring(families: int = 1_000_000, loop_families: int = 50_000, repeat: int = 3) -> dict:
    """Time both paths (best of ``repeat``); families per second and the vectorised/loop ratio."""
    matrix = _matrix(families)
    vector_seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        frame = score_families(matrix, STRUCTURE, RUBRIC)
        vector_seconds = min(vector_seconds, time.perf_counter() - start)

    head = matrix.iloc[:loop_families]
    columns = list(head.columns)
    dicts = [
        {code: _SCORE_OF[int(v)] for code, v in zip(columns, row, strict=True)} for row in head.to_numpy()
    ]
    loop_seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        indexes = [score_family(STRUCTURE, RUBRIC, d).index for d in dicts]
        loop_seconds = min(loop_seconds, time.perf_counter() - start)

    # Sanity: both paths agree on the looped families.
    vector_head = frame["index"].to_numpy()[: len(indexes)]
    loop_values = np.array([np.nan if v is None else v for v in indexes])
    if not np.array_equal(vector_head, loop_values, equal_nan=True):
        raise RuntimeError("score_families and score_family disagree")

    vector_rate = families / vector_seconds
    loop_rate = len(dicts) / loop_seconds
    return {
        "families": families,
        "repeat": repeat,
        "vectorised_seconds": round(vector_seconds, 3),
        "vectorised_families_per_second": round(vector_rate),
        "loop_families": len(dicts),
        "loop_seconds": round(loop_seconds, 3),
        "loop_families_per_second": round(loop_rate),
        "ratio_vectorised_to_loop": round(vector_rate / loop_rate, 1),
    }


if __name__ == "__main__":
    for key, value in bench_scoring().items():
        print(f"{key}: {value}")

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
    VariableSpec,
    score_family,
    structure_indicators,
)
from reports.aggregate import MET, MISSING, NA, NOT_MET, score_families

_VARIABLES: dict[str, tuple[str, ...]] = {
    "1.1": ("1.1.1", "1.1.2"),
    "1.2": ("1.2.1",),
    "1.3": ("1.3.1", "1.3.2", "1.3.3", "1.3.4"),
    "2.1": ("2.1.1", "2.1.2"),
    "2.2": ("2.2.1",),
    "2.3": ("2.3.1",),
    "3.1": ("3.1.1",),
    "3.2": ("3.2.1", "3.2.2"),
    "3.3": ("3.3.1", "3.3.2"),
    "3.4": ("3.4.1", "3.4.2"),
    "4.1": ("4.1.1", "4.1.2"),
    "4.2": ("4.2.1",),
    "5.1": ("5.1.1",),
    "5.2": ("5.2.1",),
    "5.3": ("5.3.1",),
}
STRUCTURE: tuple[DimensionSpec, ...] = tuple(
    DimensionSpec(
        dim,
        0.2,
        tuple(VariableSpec(var, 1.0, inds) for var, inds in _VARIABLES.items() if var.startswith(dim + ".")),
    )
    for dim in "12345"
)
RUBRIC = Rubric.model_validate(
    {
        "version": "bench",
        "categories": [
            {"code": "rentan", "min": 0, "label": {"id": "Rentan"}},
            {"code": "berkembang", "min": 50, "label": {"id": "Berkembang"}},
            {"code": "tangguh", "min": 75, "label": {"id": "Tangguh"}},
        ],
        "area_classes": [
            {"code": "sangat_rendah", "min": 0, "label": {}},
            {"code": "rendah", "min": 61.16, "label": {}},
            {"code": "cukup", "min": 65.76, "label": {}},
            {"code": "tinggi", "min": 70.36, "label": {}},
            {"code": "sangat_tinggi", "min": 74.96, "label": {}},
        ],
    }
)
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

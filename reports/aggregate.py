"""Vectorised scoring of many families and area figures (reference §4)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from flows.scoring import (
    BOUND_TOLERANCE,
    Category,
    DimensionSpec,
    IndicatorScore,
    Rubric,
    structure_indicators,
)
from reports.codes import MET, MISSING, NA, NOT_MET

__all__ = ["INCOMPLETE", "MET", "MISSING", "NA", "NOT_MET", "AreaSummary", "area_summary", "indicator_matrix",
           "score_families"]


INCOMPLETE: Final = "incomplete"
"""The ``category_counts`` column counting incomplete families."""

_CODE_OF: Final[dict[IndicatorScore, int]] = {
    IndicatorScore.MET: MET,
    IndicatorScore.NOT_MET: NOT_MET,
    IndicatorScore.NOT_APPLICABLE: NA,
    IndicatorScore.MISSING: MISSING,
}

Structure = tuple[DimensionSpec, ...]


@dataclass(frozen=True)
class AreaSummary:
    """Area figures: rows are areas (sorted), as ``area_summary`` documents."""

    failing_share: pd.DataFrame
    category_counts: pd.DataFrame
    mean_index: pd.Series
    area_class: pd.Series


def indicator_matrix(
    families: Sequence[Mapping[str, IndicatorScore]],
    structure: Structure,
    ids: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """Build the int8 code matrix (absent codes MISSING) from per-family mappings."""
    codes = structure_indicators(structure)
    column = {code: j for j, code in enumerate(codes)}
    out = np.full((len(families), len(codes)), MISSING, dtype=np.int8)
    for row, family in enumerate(families):
        for code, score in family.items():
            j = column.get(code)
            if j is None:
                raise ValueError(f"family {row}: indicator code not in structure: {code!r}")
            out[row, j] = _CODE_OF[IndicatorScore(score)]
    index = pd.RangeIndex(len(families)) if ids is None else pd.Index(ids)
    return pd.DataFrame(out, index=index, columns=pd.Index(codes, name="indicator"))


def _codes(matrix: pd.DataFrame, structure: Structure, rubric: Rubric) -> np.ndarray:
    """Validated int8 codes, one row per indicator in structure order, N/A switch applied."""
    codes = structure_indicators(structure)
    columns = set(matrix.columns)
    absent = [c for c in codes if c not in columns]
    extra = sorted(map(str, columns.difference(codes)))
    if absent or extra:
        raise ValueError(f"matrix columns: missing {absent}, not in structure {extra}")
    if not matrix.index.is_unique:
        raise ValueError("matrix index (family ids) must be unique")
    # Transposed (indicators × families): per-indicator rows are contiguous, and for a
    # single-block frame this is a view, not a copy.
    arr = matrix.loc[:, list(codes)].to_numpy().T
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"matrix must hold integer codes, not {arr.dtype}")
    if arr.size and (arr.min() < MISSING or arr.max() > MET):
        raise ValueError("matrix codes must be 1, 0, -1 (N/A) or -2 (missing)")
    arr = np.ascontiguousarray(arr, dtype=np.int8)
    if rubric.na_counts_as_met:
        arr = np.where(arr == NA, np.int8(MET), arr)
    return arr


def _classify(values: np.ndarray, classes: Sequence[Category]) -> pd.Categorical:
    """Vectorised ``category_for``: ordered class codes, NaN where the value is NaN."""
    mins = np.array([c.min for c in classes], dtype=np.float64)
    pos = np.searchsorted(mins, values + BOUND_TOLERANCE, side="right") - 1
    pos = np.where(np.isnan(values), -1, pos)
    if (pos[~np.isnan(values)] < 0).any():
        raise ValueError("a value is below every class minimum")
    return pd.Categorical.from_codes(pos, categories=[c.code for c in classes], ordered=True)


def _weighted_mean(
    parts: Sequence[tuple[np.ndarray, np.ndarray]], weights: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-family weighted mean of (value, present) parts, weights renormalised; (mean, present)."""
    # Values are 0.0 where absent, so absent parts add exactly 0.0 and leave num and den
    # unchanged: the same float operations, in the same order, as score_family.
    num = np.zeros(parts[0][0].shape)
    den = np.zeros(parts[0][0].shape)
    for (value, present), weight in zip(parts, weights, strict=True):
        num += weight * value
        den += weight * present
    present = den > 0
    return num / (den + ~present), present  # 0.0 / 1.0 where nothing is present


def score_families(matrix: pd.DataFrame, structure: Structure, rubric: Rubric) -> pd.DataFrame:
    """Score every row of ``matrix`` exactly as ``score_family`` does, with no row loop.

    Columns: ``index`` (0–100, NaN when nothing scorable), ``category`` (ordered
    categorical of rubric codes, NaN with the index), ``complete``, ``applicable``,
    ``answered`` and ``dim:<code>`` (0–1, NaN when absent) per dimension.
    ``attrs["rubric_version"]`` records the rubric.
    """
    arr = _codes(matrix, structure, rubric)
    met = arr == MET
    answered = arr >= NOT_MET
    dims: list[tuple[np.ndarray, np.ndarray]] = []
    row = 0
    for dim in structure:
        variables: list[tuple[np.ndarray, np.ndarray]] = []
        for var in dim.variables:
            rows = slice(row, row + len(var.indicators))
            row = rows.stop
            met_v = met[rows].sum(axis=0, dtype=np.int64)
            ans_v = answered[rows].sum(axis=0, dtype=np.int64)
            variables.append((met_v / np.maximum(ans_v, 1), ans_v > 0))
        dims.append(_weighted_mean(variables, [v.weight for v in dim.variables]))
    mean, scorable = _weighted_mean(dims, [d.weight for d in structure])
    index = np.where(scorable, 100.0 * mean, np.nan)

    n_applicable = (arr != NA).sum(axis=0, dtype=np.int64)
    n_answered = answered.sum(axis=0, dtype=np.int64)
    complete = (n_answered > 0) & (n_answered >= rubric.complete_share * n_applicable - BOUND_TOLERANCE)
    columns: dict[str, object] = {
        "index": index,
        "category": _classify(index, rubric.categories),
        "complete": complete,
        "applicable": n_applicable,
        "answered": n_answered,
    }
    for dim, (value, present) in zip(structure, dims, strict=True):
        columns[f"dim:{dim.code}"] = np.where(present, value, np.nan)
    out = pd.DataFrame(columns, index=matrix.index, copy=False)
    out.attrs["rubric_version"] = rubric.version
    return out


def area_summary(
    matrix: pd.DataFrame,
    scores: pd.DataFrame,
    areas: pd.Series,
    structure: Structure,
    rubric: Rubric,
) -> AreaSummary:
    """Per-area figures; rows are the distinct area names, sorted.

    - ``failing_share``: per indicator, NOT_MET families / families where it applies and
      is answered (N/A and MISSING out of the denominator, the rubric's N/A switch
      applied), NaN with no denominator. ALL families count here, incomplete ones too.
    - ``category_counts``: complete families per category code, plus ``incomplete``.
    - ``mean_index``: mean index of the COMPLETE families only (NaN if none).
    - ``area_class``: the rubric's ``area_classes`` code for that mean (NaN if none).
    """
    category_codes = [c.code for c in rubric.categories]
    if INCOMPLETE in category_codes:
        raise ValueError(f"category code {INCOMPLETE!r} is reserved for area counts")
    arr = _codes(matrix, structure, rubric)
    family_ids = matrix.index
    if not family_ids.isin(scores.index).all():
        raise ValueError("scores lack some families of the matrix")
    if not family_ids.isin(areas.index).all():
        raise ValueError("areas lack some families of the matrix")
    scores = scores.reindex(family_ids)
    area = areas.reindex(family_ids)
    if area.isna().any():
        raise ValueError("some families have no area name")
    area_pos, area_names = pd.factorize(area, sort=True)
    n_areas = len(area_names)
    area_index = pd.Index(area_names, name=areas.name or "area")

    indicators = pd.Index(structure_indicators(structure), name="indicator")
    failing = pd.DataFrame((arr == NOT_MET).T, columns=indicators).groupby(area_pos).sum()
    denom = pd.DataFrame((arr >= NOT_MET).T, columns=indicators).groupby(area_pos).sum()
    share = (failing / denom.where(denom > 0)).astype(np.float64)
    share = share.reindex(range(n_areas))
    share.index = area_index

    complete = scores["complete"].to_numpy(dtype=bool)
    family_category = pd.Categorical(scores["category"], categories=category_codes)
    cat_pos = np.asarray(family_category.codes)
    if (complete & (cat_pos < 0)).any():
        raise ValueError("a complete family has no category of this rubric")
    label = np.where(complete, cat_pos, len(category_codes))
    width = len(category_codes) + 1
    counts = np.bincount(area_pos * width + label, minlength=n_areas * width)
    category_counts = pd.DataFrame(
        counts.reshape(n_areas, width),
        index=area_index,
        columns=pd.Index([*category_codes, INCOMPLETE], name="category"),
    )

    index = scores["index"].to_numpy(dtype=np.float64)
    mean_index = pd.Series(np.where(complete, index, np.nan)).groupby(area_pos).mean().reindex(range(n_areas))
    mean_values = mean_index.to_numpy(dtype=np.float64)
    return AreaSummary(
        failing_share=share,
        category_counts=category_counts,
        mean_index=pd.Series(mean_values, index=area_index, name="mean_index"),
        area_class=pd.Series(
            _classify(mean_values, rubric.area_classes),
            index=area_index,
            name="area_class",
        ),
    )

"""The numpy side of the agency digest: one snapshot's codes arranged once for every agency.

Imported only when figures are computed (``digest_figures``, ``admin_figures``), so that importing
``reports.digest`` loads neither numpy nor pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cached_property

import numpy as np
import pandas as pd

from flows.instrument import Instrument
from reports.codes import MET, NA, NOT_MET
from reports.digest.figures import (
    LISTING_COLUMNS,
    AgencyFigures,
    AreaFigures,
    IndicatorInfo,
    agency_indicators,
)


class Listing:
    """The families an agency's digest may list, materialised only when asked for."""

    def __init__(self, snapshot: Snapshot, listable: np.ndarray) -> None:
        self.snapshot = snapshot
        self.listable = listable

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Listed families sorted by kelurahan (area order), RT, RW and household code."""
        snap = self.snapshot
        fail = snap.fail[self.listable]
        listed = any_rows(fail, np.arange(len(self.listable)), snap.size)
        positions = np.flatnonzero(listed)
        columns = [snap.families.columns.get_loc(c) for c in snap.listing_columns]
        frame = snap.families.iloc[positions, columns]
        frame["failing"] = patterns(fail[:, positions], [snap.codes[j] for j in self.listable])
        order = [c for c in ("rt", "rw", "household_code") if c in frame.columns]
        frame.insert(0, "_area", snap.area_pos[positions])
        return frame.sort_values(["_area", *order], kind="stable").drop(columns="_area")


class Snapshot:
    """The codes of one snapshot arranged once for every agency: per-indicator rows, area positions."""

    def __init__(self, matrix: pd.DataFrame, families: pd.DataFrame, instrument: Instrument,
                 areas: Sequence[str] | None, week_start: datetime, week_end: datetime) -> None:
        self.instrument = instrument
        self.week = (week_start, week_end)
        self.codes = [ind.code for _, _, ind in instrument.indicators()]
        self.column = {code: j for j, code in enumerate(self.codes)}
        codes = code_rows(matrix, self.codes, instrument.rubric.na_counts_as_met)
        self.size = codes.shape[1]
        self.fail = codes == NOT_MET
        self.answered = codes >= NOT_MET
        self.families = aligned(families, matrix.index)
        self.area_pos, self.area_names = area_positions(self.families["kelurahan"], areas)
        self.listing_columns = [c for c in LISTING_COLUMNS if c in self.families.columns]
        submitted = self.families["submitted_at"]
        this_week = (submitted >= pd.Timestamp(week_start)) & (submitted < pd.Timestamp(week_end))
        self.this_week = this_week.to_numpy(dtype=bool, na_value=False)
        self.surveyed_total = self._per_area(np.ones(self.size, dtype=bool))
        self.surveyed_week = self._per_area(self.this_week)
        self.failing, self.answering = self._indicator_counts(codes)

    def _indicator_counts(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per indicator × area (then the city): families failing it, and families answering it."""
        areas = len(self.area_names)
        failing = np.zeros((len(self.codes), areas + 1), dtype=np.int64)
        answering = np.zeros_like(failing)
        key = self.area_pos * 4 + 2  # one bincount per indicator counts all four codes of every area
        for j, row in enumerate(codes):
            counts = np.bincount(key + row, minlength=4 * areas).reshape(areas, 4)
            failing[j, :areas] = counts[:, 2]
            answering[j, :areas] = counts[:, 2] + counts[:, 3]
        failing[:, areas] = failing[:, :areas].sum(axis=1)
        answering[:, areas] = answering[:, :areas].sum(axis=1)
        return failing, answering

    def _per_area(self, mask: np.ndarray) -> np.ndarray:
        """How many families of each area (then the city) ``mask`` holds for."""
        counts = np.bincount(self.area_pos[mask], minlength=len(self.area_names))
        return np.append(counts, counts.sum())

    def agency(self, agency: str, survey_round: str, protection_unit: str | None,
               previous: AgencyFigures | None) -> AgencyFigures:
        """One agency's figures from the shared arrays."""
        indicators = agency_indicators(self.instrument, agency)
        columns = np.array([self.column[i.code] for i in indicators], dtype=np.intp)
        lists_sensitive = protection_unit is not None and agency == protection_unit
        listable = np.array([self.column[i.code] for i in indicators if lists_sensitive or not i.sensitive],
                            dtype=np.intp)
        need = any_rows(self.fail, columns, self.size)
        listed = any_rows(self.fail, listable, self.size)
        counts = {"assessed": self._per_area(any_rows(self.answered, columns, self.size)),
                  "needing_help": self._per_area(need), "unlisted": self._per_area(need & ~listed)}
        names = [*self.area_names, ""]
        compare = previous if previous is not None and previous.survey_round == survey_round else None
        figures = [self._area(names[a], a, columns, counts, indicators, compare) for a in range(len(names))]
        return AgencyFigures(agency=agency, survey_round=survey_round, week_start=self.week[0],
                             week_end=self.week[1], lists_sensitive=lists_sensitive,
                             indicators=indicators, city=figures[-1], areas=tuple(figures[:-1]),
                             compared=compare is not None, _listing=Listing(self, listable))

    def _area(self, name: str, a: int, columns: np.ndarray, counts: Mapping[str, np.ndarray],
              indicators: tuple[IndicatorInfo, ...], previous: AgencyFigures | None) -> AreaFigures:
        """One area's figures, with the change since ``previous``'s figures of the same area."""
        failing = tuple(int(v) for v in self.failing[columns, a])
        answered = tuple(int(v) for v in self.answering[columns, a])
        needing = int(counts["needing_help"][a])
        change: tuple[float | None, ...] = (None,) * len(indicators)
        needing_change = None
        before = _previous_area(previous, name)
        if previous is not None and before is not None:
            position = {info.code: k for k, info in enumerate(previous.indicators)}
            change = tuple(_points(f / n if n else None, before.share(position[i.code]))
                           if i.code in position else None
                           for i, f, n in zip(indicators, failing, answered, strict=True))
            needing_change = needing - before.needing_help
        return AreaFigures(name=name, surveyed_week=int(self.surveyed_week[a]),
                           surveyed_total=int(self.surveyed_total[a]), assessed=int(counts["assessed"][a]),
                           needing_help=needing, unlisted=int(counts["unlisted"][a]), failing=failing,
                           answered=answered, change=change, needing_change=needing_change)


def code_rows(matrix: pd.DataFrame, codes: Sequence[str], na_counts_as_met: bool) -> np.ndarray:
    """The matrix as contiguous int8 rows, one per instrument indicator (absent columns: missing)."""
    extra = sorted(map(str, set(matrix.columns).difference(codes)))
    if extra:
        raise ValueError(f"matrix columns not in the instrument: {extra}")
    if not matrix.index.is_unique:
        raise ValueError("matrix index (interview ids) must be unique")
    present = [c for c in codes if c in matrix.columns]
    values = matrix.loc[:, present].to_numpy()
    if values.size and not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"matrix must hold integer codes, not {values.dtype}")
    if values.size and (values.min() < -2 or values.max() > MET):
        raise ValueError("matrix codes must be 1, 0, -1 (N/A) or -2 (missing)")
    rows = np.full((len(codes), len(matrix)), -2, dtype=np.int8)
    for k, code in enumerate(present):
        rows[codes.index(code)] = values[:, k]
    if na_counts_as_met:
        rows[rows == NA] = MET
    return rows


def aligned(families: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``families`` in the matrix's row order; ValueError if a family or a needed column is absent."""
    absent = [c for c in ("kelurahan", "submitted_at") if c not in families.columns]
    if absent:
        raise ValueError(f"families lack the columns {absent}")
    if families.index.equals(index):
        result = families
    elif index.isin(families.index).all():
        result = families.reindex(index)
    else:
        raise ValueError("families lack some interviews of the matrix")
    if result["kelurahan"].isna().any():
        raise ValueError("some families have no kelurahan")
    return result


def area_positions(kelurahan: pd.Series, order: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """Each family's area position, and the area names: ``order`` first (those present), then sorted."""
    present = set(kelurahan.unique())
    names = [name for name in dict.fromkeys(order or ()) if name in present]
    names += sorted(present.difference(names))
    positions = pd.Categorical(kelurahan, categories=names).codes
    return np.asarray(positions, dtype=np.intp), names


def any_rows(rows: np.ndarray, which: np.ndarray, size: int) -> np.ndarray:
    """Per family, whether any of the rows ``which`` of ``rows`` (indicators × families) is true."""
    out = np.zeros(size, dtype=bool)
    for j in which:
        out |= rows[j]
    return out


def patterns(fail: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Per family (column of ``fail``), the tuple of failing ``codes``; one shared tuple per pattern."""
    if fail.shape[1] == 0:
        return np.empty(0, dtype=object)
    if len(codes) <= 62:
        keys = np.zeros(fail.shape[1], dtype=np.int64)
        for bit, row in enumerate(fail):
            keys |= row.astype(np.int64) << bit
        unique, inverse = np.unique(keys, return_inverse=True)
        tuples = [tuple(code for bit, code in enumerate(codes) if key >> bit & 1) for key in unique.tolist()]
    else:
        unique_rows, inverse = np.unique(fail.T, axis=0, return_inverse=True)
        tuples = [tuple(code for code, bit in zip(codes, row, strict=True) if bit) for row in unique_rows]
    found = np.empty(len(tuples), dtype=object)
    found[:] = tuples
    return found[inverse.reshape(-1)]


def _previous_area(previous: AgencyFigures | None, name: str) -> AreaFigures | None:
    """The previous figures of the area called ``name`` (the city for an empty name)."""
    if previous is None:
        return None
    if name == "":
        return previous.city
    return next((area for area in previous.areas if area.name == name), None)


def _points(now: float | None, before: float | None) -> float | None:
    """The change between two shares in percentage points (None unless both exist)."""
    return None if now is None or before is None else 100.0 * (now - before)

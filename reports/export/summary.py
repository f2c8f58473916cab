"""The export's per-kelurahan sheet: reports.aggregate.area_summary over each instrument's interviews.

The one part of the export that needs pandas and numpy; imported when that sheet is built.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from flows.instrument import Instrument
from reports.aggregate import AreaSummary, area_summary
from reports.codes import MET, MISSING, NA, NOT_MET
from reports.export.common import Row, Sheet

if TYPE_CHECKING:
    from reports.export.sheets import Export
    from storage.records import InterviewRow, ScoreRow

_SCORE_CODE: Final = {"1": MET, "0": NOT_MET, "na": NA, "missing": MISSING}


class Summary:
    """The per-kelurahan sheet: area_summary over each instrument's scored interviews."""

    def __init__(self, export: Export) -> None:
        self.export = export
        self.families = pd.Series([h.kelurahan for h in export.data.households], dtype=object).value_counts()
        self.kelurahan = sorted(self.families.index)

    @cached_property
    def categories(self) -> dict[str, str]:
        """Category codes of every rubric, with their labels."""
        labels: dict[str, str] = {}
        for instrument in self.export.instruments:
            for category in instrument.rubric.categories:
                labels.setdefault(category.code, self.export.label(category.label))
        return labels

    def sheet(self) -> Sheet:
        """Headers and rows; shares formatted as percentages."""
        e = self.export
        keys = ["kelurahan", "families", "submitted", "complete_count"]
        headers = [*e.instrument_headers(), *(e.text(f"export_col_{k}") for k in keys),
                   *self.categories.values(), e.text("export_col_incomplete"),
                   e.text("export_col_mean_index"), e.text("export_col_area_class"),
                   *(e.text("export_col_failing_share", code=c) for c in self.codes)]
        first_share = len(headers) - len(self.codes)
        formats = {col: "0.0%" for col in range(first_share, len(headers))}
        formats[first_share - 2] = "0.00"
        return Sheet(e.text("export_sheet_summary"), headers, self.rows(), formats)

    @cached_property
    def codes(self) -> list[str]:
        """Every indicator code (sensitive ones too: shares are counts, not answers)."""
        return list(dict.fromkeys(c for i in self.export.instruments for d in i.structure
                                  for v in d.variables for c in v.indicators))

    def groups(self) -> list[tuple[Instrument, list[InterviewRow]]]:
        """Scored interviews by instrument (the first instrument alone when there are none)."""
        e = self.export
        grouped: dict[int, tuple[Instrument, list[InterviewRow]]] = {}
        for interview in e.data.interviews:
            instrument = e.instrument_of(interview)
            if instrument is not None and interview.id in e.scores:
                grouped.setdefault(id(instrument), (instrument, []))[1].append(interview)
        if not grouped and e.instruments:
            return [(e.instruments[0], [])]
        return list(grouped.values())

    def rows(self) -> Iterator[Row]:
        """For each instrument: a row per kelurahan, then the total."""
        for instrument, interviews in self.groups():
            figures = self.figures(instrument, interviews)
            total = self.export.text("export_total")
            for name in [*self.kelurahan, total]:
                families = int(self.families.sum()) if name == total else int(self.families.get(name, 0))
                yield [*self.export.instrument_cells(instrument), name, families,
                       *self.area_cells(figures, instrument, name)]

    def figures(self, instrument: Instrument, interviews: list[InterviewRow]
                ) -> tuple[AreaSummary, AreaSummary, pd.Series] | None:
        """area_summary by kelurahan and for all together, and submissions per kelurahan."""
        if not interviews:
            return None
        e = self.export
        ids = [i.id for i in interviews]
        codes = [c for d in instrument.structure for v in d.variables for c in v.indicators]
        codes_of = [_indicator_codes(e.scores[i], codes) for i in ids]
        matrix = pd.DataFrame(np.array(codes_of, dtype=np.int8).reshape(len(ids), len(codes)),
                              index=ids, columns=codes)
        scores = pd.DataFrame({
            "index": [np.nan if e.scores[i].index_value is None else e.scores[i].index_value for i in ids],
            "category": [e.scores[i].category for i in ids],
            "complete": [e.scores[i].complete for i in ids]}, index=ids)
        kelurahan = [self.kelurahan_of(i) for i in interviews]
        areas = pd.Series(kelurahan, index=ids, name="kelurahan", dtype=object)
        everyone = pd.Series(e.text("export_total"), index=ids, name="kelurahan", dtype=object)
        structure, rubric = instrument.structure, instrument.rubric
        return (area_summary(matrix, scores, areas, structure, rubric),
                area_summary(matrix, scores, everyone, structure, rubric),
                areas.value_counts())

    def kelurahan_of(self, interview: InterviewRow) -> str:
        """The interview's household's kelurahan ('' if the household is gone)."""
        household = self.export.households.get(interview.household_id)
        return household.kelurahan if household else ""

    def area_cells(self, figures: tuple[AreaSummary, AreaSummary, pd.Series] | None,
                   instrument: Instrument, name: str) -> Row:
        """Submitted, complete, per category, incomplete, mean, class and shares of one area."""
        blank: Row = [None] * (len(self.categories) + 3 + len(self.codes))
        if figures is None:
            return [0, 0, *blank]
        by_area, total, submitted = figures
        summary = total if name == self.export.text("export_total") else by_area
        if name not in summary.mean_index.index:
            return [0, 0, *blank]
        counts = summary.category_counts.loc[name]
        count = int(submitted.sum()) if summary is total else int(submitted.get(name, 0))
        complete = int(counts.sum() - counts["incomplete"])
        area_class = summary.area_class.loc[name]
        shares = summary.failing_share.loc[name]
        return [count, complete,
                *(int(counts[c]) if c in counts.index else None for c in self.categories),
                int(counts["incomplete"]), _number(summary.mean_index.loc[name]),
                self.class_label(instrument, area_class),
                *(_number(shares[c]) if c in shares.index else None for c in self.codes)]

    def class_label(self, instrument: Instrument, code: object) -> str | None:
        """An area class's label (None for no mean)."""
        if not isinstance(code, str):
            return None
        return next((self.export.label(c.label) for c in instrument.rubric.area_classes if c.code == code),
                    code)


def _indicator_codes(score: ScoreRow, codes: Sequence[str]) -> list[int]:
    """A score's indicators as area_summary's int8 codes (absent or unknown: MISSING)."""
    indicators = score.detail.get("indicators") or {}
    return [_SCORE_CODE.get(indicators.get(code, "missing"), MISSING) for code in codes]


def _number(value: object) -> float | None:
    """A float cell, None for NaN or missing."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number

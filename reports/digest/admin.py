"""The admin digest's index figures (issue 5, item 5): mean index and category counts per kelurahan.

Computed from the stored scores (``families`` with ``kelurahan``, ``index``, ``category`` and
``complete``); numpy and pandas are imported when figures are computed, not when this module is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flows.instrument import Instrument
from flows.scoring import category_for
from reports.digest.figures import DATA_VERSION

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class AdminArea:
    """Index figures of one kelurahan (``name``) or the city (``name`` empty), from the stored scores.

    ``categories`` counts COMPLETE families per rubric category (``AdminFigures.categories`` order);
    ``mean_index`` is their mean (None without complete families); ``mean_change`` in index points.
    """

    name: str
    submitted: int
    complete: int
    categories: tuple[int, ...]
    mean_index: float | None
    area_class: str | None
    mean_change: float | None = None

    @property
    def incomplete(self) -> int:
        """Submitted families with too few answers to count in the averages."""
        return self.submitted - self.complete

    def to_data(self) -> dict[str, Any]:
        """The figures as plain JSON-able values."""
        return {"name": self.name, "submitted": self.submitted, "complete": self.complete,
                "categories": list(self.categories), "mean_index": self.mean_index,
                "area_class": self.area_class, "mean_change": self.mean_change}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AdminArea:
        """Figures back from :meth:`to_data`."""
        return cls(name=str(data["name"]), submitted=int(data["submitted"]), complete=int(data["complete"]),
                   categories=tuple(int(v) for v in data["categories"]),
                   mean_index=None if data["mean_index"] is None else float(data["mean_index"]),
                   area_class=data["area_class"],
                   mean_change=None if data["mean_change"] is None else float(data["mean_change"]))


@dataclass(frozen=True)
class AdminFigures:
    """The city's mean index and category counts, and the same per kelurahan."""

    survey_round: str
    categories: tuple[tuple[str, dict[str, str]], ...]
    area_classes: tuple[tuple[str, dict[str, str]], ...]
    city: AdminArea
    areas: tuple[AdminArea, ...]

    def label(self, code: str | None, language: str, *, area_class: bool = False) -> str:
        """A category's (or an area class's) label in ``language``; the code if unknown."""
        for known, text in self.area_classes if area_class else self.categories:
            if known == code:
                return text.get(language) or next(iter(text.values()), known)
        return code or ""

    def to_data(self) -> dict[str, Any]:
        """The figures as JSON-able values."""
        return {"version": DATA_VERSION, "survey_round": self.survey_round,
                "categories": [[c, dict(t)] for c, t in self.categories],
                "area_classes": [[c, dict(t)] for c, t in self.area_classes],
                "city": self.city.to_data(), "areas": [a.to_data() for a in self.areas]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AdminFigures:
        """Figures back from :meth:`to_data`."""
        if data.get("version") != DATA_VERSION:
            raise ValueError(f"admin figures of layout version {data.get('version')!r}")
        return cls(survey_round=str(data["survey_round"]),
                   categories=tuple((str(c), dict(t)) for c, t in data["categories"]),
                   area_classes=tuple((str(c), dict(t)) for c, t in data["area_classes"]),
                   city=AdminArea.from_data(data["city"]),
                   areas=tuple(AdminArea.from_data(a) for a in data["areas"]))


def admin_figures(families: pd.DataFrame, instrument: Instrument, *, survey_round: str,
                  areas: Sequence[str] | None = None, previous: AdminFigures | None = None) -> AdminFigures:
    """Mean index of the complete families and counts per category, per kelurahan and for the city.

    ``families`` needs ``kelurahan``, ``index``, ``category`` and ``complete`` (the stored scores);
    ``previous`` gives ``mean_change`` when it is of the same round.
    """
    import numpy as np
    import pandas as pd

    from reports.digest.snapshot import area_positions

    rubric = instrument.rubric
    codes = [c.code for c in rubric.categories]
    positions, names = area_positions(families["kelurahan"], areas)
    complete = families["complete"].to_numpy(dtype=bool)
    category = np.asarray(pd.Categorical(families["category"], categories=codes).codes, dtype=np.intp)
    if (complete & (category < 0)).any():
        raise ValueError("a complete family has no category of this rubric")
    index = families["index"].to_numpy(dtype=np.float64, na_value=np.nan)
    width, count = len(codes), len(names)
    per_category = np.bincount(positions[complete] * width + category[complete],
                               minlength=count * width).reshape(count, width)
    sums = np.bincount(positions[complete], weights=index[complete], minlength=count)
    compare = previous if previous is not None and previous.survey_round == survey_round else None
    submitted = np.bincount(positions, minlength=count)
    rows = [(name, submitted[a], per_category[a], sums[a]) for a, name in enumerate(names)]
    rows.append(("", len(families), per_category.sum(axis=0), sums.sum()))
    built = [_admin_area(name, int(n), tuple(int(v) for v in cats), float(total), instrument, compare)
             for name, n, cats, total in rows]
    return AdminFigures(survey_round=survey_round,
                        categories=tuple((c.code, dict(c.label)) for c in rubric.categories),
                        area_classes=tuple((c.code, dict(c.label)) for c in rubric.area_classes),
                        city=built[-1], areas=tuple(built[:-1]))


def _admin_area(name: str, submitted: int, categories: tuple[int, ...], total: float,
                instrument: Instrument, previous: AdminFigures | None) -> AdminArea:
    """One area's index figures."""
    complete = sum(categories)
    mean = total / complete if complete else None
    area_class = None if mean is None else category_for(mean, instrument.rubric.area_classes).code
    before = None
    if previous is not None:
        before = previous.city if name == "" else next((a for a in previous.areas if a.name == name), None)
    change = None if mean is None or before is None or before.mean_index is None else mean - before.mean_index
    return AdminArea(name, submitted, complete, categories, mean, area_class, change)

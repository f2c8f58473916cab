"""The weekly agency digest's figures, text, chart and workbook (issue 5, item 4), and the admin
digest's index figures (item 5).

Pure functions of a snapshot and the instrument: no SQL, no Telegram, no clock. The snapshot is the
int8 code matrix of the round's submitted families (``reports.aggregate`` codes: 1 met, 0 not met,
-1 N/A, -2 missing; index = interview id, columns = indicator codes) and a ``families`` frame on the
same index (``household_id``, ``household_code``, ``head_name``, ``address``, ``rt``, ``rw``,
``kelurahan``, ``submitted_at`` and, for the admin figures, ``index``, ``category``, ``complete``),
as ``storage.digests.Digests.source`` reads them.

An agency is responsible for an indicator when it is one of its lead or support agencies. The
figures are computed for every agency at once with numpy over the families (no per-family loop):
per kelurahan and for the whole city, the share of families failing each of the agency's
indicators (denominator: families where it applies and was answered), its change in percentage
points since the previous digest, and how many families need the agency (fail at least one of its
indicators). Sensitive indicators (``sensitive: true``) are only ever counted: a family is listed by
name for them only in the digest of the protection unit, so a family failing only sensitive
indicators is counted but not listed by any other agency.
"""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Final
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from babel.dates import format_date  # noqa: E402
from babel.numbers import format_decimal, format_percent  # noqa: E402
from xlsxwriter import Workbook  # noqa: E402

from flows.i18n import Catalog, format_number  # noqa: E402
from flows.instrument import Instrument  # noqa: E402
from flows.scoring import category_for  # noqa: E402
from reports.aggregate import MET, NA, NOT_MET  # noqa: E402

TEXT_LIMIT: Final = 4096
"""Telegram's limit on a message's text, in UTF-16 code units."""
DATA_VERSION: Final = 1
"""The version of :meth:`AgencyFigures.to_data`'s and :meth:`AdminFigures.to_data`'s layout."""
LISTING_COLUMNS: Final = ("household_id", "household_code", "head_name", "address", "rt", "rw",
                          "kelurahan")
"""Household columns of a family list, when the ``families`` frame has them."""
EXCEL_MAX_ROWS: Final = 1_048_576
WORKBOOK_OPTIONS: Final[dict[str, Any]] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
_COLOURS: Final = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                   "#7f7f7f", "#bcbd22", "#17becf")
_CITY_COLOUR: Final = "#404040"
_NEED_COLOUR: Final = "#c55a11"


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInfo:
    """One of an agency's indicators: code, name in every language, sensitivity, lead or support."""

    code: str
    name: dict[str, str]
    sensitive: bool
    lead: bool

    def label(self, language: str) -> str:
        """The indicator's name in ``language`` (else the first the instrument has)."""
        return self.name.get(language) or next(iter(self.name.values()), self.code)


@dataclass(frozen=True)
class AreaFigures:
    """An agency's figures for one kelurahan (``name``) or the whole city (``name`` empty).

    ``failing``, ``answered`` and ``change`` run parallel to the agency's indicators; ``change``
    is in percentage points since the previous digest (None: nothing to compare with).
    """

    name: str
    surveyed_week: int
    surveyed_total: int
    assessed: int
    needing_help: int
    unlisted: int
    failing: tuple[int, ...]
    answered: tuple[int, ...]
    change: tuple[float | None, ...]
    needing_change: int | None = None

    def share(self, position: int) -> float | None:
        """Share (0–1) of answering families failing indicator ``position``; None if nobody answered."""
        answered = self.answered[position]
        return self.failing[position] / answered if answered else None

    @property
    def need_share(self) -> float | None:
        """Share (0–1) of assessed families that need the agency; None if none was assessed."""
        return self.needing_help / self.assessed if self.assessed else None

    def to_data(self) -> dict[str, Any]:
        """The figures as plain JSON-able values."""
        return {"name": self.name, "surveyed_week": self.surveyed_week,
                "surveyed_total": self.surveyed_total, "assessed": self.assessed,
                "needing_help": self.needing_help, "unlisted": self.unlisted,
                "failing": list(self.failing), "answered": list(self.answered),
                "change": list(self.change), "needing_change": self.needing_change}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AreaFigures:
        """Figures back from :meth:`to_data`."""
        return cls(name=str(data["name"]), surveyed_week=int(data["surveyed_week"]),
                   surveyed_total=int(data["surveyed_total"]), assessed=int(data["assessed"]),
                   needing_help=int(data["needing_help"]), unlisted=int(data["unlisted"]),
                   failing=tuple(int(v) for v in data["failing"]),
                   answered=tuple(int(v) for v in data["answered"]),
                   change=tuple(None if v is None else float(v) for v in data["change"]),
                   needing_change=None if data["needing_change"] is None else int(data["needing_change"]))


class _Listing:
    """The families an agency's digest may list, materialised only when asked for."""

    def __init__(self, snapshot: _Snapshot, listable: np.ndarray) -> None:
        self.snapshot = snapshot
        self.listable = listable

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Listed families sorted by kelurahan (area order), RT, RW and household code."""
        snap = self.snapshot
        fail = snap.fail[self.listable]
        listed = _any_rows(fail, np.arange(len(self.listable)), snap.size)
        positions = np.flatnonzero(listed)
        columns = [snap.families.columns.get_loc(c) for c in snap.listing_columns]
        frame = snap.families.iloc[positions, columns]
        frame["failing"] = _patterns(fail[:, positions], [snap.codes[j] for j in self.listable])
        order = [c for c in ("rt", "rw", "household_code") if c in frame.columns]
        frame.insert(0, "_area", snap.area_pos[positions])
        return frame.sort_values(["_area", *order], kind="stable").drop(columns="_area")


@dataclass(frozen=True)
class AgencyFigures:
    """One agency's digest figures (see the module docstring); JSON round trip by to_data/from_data."""

    agency: str
    survey_round: str
    week_start: datetime
    week_end: datetime
    lists_sensitive: bool
    indicators: tuple[IndicatorInfo, ...]
    city: AreaFigures
    areas: tuple[AreaFigures, ...]
    compared: bool
    _listing: _Listing | None = field(default=None, repr=False, compare=False)

    @property
    def has_families(self) -> bool:
        """Whether the family list is available (figures read back from storage have none)."""
        return self._listing is not None

    @property
    def families(self) -> pd.DataFrame:
        """Families needing the agency that it may see by name, with their ``failing`` codes (a tuple).

        Index: interview id; household columns as in the ``families`` frame. A sensitive indicator
        is in ``failing``, and makes a family listed, only for the protection unit.
        """
        if self._listing is None:
            raise ValueError("figures read back from storage carry no family list: compute them anew")
        return self._listing.frame

    def to_data(self) -> dict[str, Any]:
        """The figures as JSON-able values, without the family list (no personal data is stored)."""
        return {"version": DATA_VERSION, "agency": self.agency, "survey_round": self.survey_round,
                "week_start": self.week_start.isoformat(), "week_end": self.week_end.isoformat(),
                "lists_sensitive": self.lists_sensitive, "compared": self.compared,
                "indicators": [{"code": i.code, "name": dict(i.name), "sensitive": i.sensitive,
                                "lead": i.lead} for i in self.indicators],
                "city": self.city.to_data(), "areas": [a.to_data() for a in self.areas]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AgencyFigures:
        """Figures back from :meth:`to_data` (ValueError for another layout version)."""
        if data.get("version") != DATA_VERSION:
            raise ValueError(f"digest figures of layout version {data.get('version')!r}, "
                             f"expected {DATA_VERSION}")
        return cls(agency=str(data["agency"]), survey_round=str(data["survey_round"]),
                   week_start=datetime.fromisoformat(data["week_start"]),
                   week_end=datetime.fromisoformat(data["week_end"]),
                   lists_sensitive=bool(data["lists_sensitive"]), compared=bool(data["compared"]),
                   indicators=tuple(IndicatorInfo(str(i["code"]), dict(i["name"]), bool(i["sensitive"]),
                                                  bool(i["lead"])) for i in data["indicators"]),
                   city=AreaFigures.from_data(data["city"]),
                   areas=tuple(AreaFigures.from_data(a) for a in data["areas"]))


def agency_indicators(instrument: Instrument, agency: str) -> tuple[IndicatorInfo, ...]:
    """The indicators ``agency`` leads or supports, in instrument order."""
    return tuple(IndicatorInfo(ind.code, dict(ind.name), ind.sensitive, agency in ind.lead)
                 for _, _, ind in instrument.indicators() if agency in ind.lead or agency in ind.support)


def digest_figures(matrix: pd.DataFrame, families: pd.DataFrame, instrument: Instrument,
                   agencies: Sequence[str], *, survey_round: str, week_start: datetime,
                   week_end: datetime, protection_unit: str | None,
                   previous: Mapping[str, AgencyFigures] | None = None,
                   areas: Sequence[str] | None = None) -> dict[str, AgencyFigures]:
    """Every listed agency's figures from one snapshot, computed together (the weekly job's call).

    ``previous``: the last digest's figures by agency (changes are None where absent or of another
    round). ``areas``: kelurahan in the order to show them (the config's); others follow, sorted.
    Families submitted in [week_start, week_end) count as surveyed this week.
    """
    snapshot = _Snapshot(matrix, families, instrument, areas, week_start, week_end)
    previous = previous or {}
    return {agency: snapshot.agency(agency, survey_round, protection_unit, previous.get(agency))
            for agency in agencies}


def agency_figures(matrix: pd.DataFrame, families: pd.DataFrame, instrument: Instrument, agency: str,
                   *, survey_round: str, week_start: datetime, week_end: datetime,
                   protection_unit: str | None, previous: AgencyFigures | None = None,
                   areas: Sequence[str] | None = None) -> AgencyFigures:
    """One agency's figures (see :func:`digest_figures`, faster for several agencies)."""
    return digest_figures(matrix, families, instrument, [agency], survey_round=survey_round,
                          week_start=week_start, week_end=week_end, protection_unit=protection_unit,
                          previous=None if previous is None else {agency: previous}, areas=areas)[agency]


class _Snapshot:
    """The codes of one snapshot arranged once for every agency: per-indicator rows, area positions."""

    def __init__(self, matrix: pd.DataFrame, families: pd.DataFrame, instrument: Instrument,
                 areas: Sequence[str] | None, week_start: datetime, week_end: datetime) -> None:
        self.instrument = instrument
        self.week = (week_start, week_end)
        self.codes = [ind.code for _, _, ind in instrument.indicators()]
        self.column = {code: j for j, code in enumerate(self.codes)}
        codes = _code_rows(matrix, self.codes, instrument.rubric.na_counts_as_met)
        self.size = codes.shape[1]
        self.fail = codes == NOT_MET
        self.answered = codes >= NOT_MET
        self.families = _aligned(families, matrix.index)
        self.area_pos, self.area_names = _area_positions(self.families["kelurahan"], areas)
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
        need = _any_rows(self.fail, columns, self.size)
        listed = _any_rows(self.fail, listable, self.size)
        counts = {"assessed": self._per_area(_any_rows(self.answered, columns, self.size)),
                  "needing_help": self._per_area(need), "unlisted": self._per_area(need & ~listed)}
        names = [*self.area_names, ""]
        compare = previous if previous is not None and previous.survey_round == survey_round else None
        figures = [self._area(names[a], a, columns, counts, indicators, compare) for a in range(len(names))]
        return AgencyFigures(agency=agency, survey_round=survey_round, week_start=self.week[0],
                             week_end=self.week[1], lists_sensitive=lists_sensitive,
                             indicators=indicators, city=figures[-1], areas=tuple(figures[:-1]),
                             compared=compare is not None, _listing=_Listing(self, listable))

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


def _code_rows(matrix: pd.DataFrame, codes: Sequence[str], na_counts_as_met: bool) -> np.ndarray:
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


def _aligned(families: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``families`` in the matrix's row order; ValueError if a family or a needed column is absent."""
    absent = [c for c in ("kelurahan", "submitted_at") if c not in families.columns]
    if absent:
        raise ValueError(f"families lack the columns {absent}")
    if families.index.equals(index):
        aligned = families
    elif index.isin(families.index).all():
        aligned = families.reindex(index)
    else:
        raise ValueError("families lack some interviews of the matrix")
    if aligned["kelurahan"].isna().any():
        raise ValueError("some families have no kelurahan")
    return aligned


def _area_positions(kelurahan: pd.Series, order: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """Each family's area position, and the area names: ``order`` first (those present), then sorted."""
    present = set(kelurahan.unique())
    names = [name for name in dict.fromkeys(order or ()) if name in present]
    names += sorted(present.difference(names))
    positions = pd.Categorical(kelurahan, categories=names).codes
    return np.asarray(positions, dtype=np.intp), names


def _any_rows(rows: np.ndarray, which: np.ndarray, size: int) -> np.ndarray:
    """Per family, whether any of the rows ``which`` of ``rows`` (indicators × families) is true."""
    out = np.zeros(size, dtype=bool)
    for j in which:
        out |= rows[j]
    return out


def _patterns(fail: np.ndarray, codes: Sequence[str]) -> np.ndarray:
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
    patterns = np.empty(len(tuples), dtype=object)
    patterns[:] = tuples
    return patterns[inverse.reshape(-1)]


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


# --- the admin digest's index figures -----------------------------------------------------------


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
    rubric = instrument.rubric
    codes = [c.code for c in rubric.categories]
    positions, names = _area_positions(families["kelurahan"], areas)
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


# --- formatting ---------------------------------------------------------------------------------


def _locale(language: str) -> str:
    """Babel's locale for an interface language."""
    return "en_US" if language == "en" else "id_ID"


def format_share(value: float | None, language: str) -> str:
    """``12,5%`` (Indonesian) or ``12.5%``; ``–`` for no value."""
    return "–" if value is None else format_percent(value, format="#,##0.0%", locale=_locale(language))


def format_points(value: float | None, language: str) -> str:
    """A signed change with one decimal: ``+3,0``, ``-1,2``, ``0,0``; ``–`` for no value."""
    if value is None:
        return "–"
    if round(value, 1) == 0:
        return format_decimal(0, format="0.0", locale=_locale(language))
    return format_decimal(value, format="+#,##0.0;-#,##0.0", locale=_locale(language))


def format_change(value: int, language: str) -> str:
    """A signed count: ``+12``, ``-3``, ``0``."""
    return format_decimal(value, format="+#,##0;-#,##0", locale=_locale(language)) if value else "0"


def format_index(value: float | None, language: str) -> str:
    """An index value with one decimal: ``63,3``; ``–`` for no value."""
    return "–" if value is None else format_decimal(value, format="#,##0.0", locale=_locale(language))


def _date(moment: datetime, language: str) -> str:
    """``7 Desember 2026``."""
    return format_date(moment.date(), format="d MMMM y", locale=_locale(language))


# --- the text -----------------------------------------------------------------------------------


class _Html(str):
    """Text that is already Telegram HTML: inserted into a template as it is."""


class _Texts:
    """Catalog texts in one language; string parameters are HTML-escaped unless already HTML."""

    def __init__(self, catalog: Catalog, language: str) -> None:
        self.catalog = catalog
        self.language = language

    def __call__(self, key: str, **params: object) -> _Html:
        """The text of ``key`` as HTML, its plain string parameters escaped."""
        safe = {k: v if isinstance(v, _Html) or not isinstance(v, str) else html.escape(v, quote=False)
                for k, v in params.items()}
        return _Html(self.catalog.text(self.language, key, **safe))

    def raw(self, key: str, **params: object) -> str:
        """The text of ``key`` for places that are not HTML (charts, workbooks)."""
        return self.catalog.text(self.language, key, **params)

    def count(self, value: int) -> str:
        """A count as people read it."""
        return format_number(value, self.language)


def digest_text(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                timezone: str = "Asia/Makassar", limit: int = TEXT_LIMIT) -> list[str]:
    """The digest as Telegram HTML messages, each at most ``limit`` UTF-16 units (see
    :func:`split_message`); dates shown in ``timezone``."""
    blocks = _digest_blocks(figures, _Texts(catalog, language), agency_name, ZoneInfo(timezone))
    return split_message("\n\n".join(blocks), limit)


def _digest_blocks(figures: AgencyFigures, t: _Texts, agency_name: str, zone: ZoneInfo) -> Iterator[str]:
    """The paragraphs of the digest, in order."""
    first_day = figures.week_start.astimezone(zone)
    last_day = figures.week_end.astimezone(zone) - timedelta(microseconds=1)
    city = figures.city
    yield "\n".join([t("agency_digest_title", agency=agency_name),
                     t("agency_digest_week", start=_date(first_day, t.language),
                       end=_date(last_day, t.language), round=figures.survey_round),
                     t("agency_digest_surveyed", week=t.count(city.surveyed_week),
                       total=t.count(city.surveyed_total))])
    if not figures.indicators:
        yield t("agency_digest_no_indicators")
        return
    if city.surveyed_total == 0:
        yield t("agency_digest_no_families")
        return
    yield "\n".join(_need_lines(figures, t))
    yield "\n".join([t("agency_digest_indicators"),
                     *(t("agency_digest_indicator", code=i.code, name=i.label(t.language),
                         role=t(f"agency_digest_role_{'lead' if i.lead else 'support'}"),
                         mark=t("agency_digest_sensitive_mark") if i.sensitive else "")
                       for i in figures.indicators),
                     t("agency_digest_legend")])
    for area in (city, *figures.areas):
        yield "\n".join(_area_lines(figures, area, t))
    if any(i.sensitive for i in figures.indicators):
        listed = figures.lists_sensitive
        yield t("agency_digest_sensitive_listed" if listed else "agency_digest_sensitive_counted")
    yield t("agency_digest_attachments")


def _need_change(change: int | None, t: _Texts) -> str:
    """`` (+12 since the last digest)``, or nothing without a previous digest."""
    return "" if change is None else t("agency_digest_need_change", change=format_change(change, t.language))


def _need_lines(figures: AgencyFigures, t: _Texts) -> list[str]:
    """How many families need the agency, the change, and how many are counted but not listed."""
    city = figures.city
    lines = [t("agency_digest_need", count=t.count(city.needing_help),
               share=format_share(city.need_share, t.language), assessed=t.count(city.assessed),
               change=_need_change(city.needing_change, t))]
    if city.unlisted:
        lines.append(t("agency_digest_unlisted", count=t.count(city.unlisted)))
    return lines


def _area_lines(figures: AgencyFigures, area: AreaFigures, t: _Texts) -> list[str]:
    """One kelurahan's (or the city's) block: families, shares per indicator, families in need."""
    lines = [t("agency_digest_area", name=area.name or t.raw("agency_digest_city"),
               total=t.count(area.surveyed_total), week=t.count(area.surveyed_week))]
    for k, info in enumerate(figures.indicators):
        if area.answered[k] == 0:
            lines.append(t("agency_digest_share_none", code=info.code))
            continue
        change = area.change[k] if figures.compared else None
        lines.append(t("agency_digest_share", code=info.code, share=format_share(area.share(k), t.language),
                       failing=t.count(area.failing[k]), answered=t.count(area.answered[k]),
                       change="" if change is None else t("agency_digest_change",
                                                          points=format_points(change, t.language))))
    lines.append(t("agency_digest_area_need", count=t.count(area.needing_help),
                   change=_need_change(area.needing_change, t)))
    return lines


def admin_text(figures: AdminFigures, catalog: Catalog, language: str) -> str:
    """The admin digest's index section as Telegram HTML (compose it, then :func:`split_message`)."""
    t = _Texts(catalog, language)
    return "\n".join([t("admin_digest_title", round=figures.survey_round),
                      *(_admin_line(figures, area, t) for area in (figures.city, *figures.areas))])


def _admin_line(figures: AdminFigures, area: AdminArea, t: _Texts) -> str:
    """One area's mean index, class and counts per category."""
    name = area.name or t.raw("agency_digest_city")
    counts = [t("admin_digest_category", label=figures.label(code, t.language), count=t.count(n))
              for (code, _), n in zip(figures.categories, area.categories, strict=True)]
    if area.incomplete:
        counts.append(t("admin_digest_incomplete", count=t.count(area.incomplete)))
    joined = _Html(" · ".join(counts))
    if area.mean_index is None:
        return t("admin_digest_area_none", name=name, submitted=t.count(area.submitted), counts=joined)
    change = ("" if area.mean_change is None else
              t("admin_digest_change", points=format_points(area.mean_change, t.language)))
    return t("admin_digest_area", name=name, mean=format_index(area.mean_index, t.language),
             label=figures.label(area.area_class, t.language, area_class=True),
             complete=t.count(area.complete), change=change, counts=joined)


# --- splitting Telegram HTML --------------------------------------------------------------------

_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n\n+|\n|[ \t]+|[^<&\s]+|[<&]|\s")
_TAG_NAME = re.compile(r"</?\s*([\w-]+)")
_ANY_TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True, slots=True)
class _Piece:
    """A token of Telegram HTML, its length, how good a cut before it is, and the tags open before it."""

    token: str
    units: int
    rank: int
    before: tuple[str, ...]


def split_message(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML in parts of at most ``limit`` UTF-16 units. Each cut is at the last blank line that
    fits, else the last line break, else space, else between words' pieces; never inside a tag or an
    entity; a tag open at a cut is closed there and opened again at the start of the next part."""
    if limit < 64:
        raise ValueError("limit too small to close and reopen tags")
    parts: list[str] = []
    chunk: list[_Piece] = []
    stack: tuple[str, ...] = ()
    size = reopened = 0
    for token in _tokens(text, limit // 4):
        piece = _Piece(token, _units(token), _rank(token), stack)
        after = _after(stack, token)
        while len(chunk) > reopened and size + piece.units + _closing(after) > limit:
            head, chunk, reopened = _cut(chunk, reopened, piece)
            parts.append(head)
            size = sum(p.units for p in chunk)
        stack = after
        if piece.rank and len(chunk) == reopened:
            continue  # no part starts with white space
        chunk.append(piece)
        size += piece.units
    parts.append("".join(p.token for p in chunk))
    return [part for part in (p.strip() for p in parts) if _ANY_TAG.sub("", part).strip()]


def _tokens(text: str, longest: int) -> Iterator[str]:
    """Tags, entities, breaks, spaces and words (words longer than ``longest`` in pieces)."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if len(token) <= longest or token.startswith(("<", "&")):
            yield token
        else:
            yield from (token[i:i + longest] for i in range(0, len(token), longest))


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def _rank(token: str) -> int:
    """How good a cut right before ``token`` is: blank line 3, line break 2, space 1, else 0."""
    if token.startswith("\n\n"):
        return 3
    if token == "\n":
        return 2
    return 1 if token.isspace() else 0


def _cut(chunk: list[_Piece], reopened: int, incoming: _Piece) -> tuple[str, list[_Piece], int]:
    """Split ``chunk`` at its best cut: the part before it (tags closed), the rest (tags reopened)."""
    def at(i: int) -> _Piece:
        return chunk[i] if i < len(chunk) else incoming

    best = max(range(reopened + 1, len(chunk) + 1), key=lambda i: (at(i).rank, not at(i).before, i))
    open_tags = at(best).before
    head = "".join(p.token for p in chunk[:best]).rstrip()
    head += "".join(f"</{_tag(tag)}>" for tag in reversed(open_tags))
    tail = chunk[best:]
    while tail and tail[0].rank:
        tail = tail[1:]
    again = [_Piece(tag, _units(tag), 0, open_tags[:k]) for k, tag in enumerate(open_tags)]
    return head, again + tail, len(again)


def _tag(opening: str) -> str:
    """The name of a tag (``b`` of ``<b>``, ``a`` of ``<a href="…">``)."""
    found = _TAG_NAME.match(opening)
    return found.group(1).lower() if found else ""


def _after(stack: tuple[str, ...], token: str) -> tuple[str, ...]:
    """The tags open after ``token``, given those open before it."""
    if not (token.startswith("<") and token.endswith(">")) or token.endswith("/>"):
        return stack
    if not token.startswith("</"):
        return (*stack, token)
    name = _tag(token)
    for k in range(len(stack) - 1, -1, -1):
        if _tag(stack[k]) == name:
            return stack[:k]
    return stack


def _closing(stack: tuple[str, ...]) -> int:
    """Length of the closing tags of ``stack``."""
    return sum(len(_tag(tag)) + 3 for tag in stack)


# --- the chart ----------------------------------------------------------------------------------


def digest_chart(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                 by_indicator: bool | None = None) -> bytes:
    """Horizontal bars per kelurahan (the city first) as a PNG: the share failing each indicator
    (``by_indicator``; default when the agency has at most 3), else the share needing the agency.
    Pure and CPU-bound: run it off the event loop (``asyncio.to_thread``)."""
    t = _Texts(catalog, language)
    areas = (figures.city, *figures.areas)
    if not figures.indicators or figures.city.surveyed_total == 0:
        return _empty_chart(t.raw("agency_digest_chart_empty"), agency_name)
    per_indicator = len(figures.indicators) <= 3 if by_indicator is None else by_indicator
    if per_indicator:
        series = [(f"{i.code} {_shorten(i.label(language), 40)}", _COLOURS[k % len(_COLOURS)],
                   [area.share(k) for area in areas]) for k, i in enumerate(figures.indicators)]
        title = t.raw("agency_digest_chart_title", agency=agency_name)
    else:
        series = [(t.raw("agency_digest_chart_need"), _NEED_COLOUR, [area.need_share for area in areas])]
        title = t.raw("agency_digest_chart_title_need", agency=agency_name)
    names = [t.raw("agency_digest_city"), *(area.name for area in figures.areas)]
    return _bars(names, series, title, t.raw("agency_digest_chart_axis"), language)


def _bars(names: list[str], series: list[tuple[str, str, list[float | None]]], title: str, axis: str,
          language: str) -> bytes:
    """Grouped horizontal bars, value labels at their ends, as a PNG."""
    groups, width = len(names), 0.8 / len(series)
    figure, axes = plt.subplots(figsize=(7.5, max(3.0, 0.3 * groups * len(series) + 0.25 * groups + 1.8)),
                                dpi=130)
    try:
        top = max([v for _, _, values in series for v in values if v is not None] or [0.0])
        for k, (label, colour, values) in enumerate(series):
            rows = np.arange(groups) + (k - (len(series) - 1) / 2) * width
            heights = [100.0 * v if v is not None else 0.0 for v in values]
            bars = axes.barh(rows, heights, height=width * 0.9, color=colour, label=label)
            bars[0].set_color(_CITY_COLOUR if len(series) == 1 else colour)
            for bar, value in zip(bars, values, strict=True):
                middle = bar.get_y() + bar.get_height() / 2
                axes.annotate(format_share(value, language), (bar.get_width(), middle), xytext=(3, 0),
                              textcoords="offset points", va="center", fontsize=9)
        axes.set_yticks(np.arange(groups), labels=[_shorten(n, 28) for n in names], fontsize=10)
        axes.get_yticklabels()[0].set_fontweight("bold")
        axes.invert_yaxis()
        axes.set_xlim(0, min(100.0, max(10.0, 100.0 * top * 1.25)))
        axes.set_xlabel(axis, fontsize=10)
        axes.set_title("\n".join(textwrap.wrap(title, 55)), fontsize=12)
        if len(series) > 1:
            axes.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), fontsize=9, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        return _png(figure)
    finally:
        plt.close(figure)


def _empty_chart(message: str, agency_name: str) -> bytes:
    """A small picture saying there is nothing to show yet."""
    figure, axes = plt.subplots(figsize=(6, 2.5), dpi=110)
    try:
        axes.axis("off")
        axes.text(0.5, 0.6, "\n".join(textwrap.wrap(agency_name, 50)), ha="center", va="center",
                  fontsize=11, fontweight="bold")
        axes.text(0.5, 0.25, message, ha="center", va="center", fontsize=11)
        return _png(figure)
    finally:
        plt.close(figure)


def _png(figure: Any) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", pad_inches=0.2)
    return buffer.getvalue()


def _shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- the workbook -------------------------------------------------------------------------------


def digest_workbook(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                    timezone: str = "Asia/Makassar") -> bytes:
    """The .xlsx attachment: families needing the agency, shares per kelurahan × indicator, a summary
    per kelurahan and notes. Text cells are always text (never formulas, numbers or links)."""
    t = _Texts(catalog, language)
    buffer = io.BytesIO()
    workbook = Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": t.raw("agency_digest_workbook_title", agency=agency_name),
                             "author": "Tangguh"})
    styles = {"header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
              "share": workbook.add_format({"num_format": "0.0%"}),
              "points": workbook.add_format({"num_format": "+0.0;-0.0;0.0"})}
    written, total = _families_sheet(workbook, figures, t, styles)
    _shares_sheet(workbook, figures, t, styles)
    _summary_sheet(workbook, figures, t, styles)
    _notes_sheet(workbook, figures, t, styles, agency_name, written < total, ZoneInfo(timezone))
    workbook.close()
    return buffer.getvalue()


def _sheet(workbook: Workbook, name: str, headers: list[str], widths: list[int], header: Any) -> Any:
    """A worksheet with a frozen, bold header row."""
    sheet = workbook.add_worksheet(name[:31])
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, headers, header)
    sheet.freeze_panes(1, 0)
    return sheet


def _families_sheet(workbook: Workbook, figures: AgencyFigures, t: _Texts,
                    styles: Mapping[str, Any]) -> tuple[int, int]:
    """Household code, head, address, RT/RW, kelurahan, failing indicators ("code name; …"), count."""
    keys = ["code", "head", "address", "rt_rw", "kelurahan", "failing", "failing_count"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_families"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [14, 28, 36, 10, 20, 60, 10],
                   styles["header"])
    frame = figures.families
    names = {i.code: f"{i.code} {i.label(t.language)}" for i in figures.indicators}
    labels: dict[tuple[str, ...], str] = {}
    rows = min(len(frame), EXCEL_MAX_ROWS - 1)
    columns = [_column(frame, c, rows) for c in ("household_code", "head_name", "address", "kelurahan")]
    rt, rw = _column(frame, "rt", rows), _column(frame, "rw", rows)
    failing = frame["failing"].tolist()[:rows]
    for r in range(rows):
        codes = failing[r]
        if codes not in labels:
            labels[codes] = "; ".join(names[c] for c in codes)
        row = r + 1
        sheet.write_string(row, 0, columns[0][r])
        sheet.write_string(row, 1, columns[1][r])
        sheet.write_string(row, 2, columns[2][r])
        sheet.write_string(row, 3, f"{rt[r]}/{rw[r]}")
        sheet.write_string(row, 4, columns[3][r])
        sheet.write_string(row, 5, labels[codes])
        sheet.write_number(row, 6, len(codes))
    sheet.autofilter(0, 0, rows, len(keys) - 1)
    return rows, len(frame)


def _column(frame: pd.DataFrame, name: str, rows: int) -> list[str]:
    """A text column's first ``rows`` values as strings ('' when the column or value is absent)."""
    if name not in frame.columns:
        return [""] * rows
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in frame[name].tolist()[:rows]]


def _shares_sheet(workbook: Workbook, figures: AgencyFigures, t: _Texts, styles: Mapping[str, Any]) -> None:
    """One row per kelurahan (the city first) and indicator: failing, answering, share, change."""
    keys = ["kelurahan", "indicator_code", "indicator", "sensitive", "families_failing", "answered", "share",
            "change"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_shares"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [20, 10, 40, 10, 12, 12, 12, 12],
                   styles["header"])
    row = 0
    for area in (figures.city, *figures.areas):
        for k, info in enumerate(figures.indicators):
            row += 1
            sheet.write_string(row, 0, area.name or t.raw("agency_digest_city"))
            sheet.write_string(row, 1, info.code)
            sheet.write_string(row, 2, info.label(t.language))
            sheet.write_string(row, 3, t.raw("agency_digest_yes" if info.sensitive else "agency_digest_no"))
            sheet.write_number(row, 4, area.failing[k])
            sheet.write_number(row, 5, area.answered[k])
            share = area.share(k)
            if share is not None:
                sheet.write_number(row, 6, share, styles["share"])
            change = area.change[k] if figures.compared else None
            if change is not None:
                sheet.write_number(row, 7, change, styles["points"])
    sheet.autofilter(0, 0, row, len(keys) - 1)


def _summary_sheet(workbook: Workbook, figures: AgencyFigures, t: _Texts, styles: Mapping[str, Any]) -> None:
    """One row per kelurahan (the city first): families surveyed, assessed, needing the agency."""
    keys = ["kelurahan", "surveyed_total", "surveyed_week", "assessed", "needing_help", "need_share",
            "needing_change", "unlisted"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_summary"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [20, 12, 12, 12, 12, 12, 12, 16],
                   styles["header"])
    for row, area in enumerate((figures.city, *figures.areas), start=1):
        sheet.write_string(row, 0, area.name or t.raw("agency_digest_city"))
        for col, value in enumerate((area.surveyed_total, area.surveyed_week, area.assessed,
                                     area.needing_help), start=1):
            sheet.write_number(row, col, value)
        if area.need_share is not None:
            sheet.write_number(row, 5, area.need_share, styles["share"])
        if area.needing_change is not None:
            sheet.write_number(row, 6, area.needing_change)
        sheet.write_number(row, 7, area.unlisted)


def _notes_sheet(workbook: Workbook, figures: AgencyFigures, t: _Texts, styles: Mapping[str, Any],
                 agency_name: str, truncated: bool, zone: ZoneInfo) -> None:
    """What the workbook holds, for whom, and the rule on sensitive indicators."""
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_notes"), [t.raw("agency_digest_sheet_notes")], [110],
                   styles["header"])
    last_day = figures.week_end.astimezone(zone) - timedelta(microseconds=1)
    notes = [t.raw("agency_digest_workbook_title", agency=agency_name),
             t.raw("agency_digest_note_week", start=figures.week_start.astimezone(zone).date().isoformat(),
                   end=last_day.date().isoformat(), round=figures.survey_round),
             t.raw("agency_digest_legend_plain")]
    if any(i.sensitive for i in figures.indicators):
        notes.append(t.raw("agency_digest_note_sensitive_listed" if figures.lists_sensitive
                           else "agency_digest_note_sensitive_counted"))
    if truncated:
        notes.append(t.raw("agency_digest_note_truncated", rows=EXCEL_MAX_ROWS - 1))
    for row, note in enumerate(notes, start=1):
        sheet.write_string(row, 0, note)

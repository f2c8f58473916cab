"""The weekly agency digest's figures (issue 5, item 4): what each agency is told, as plain data.

An agency is responsible for an indicator when it is one of its lead or support agencies. The
figures are computed for every agency at once with numpy over the families (no per-family loop, see
``reports.digest.snapshot``): per kelurahan and for the whole city, the share of families failing
each of the agency's indicators (denominator: families where it applies and was answered), its
change in percentage points since the previous digest, and how many families need the agency (fail
at least one of its indicators). Sensitive indicators (``sensitive: true``) are only ever counted: a
family is listed by name for them only in the digest of the protection unit, so a family failing
only sensitive indicators is counted but not listed by any other agency.

numpy and pandas are imported when figures are computed, not when this module is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from flows.instrument import Instrument

if TYPE_CHECKING:
    import pandas as pd

    from reports.digest.snapshot import Listing

DATA_VERSION: Final = 1
"""The version of :meth:`AgencyFigures.to_data`'s and :meth:`AdminFigures.to_data`'s layout."""
LISTING_COLUMNS: Final = ("household_id", "household_code", "head_name", "address", "rt", "rw",
                          "kelurahan")
"""Household columns of a family list, when the ``families`` frame has them."""


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
    _listing: Listing | None = field(default=None, repr=False, compare=False)

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

    The snapshot is the int8 code matrix of the round's submitted families (``reports.codes``: 1 met,
    0 not met, -1 N/A, -2 missing; index = interview id, columns = indicator codes) and a ``families``
    frame on the same index (``household_id``, ``household_code``, ``head_name``, ``address``, ``rt``,
    ``rw``, ``kelurahan``, ``submitted_at``), as ``storage.sqlite.digests.Digests.source`` reads them.
    ``previous``: the last digest's figures by agency (changes are None where absent or of another
    round). ``areas``: kelurahan in the order to show them (the config's); others follow, sorted.
    Families submitted in [week_start, week_end) count as surveyed this week.
    """
    from reports.digest.snapshot import Snapshot  # numpy and pandas, only when computing

    snapshot = Snapshot(matrix, families, instrument, areas, week_start, week_end)
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

"""What the import planner is given and what it returns, and the plan as stored data and counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

FIELDS: Final = ("head_name", "address", "rt", "rw", "kelurahan")
"""The household's own values, as the households table names them (the code aside)."""


@dataclass(frozen=True, slots=True)
class ExistingHousehold:
    """A household already in the register, as far as an import compares it."""

    code: str
    head_name: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kader_id: int | None


@dataclass(frozen=True, slots=True)
class KaderRef:
    """An active kader a file's Kader column may name (by name or as ``K<id>``)."""

    id: int
    name: str
    kelurahan: str | None


@dataclass(frozen=True, slots=True)
class PlannedHousehold:
    """A household an import adds or updates, with the file row it came from.

    ``set_kader`` False keeps the household's current kader (the file's Kader cell was empty);
    ``changed`` names the fields an update changes.
    """

    row: int
    code: str
    head_name: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kader_id: int | None
    set_kader: bool = True
    generated: bool = False
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one row is not imported: row number, column (None: the whole row), locale key, values."""

    row: int
    column: str | None
    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the whole file is refused: a locale key and its values."""

    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What importing a file would do; nothing is written while making it."""

    adds: tuple[PlannedHousehold, ...] = ()
    updates: tuple[PlannedHousehold, ...] = ()
    unchanged: int = 0
    rejected: tuple[Rejection, ...] = ()
    problems: tuple[Problem, ...] = ()
    rows: int = 0
    ignored_columns: tuple[str, ...] = ()
    example_row: int | None = None

    @property
    def refused(self) -> bool:
        """Whether the whole file is refused (missing columns, no rows): nothing would be applied."""
        return bool(self.problems)

    @property
    def rejected_rows(self) -> int:
        """How many rows have at least one rejection."""
        return len({rejection.row for rejection in self.rejected})


_PLANNED_FIELDS: Final = ("row", "code", "head_name", "address", "rt", "rw", "kelurahan", "kader_id",
                          "set_kader", "generated", "changed")


def _planned_data(household: PlannedHousehold) -> list[Any]:
    """A planned household as a compact JSON-ready list."""
    return [getattr(household, name) if name != "changed" else list(household.changed)
            for name in _PLANNED_FIELDS]


def _planned(data: Sequence[Any]) -> PlannedHousehold:
    """A planned household back from its compact list."""
    values = dict(zip(_PLANNED_FIELDS, data, strict=True))
    values["changed"] = tuple(values["changed"])
    return PlannedHousehold(**values)


def plan_to_data(plan: ImportPlan) -> dict[str, Any]:
    """The plan as JSON-ready data (what storage keeps between the preview and the confirmation)."""
    return {
        "adds": [_planned_data(h) for h in plan.adds],
        "updates": [_planned_data(h) for h in plan.updates],
        "unchanged": plan.unchanged,
        "rejected": [[r.row, r.column, r.key, dict(r.params)] for r in plan.rejected],
        "problems": [[p.key, dict(p.params)] for p in plan.problems],
        "rows": plan.rows,
        "ignored_columns": list(plan.ignored_columns),
        "example_row": plan.example_row,
    }


def plan_from_data(data: Mapping[str, Any]) -> ImportPlan:
    """A plan back from `plan_to_data`."""
    return ImportPlan(
        adds=tuple(_planned(h) for h in data["adds"]),
        updates=tuple(_planned(h) for h in data["updates"]),
        unchanged=data["unchanged"],
        rejected=tuple(Rejection(row, column, key, params) for row, column, key, params in data["rejected"]),
        problems=tuple(Problem(key, params) for key, params in data["problems"]),
        rows=data["rows"],
        ignored_columns=tuple(data["ignored_columns"]),
        example_row=data["example_row"],
    )


def summarise(plan: ImportPlan) -> dict[str, int]:
    """The plan's counts, for the preview and the import's record."""
    return {
        "rows": plan.rows,
        "adds": len(plan.adds),
        "updates": len(plan.updates),
        "unchanged": plan.unchanged,
        "rejected_rows": plan.rejected_rows,
        "rejections": len(plan.rejected),
        "generated_codes": sum(h.generated for h in plan.adds),
        "example_skipped": int(plan.example_row is not None),
        "problems": len(plan.problems),
    }

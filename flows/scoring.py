"""Per-family scoring (reference §4): indicators → variables → dimensions → index."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

BOUND_TOLERANCE = 1e-9
"""How far below a class minimum or the completeness bar still counts as reaching it."""


class IndicatorScore(StrEnum):
    """The score of one indicator for one family."""

    MET = "1"
    NOT_MET = "0"
    NOT_APPLICABLE = "na"
    MISSING = "missing"


class Category(BaseModel):
    """One class on the 0–100 scale: from ``min`` (inclusive) up to the next class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1)
    min: float = Field(allow_inf_nan=False)
    label: dict[str, str]


class Rubric(BaseModel):
    """The configurable scoring rules, stored by ``version`` with every score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    na_counts_as_met: bool = False
    complete_share: float = Field(default=0.8, gt=0, le=1)
    categories: list[Category]
    area_classes: list[Category]
    params: dict[str, float] = {}

    @field_validator("categories", "area_classes")
    @classmethod
    def _ascending_from_zero(cls, classes: list[Category]) -> list[Category]:
        """Classes are non-empty, start at 0, ascend strictly, have distinct codes."""
        if not classes:
            raise ValueError("needs at least one class")
        if classes[0].min != 0:
            raise ValueError(f"the first class must start at 0, not {classes[0].min}")
        for low, high in pairwise(classes):
            if not high.min > low.min:
                raise ValueError(
                    f"minimums must be strictly ascending: {low.code!r} {low.min} "
                    f"then {high.code!r} {high.min}"
                )
        codes = [c.code for c in classes]
        if len(set(codes)) != len(codes):
            raise ValueError(f"class codes must be distinct: {codes}")
        return classes


def _check_weight(kind: str, code: str, weight: float) -> None:
    """Raise ValueError unless ``weight`` is a finite positive number."""
    if not (math.isfinite(weight) and weight > 0):
        raise ValueError(f"{kind} {code!r}: weight must be finite and > 0: {weight}")


@dataclass(frozen=True)
class VariableSpec:
    """A variable: its weight in its dimension and the indicators averaged into it."""

    code: str
    weight: float
    indicators: tuple[str, ...]

    def __post_init__(self) -> None:
        """Validate the weight and the indicator codes; store the codes as a tuple."""
        object.__setattr__(self, "indicators", tuple(self.indicators))
        _check_weight("variable", self.code, self.weight)
        if not self.indicators:
            raise ValueError(f"variable {self.code!r} has no indicators")
        if len(set(self.indicators)) != len(self.indicators):
            raise ValueError(f"variable {self.code!r} repeats an indicator")


@dataclass(frozen=True)
class DimensionSpec:
    """A dimension: a weight within the index and its variables."""

    code: str
    weight: float
    variables: tuple[VariableSpec, ...]

    def __post_init__(self) -> None:
        """Validate the weight and the variables; store them as a tuple."""
        object.__setattr__(self, "variables", tuple(self.variables))
        _check_weight("dimension", self.code, self.weight)
        if not self.variables:
            raise ValueError(f"dimension {self.code!r} has no variables")


@dataclass(frozen=True)
class FamilyScore:
    """The scored result for one family under one rubric."""

    indicators: dict[str, IndicatorScore]
    variables: dict[str, float | None]
    dimensions: dict[str, float | None]
    index: float | None
    category: str | None
    applicable: int
    answered: int
    complete: bool
    rubric_version: str
    failing: tuple[str, ...]


@lru_cache(maxsize=64)
def structure_indicators(structure: tuple[DimensionSpec, ...]) -> tuple[str, ...]:
    """All indicator codes of a structure in order; ValueError if any code repeats."""
    if not structure:
        raise ValueError("the structure has no dimensions")
    variables = [v for d in structure for v in d.variables]
    indicators = [i for v in variables for i in v.indicators]
    for kind, codes in (
        ("dimension", [d.code for d in structure]),
        ("variable", [v.code for v in variables]),
        ("indicator", indicators),
    ):
        repeated = sorted(code for code, n in Counter(codes).items() if n > 1)
        if repeated:
            raise ValueError(f"{kind} codes repeated in the structure: {repeated}")
    return tuple(indicators)


@lru_cache(maxsize=64)
def _indicator_set(structure: tuple[DimensionSpec, ...]) -> frozenset[str]:
    """The indicator codes of a (validated) structure as a set."""
    return frozenset(structure_indicators(structure))


def category_for(value: float, classes: Sequence[Category]) -> Category:
    """The last class (ascending) with ``min`` <= ``value`` + BOUND_TOLERANCE."""
    if math.isnan(value):
        raise ValueError("cannot classify NaN")
    chosen: Category | None = None
    for cls in classes:
        if cls.min <= value + BOUND_TOLERANCE:
            chosen = cls
    if chosen is None:
        raise ValueError(f"{value} is below every class minimum")
    return chosen


def is_complete(answered: int, applicable: int, complete_share: float) -> bool:
    """Whether ``answered`` (> 0) reaches ``complete_share`` of ``applicable``."""
    return answered > 0 and answered >= complete_share * applicable - BOUND_TOLERANCE


def score_family(
    structure: tuple[DimensionSpec, ...],
    rubric: Rubric,
    indicators: Mapping[str, IndicatorScore],
) -> FamilyScore:
    """Score one family; absent codes are MISSING, unknown codes raise ValueError."""
    known = _indicator_set(structure)
    unknown = [code for code in indicators if code not in known]
    if unknown:
        raise ValueError(f"indicator codes not in the structure: {sorted(unknown)}")
    na_as_met = rubric.na_counts_as_met
    met_s, not_met_s = IndicatorScore.MET, IndicatorScore.NOT_MET
    na_s, missing_s = IndicatorScore.NOT_APPLICABLE, IndicatorScore.MISSING

    scores: dict[str, IndicatorScore] = {}
    variables: dict[str, float | None] = {}
    dimensions: dict[str, float | None] = {}
    failing: list[str] = []
    applicable = answered = 0
    # Accumulate in structure order with plain `+=` (never sum()): reports.aggregate
    # repeats exactly these float operations on arrays, so both agree bit for bit.
    index_num = index_den = 0.0
    for dim in structure:
        dim_num = dim_den = 0.0
        for var in dim.variables:
            met = var_answered = 0
            for code in var.indicators:
                score = IndicatorScore(indicators.get(code, missing_s))
                if na_as_met and score is na_s:
                    score = met_s
                scores[code] = score
                if score is na_s:
                    continue
                applicable += 1
                if score is missing_s:
                    continue
                var_answered += 1
                answered += 1
                if score is met_s:
                    met += 1
                elif score is not_met_s:
                    failing.append(code)
            if var_answered:
                value = met / var_answered
                variables[var.code] = value
                dim_num += var.weight * value
                dim_den += var.weight
            else:
                variables[var.code] = None
        if dim_den > 0:
            dim_value = dim_num / dim_den
            dimensions[dim.code] = dim_value
            index_num += dim.weight * dim_value
            index_den += dim.weight
        else:
            dimensions[dim.code] = None

    index = 100.0 * (index_num / index_den) if index_den > 0 else None
    category = None if index is None else category_for(index, rubric.categories).code
    return FamilyScore(
        indicators=scores,
        variables=variables,
        dimensions=dimensions,
        index=index,
        category=category,
        applicable=applicable,
        answered=answered,
        complete=is_complete(answered, applicable, rubric.complete_share),
        rubric_version=rubric.version,
        failing=tuple(failing),
    )


def stored_detail(score: FamilyScore, flags: Sequence[str] = ()) -> dict[str, Any]:
    """A family's score as it is stored with the interview (JSON-able), read back by the result
    card, the exports and the digests."""
    return {
        "index": score.index, "category": score.category, "complete": score.complete,
        "applicable": score.applicable, "answered": score.answered,
        "indicators": {code: value.value for code, value in score.indicators.items()},
        "variables": score.variables, "dimensions": score.dimensions,
        "failing": list(score.failing), "flags": list(flags),
    }

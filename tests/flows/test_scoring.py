"""Tests for flows.scoring: per-family index, categories, completeness, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.scoring import (
    DimensionSpec,
    FamilyScore,
    IndicatorScore,
    Rubric,
    VariableSpec,
    category_for,
    score_family,
    structure_indicators,
)
from tests.structures import real_structure

M = IndicatorScore.MET
X = IndicatorScore.NOT_MET
NA = IndicatorScore.NOT_APPLICABLE
MS = IndicatorScore.MISSING



def small_structure() -> tuple[DimensionSpec, ...]:
    """Two dimensions with unequal weights: A 0.6 (a1 w1 [x1,x2], a2 w3 [x3]), B 0.4."""
    return (
        DimensionSpec(
            "A",
            0.6,
            (VariableSpec("a1", 1.0, ("x1", "x2")), VariableSpec("a2", 3.0, ("x3",))),
        ),
        DimensionSpec("B", 0.4, (VariableSpec("b1", 1.0, ("y1", "y2", "y3")),)),
    )


def rubric(**changes: object) -> Rubric:
    """The default test rubric (reference §4 numbers) with ``changes`` applied."""
    fields: dict[str, object] = {
        "version": "test-1",
        "categories": [
            {"code": "rentan", "min": 0, "label": {"id": "Rentan", "en": "Vulnerable"}},
            {"code": "berkembang", "min": 50, "label": {"id": "Berkembang"}},
            {"code": "tangguh", "min": 75, "label": {"id": "Tangguh"}},
        ],
        "area_classes": [
            {"code": "sangat_rendah", "min": 0, "label": {"id": "Sangat rendah"}},
            {"code": "rendah", "min": 61.16, "label": {"id": "Rendah"}},
            {"code": "cukup", "min": 65.76, "label": {"id": "Cukup"}},
            {"code": "tinggi", "min": 70.36, "label": {"id": "Tinggi"}},
            {"code": "sangat_tinggi", "min": 74.96, "label": {"id": "Sangat tinggi"}},
        ],
        "params": {"poverty_line": 250_000},
    }
    fields.update(changes)
    return Rubric.model_validate(fields)


REAL = real_structure()
SMALL = small_structure()
CODES = structure_indicators(REAL)


def family(default: IndicatorScore, **overrides: IndicatorScore) -> dict[str, IndicatorScore]:
    """All 24 real indicators at ``default``; keyword ``i_3_2_1=X`` overrides "3.2.1"."""
    scores = dict.fromkeys(CODES, default)
    for key, value in overrides.items():
        code = key.removeprefix("i_").replace("_", ".")
        assert code in scores, code
        scores[code] = value
    return scores


def test_real_structure_shape() -> None:
    """5 dimensions, 15 variables, 24 indicators split 7/4/7/3/3."""
    assert len(CODES) == 24
    assert sum(len(d.variables) for d in REAL) == 15
    counts = [sum(len(v.indicators) for v in d.variables) for d in REAL]
    assert counts == [7, 4, 7, 3, 3]


def test_all_met_is_100_tangguh() -> None:
    """Every variable 1, every dimension 1 → 100 × (0.2 × 5) / 1.0 = 100."""
    result = score_family(REAL, rubric(), family(M))
    assert result.index == 100.0
    assert result.category == "tangguh"
    assert result.complete
    assert (result.applicable, result.answered) == (24, 24)
    assert result.failing == ()
    assert set(result.dimensions.values()) == {1.0}
    assert result.rubric_version == "test-1"


def test_none_met_is_0_rentan() -> None:
    """Every variable 0 → index 0 → rentan; all 24 indicators failing in order."""
    result = score_family(REAL, rubric(), family(X))
    assert result.index == 0.0
    assert result.category == "rentan"
    assert result.complete
    assert result.failing == CODES


# A married family with school-less children, no elderly member, two refusals:
#   D1: 1.1 = (1 + 0)/2 = 0.5   1.2 = 1   1.3 = 4/4 = 1       → D1 = 2.5/3 = 5/6
#   D2: 2.1 = 2/2 = 1   2.2 = 0   2.3 = 1                     → D2 = 2/3
#   D3: 3.1 = 0   3.2 = 1/1 (3.2.1 income refused) = 1
#       3.3 = N/A (both N/A, no child 7–18)   3.4 = (1 + 0)/2 = 0.5
#                                                            → D3 = 1.5/3 = 0.5
#   D4: 4.1 = 1/1 (4.1.1 refused) = 1   4.2 = 1              → D4 = 1
#   D5: 5.1 = N/A (no elderly)   5.2 = 1   5.3 = 0            → D5 = 1/2 = 0.5
#   index = 100 × 0.2 (5/6 + 2/3 + 1/2 + 1 + 1/2) / 1.0 = 100 × 3.5 / 5 = 70.0
#   applicable = 24 − 3 N/A = 21; answered = 21 − 2 refusals = 19 ≥ 0.8 × 21 = 16.8
MIXED = family(
    M,
    i_1_1_2=X,
    i_2_2_1=X,
    i_3_1_1=X,
    i_3_2_1=MS,
    i_3_3_1=NA,
    i_3_3_2=NA,
    i_3_4_2=X,
    i_4_1_1=MS,
    i_5_1_1=NA,
    i_5_3_1=X,
)


def test_mixed_family_by_hand() -> None:
    """N/A and refusals leave the denominators (see the arithmetic above)."""
    result = score_family(REAL, rubric(), MIXED)
    assert result.variables["1.1"] == 0.5
    assert result.variables["3.3"] is None
    assert result.variables["5.1"] is None
    assert result.dimensions == pytest.approx({"1": 5 / 6, "2": 2 / 3, "3": 0.5, "4": 1.0, "5": 0.5})
    assert result.index == pytest.approx(70.0)
    assert result.category == "berkembang"
    assert (result.applicable, result.answered) == (21, 19)
    assert result.complete
    assert result.failing == ("1.1.2", "2.2.1", "3.1.1", "3.4.2", "5.3.1")
    assert result.indicators["3.2.1"] is MS
    assert result.indicators["3.3.1"] is NA


# Same family, "N/A counts as met": 3.3 = 2/2 = 1 and 5.1 = 1/1 = 1
#   D3 = (0 + 1 + 1 + 0.5)/4 = 0.625   D5 = (1 + 1 + 0)/3 = 2/3
#   index = 100 × 0.2 (5/6 + 2/3 + 0.625 + 1 + 2/3) = 100 × 3.7916…/5 = 75.8333…
#   applicable = 24, answered = 22 → still complete; category moves up to tangguh.
def test_na_counts_as_met_switch() -> None:
    """The switch turns N/A into MET before anything else."""
    result = score_family(REAL, rubric(na_counts_as_met=True), MIXED)
    assert result.dimensions["3"] == pytest.approx(0.625)
    assert result.dimensions["5"] == pytest.approx(2 / 3)
    assert result.index == pytest.approx(75.0 + 5 / 6)
    assert result.category == "tangguh"
    assert (result.applicable, result.answered) == (24, 22)
    assert result.indicators["3.3.1"] is M


# Dimension 3 refused entirely (7 missing), everything else met:
#   D3 = None, index = 100 × 0.2 (1 + 1 + 1 + 1) / 0.8 = 100 → tangguh, shown;
#   answered 17 of 24 applicable = 70.8 % < 80 % → incomplete.
def test_incomplete_family_still_scored() -> None:
    """Fewer than 80% of applicable indicators answered: index shown, flagged."""
    d3_missing = {f"i_{c.replace('.', '_')}": MS for c in CODES if c.startswith("3.")}
    result = score_family(REAL, rubric(), family(M, **d3_missing))
    assert result.dimensions["3"] is None
    assert result.index == 100.0
    assert result.category == "tangguh"
    assert (result.applicable, result.answered) == (24, 17)
    assert not result.complete


def test_completeness_threshold() -> None:
    """19/24 = 79.2 % is incomplete, 20/24 = 83.3 % complete, 4/5 = 80 % complete."""
    five = {f"i_5_{n}_1": MS for n in (1, 2, 3)} | {"i_4_2_1": MS, "i_4_1_2": MS}
    assert not score_family(REAL, rubric(), family(M, **five)).complete
    four = {f"i_5_{n}_1": MS for n in (1, 2, 3)} | {"i_4_2_1": MS}
    assert score_family(REAL, rubric(), family(M, **four)).complete
    # Small structure, y2 and y3 N/A: 5 applicable, 4 answered = exactly 80 %.
    small = {"x1": M, "x2": M, "x3": MS, "y1": M, "y2": NA, "y3": NA}
    result = score_family(SMALL, rubric(), small)
    assert (result.applicable, result.answered) == (4, 3)
    assert not result.complete
    small["y2"] = M
    result = score_family(SMALL, rubric(), small)
    assert (result.applicable, result.answered) == (5, 4)
    assert result.complete
    # 7 of 10 at complete_share 0.7: 0.7 × 10 is 7.000000000000001 in floats,
    # yet exactly 70 % is complete; 6 of 10 is not.
    ten = dict.fromkeys(CODES[:10], M) | dict.fromkeys(CODES[10:], NA)
    seven = ten | dict.fromkeys(CODES[:3], MS)
    shared = score_family(REAL, rubric(complete_share=0.7), seven)
    assert (shared.applicable, shared.answered) == (10, 7)
    assert shared.complete
    six = ten | dict.fromkeys(CODES[:4], MS)
    assert not score_family(REAL, rubric(complete_share=0.7), six).complete


def test_only_na_has_no_index() -> None:
    """All N/A: nothing scorable → index and category None, incomplete."""
    result = score_family(REAL, rubric(), family(NA))
    assert result.index is None
    assert result.category is None
    assert (result.applicable, result.answered) == (0, 0)
    assert not result.complete
    assert set(result.dimensions.values()) == {None}
    # With the switch every N/A is met.
    assert score_family(REAL, rubric(na_counts_as_met=True), family(NA)).index == 100


def test_only_missing_has_no_index() -> None:
    """An empty mapping: every indicator absent → MISSING, nothing scorable."""
    result = score_family(REAL, rubric(), {})
    assert result.index is None
    assert (result.applicable, result.answered) == (24, 0)
    assert not result.complete
    assert set(result.indicators.values()) == {MS}


# Small structure (A 0.6: a1 w1 [x1,x2], a2 w3 [x3]; B 0.4: b1 [y1,y2,y3]):
#   x1 1, x2 0 → a1 = 0.5; x3 1 → a2 = 1; A = (1 × 0.5 + 3 × 1)/4 = 0.875
#   y1 1, y2 N/A, y3 0 → b1 = 0.5 = B
#   index = 100 × (0.6 × 0.875 + 0.4 × 0.5)/1.0 = 100 × 0.725 = 72.5 → berkembang
def test_small_structure_weights() -> None:
    """Unequal variable and dimension weights."""
    scores = {"x1": M, "x2": X, "x3": M, "y1": M, "y2": NA, "y3": X}
    result = score_family(SMALL, rubric(), scores)
    assert result.dimensions == pytest.approx({"A": 0.875, "B": 0.5})
    assert result.index == pytest.approx(72.5)
    assert result.category == "berkembang"


# x3 N/A → a2 dropped, A = a1 = 0.5 (weights renormalised over a1 alone);
#   index = 100 × (0.6 × 0.5 + 0.4 × 0.5) = 50 → boundary, berkembang.
# B all N/A → index = 100 × (0.6 × A)/0.6 = 100 × 0.875 = 87.5.
def test_weights_renormalised() -> None:
    """Absent variables and dimensions leave their weights out of the denominator."""
    scores = {"x1": M, "x2": X, "x3": NA, "y1": M, "y2": NA, "y3": X}
    result = score_family(SMALL, rubric(), scores)
    assert result.variables["a2"] is None
    assert result.index == pytest.approx(50.0)
    assert result.category == "berkembang"
    no_b = {"x1": M, "x2": X, "x3": M, "y1": NA, "y2": NA, "y3": NA}
    result = score_family(SMALL, rubric(), no_b)
    assert result.dimensions["B"] is None
    assert result.index == pytest.approx(87.5)


@pytest.mark.parametrize(
    ("scores", "index", "category"),
    [
        # A = a1 = (1 + 0)/2 = 0.5 (x3 N/A); B = (1 + 0)/2 = 0.5 (y3 N/A)
        #   → 100 × (0.6 × 0.5 + 0.4 × 0.5) = 50 → berkembang (boundary)
        ({"x1": M, "x2": X, "x3": NA, "y1": M, "y2": X, "y3": NA}, 50.0, "berkembang"),
        # A = (1 × 0 + 3 × 1)/4 = 0.75; B all N/A → 100 × 0.6 × 0.75 / 0.6 = 75
        #   → tangguh (boundary)
        ({"x1": X, "x2": X, "x3": M, "y1": NA, "y2": NA, "y3": NA}, 75.0, "tangguh"),
        # A = (1 × 1 + 3 × 0)/4 = 0.25; B = 1 → 100 × (0.15 + 0.4) = 55 → berkembang
        ({"x1": M, "x2": M, "x3": X, "y1": M, "y2": M, "y3": M}, 55.0, "berkembang"),
        # A = 0.25; B = 2/3 → 100 × (0.15 + 0.4 × 2/3) = 41.666… → rentan
        ({"x1": M, "x2": M, "x3": X, "y1": M, "y2": M, "y3": X}, 125 / 3, "rentan"),
    ],
)
def test_small_boundaries(scores: dict[str, IndicatorScore], index: float, category: str) -> None:
    """Hand-computed small-structure values; 50 and 75 go to the higher category."""
    result = score_family(SMALL, rubric(), scores)
    assert result.index == pytest.approx(index)
    assert result.category == category


# Real structure, dimension 5 refused (missing), 3.2 and 4.2 failed:
#   D1 = D2 = 1; D3 = (1 + 0 + 1 + 0)/4 = 0.5 with 3.2 = 0, 3.4 = 0;
#   D4 = (4.1 = 1, 4.2 = 0)/2 = 0.5; D5 = None
#   index = 100 × 0.2 (1 + 1 + 0.5 + 0.5)/0.8 = 100 × 0.6/0.8 = 75 exactly on paper,
#   74.99999999999999 in floats → still tangguh (BOUND_TOLERANCE).
def test_boundary_75_with_float_noise() -> None:
    """A value on the 75 boundary lands in the higher category despite float noise."""
    scores = family(
        M,
        i_3_2_1=X,
        i_3_2_2=X,
        i_3_4_1=X,
        i_3_4_2=X,
        i_4_2_1=X,
        i_5_1_1=MS,
        i_5_2_1=MS,
        i_5_3_1=MS,
    )
    result = score_family(REAL, rubric(), scores)
    assert result.index == pytest.approx(75.0)
    assert result.category == "tangguh"
    assert (result.applicable, result.answered) == (24, 21)
    assert result.complete


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.0, "rentan"),
        (49.999, "rentan"),
        (50.0, "berkembang"),
        (74.999, "berkembang"),
        (75.0, "tangguh"),
        (100.0, "tangguh"),
    ],
)
def test_category_for_family_classes(value: float, code: str) -> None:
    """Rentan < 50 ≤ Berkembang < 75 ≤ Tangguh."""
    assert category_for(value, rubric().categories).code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (61.15, "sangat_rendah"),
        (61.16, "rendah"),
        (65.76, "cukup"),
        (70.35, "cukup"),
        (70.36, "tinggi"),
        (74.96, "sangat_tinggi"),
    ],
)
def test_category_for_area_classes(value: float, code: str) -> None:
    """The five equal-range area classes."""
    assert category_for(value, rubric().area_classes).code == code


def test_category_for_rejects_nan_and_negative() -> None:
    """NaN and values below the first class raise."""
    with pytest.raises(ValueError):
        category_for(float("nan"), rubric().categories)
    with pytest.raises(ValueError):
        category_for(-1.0, rubric().categories)


def test_unknown_indicator_raises() -> None:
    """A code outside the structure is an error, not silently ignored."""
    with pytest.raises(ValueError, match="9.9.9"):
        score_family(REAL, rubric(), family(M) | {"9.9.9": M})


def test_absent_counts_as_missing_and_raw_values_accepted() -> None:
    """Absent codes are MISSING; raw string values convert to IndicatorScore."""
    result = score_family(SMALL, rubric(), {"x1": "1", "x2": "0", "y1": "na"})
    assert result.indicators == {
        "x1": M,
        "x2": X,
        "x3": MS,
        "y1": NA,
        "y2": MS,
        "y3": MS,
    }
    assert result.variables == {"a1": 0.5, "a2": None, "b1": None}
    assert result.index == pytest.approx(50.0)
    with pytest.raises(ValueError):
        score_family(SMALL, rubric(), {"x1": "yes"})


def test_family_score_is_frozen() -> None:
    """FamilyScore is immutable."""
    result = score_family(SMALL, rubric(), {})
    assert isinstance(result, FamilyScore)
    with pytest.raises(AttributeError):
        result.index = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"categories": []},
        {"area_classes": []},
        {"categories": [{"code": "a", "min": 10, "label": {}}]},
        {
            "categories": [
                {"code": "a", "min": 0, "label": {}},
                {"code": "b", "min": 0, "label": {}},
            ]
        },
        {
            "categories": [
                {"code": "a", "min": 0, "label": {}},
                {"code": "b", "min": 75, "label": {}},
                {"code": "c", "min": 50, "label": {}},
            ]
        },
        {
            "categories": [
                {"code": "a", "min": 0, "label": {}},
                {"code": "a", "min": 50, "label": {}},
            ]
        },
        {"complete_share": 0},
        {"complete_share": 1.5},
        {"unexpected": True},
        {"categories": [{"code": "a", "min": 0, "label": {}, "max": 50}]},
    ],
)
def test_rubric_validation(changes: dict[str, object]) -> None:
    """Bad rubrics fail at load time."""
    with pytest.raises(ValidationError):
        rubric(**changes)


def test_rubric_frozen_and_defaults() -> None:
    """Rubric is immutable; defaults: N/A not met, 80 % completeness."""
    r = rubric()
    assert not r.na_counts_as_met
    assert r.complete_share == 0.8
    assert r.params == {"poverty_line": 250_000.0}
    with pytest.raises(ValidationError):
        r.version = "x"  # type: ignore[misc]


def test_structure_validation() -> None:
    """Bad weights, empty variables and repeated codes raise ValueError."""
    with pytest.raises(ValueError):
        VariableSpec("v", 0.0, ("a",))
    with pytest.raises(ValueError):
        VariableSpec("v", float("nan"), ("a",))
    with pytest.raises(ValueError):
        VariableSpec("v", 1.0, ())
    with pytest.raises(ValueError):
        DimensionSpec("d", 1.0, ())
    repeated = (
        DimensionSpec("d1", 1.0, (VariableSpec("v1", 1.0, ("a",)),)),
        DimensionSpec("d2", 1.0, (VariableSpec("v2", 1.0, ("a",)),)),
    )
    with pytest.raises(ValueError, match="indicator codes repeated"):
        score_family(repeated, rubric(), {})
    with pytest.raises(ValueError):
        structure_indicators(())

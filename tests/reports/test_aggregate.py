"""Tests for reports.aggregate: vectorised scoring equals score_family; area figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flows.scoring import (
    DimensionSpec,
    IndicatorScore,
    Rubric,
    VariableSpec,
    score_family,
    structure_indicators,
)
from reports.aggregate import (
    MET,
    MISSING,
    NA,
    NOT_MET,
    area_summary,
    indicator_matrix,
    score_families,
)
from tests.structures import real_structure

M = IndicatorScore.MET
X = IndicatorScore.NOT_MET
NAS = IndicatorScore.NOT_APPLICABLE
MS = IndicatorScore.MISSING
SCORE_OF = {MET: M, NOT_MET: X, NA: NAS, MISSING: MS}

REAL = real_structure()
# Unequal weights, to check the renormalisation against score_family too.
WEIGHTED = (
    DimensionSpec(
        "A",
        0.35,
        (
            VariableSpec("a1", 1.0, ("x1", "x2")),
            VariableSpec("a2", 3.0, ("x3",)),
            VariableSpec("a3", 0.7, ("x4", "x5", "x6")),
        ),
    ),
    DimensionSpec("B", 0.4, (VariableSpec("b1", 1.0, ("y1", "y2", "y3")),)),
    DimensionSpec(
        "C",
        0.25,
        (VariableSpec("c1", 2.0, ("z1",)), VariableSpec("c2", 0.5, ("z2", "z3"))),
    ),
)
# Area test: two dimensions of equal weight, one variable each.
TINY = (
    DimensionSpec("D1", 0.5, (VariableSpec("v1", 1.0, ("i1", "i2")),)),
    DimensionSpec("D2", 0.5, (VariableSpec("v2", 1.0, ("i3", "i4")),)),
)


def rubric(**changes: object) -> Rubric:
    """The reference §4 rubric with ``changes`` applied."""
    fields: dict[str, object] = {
        "version": "test-1",
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
    fields.update(changes)
    return Rubric.model_validate(fields)


def random_matrix(structure: tuple[DimensionSpec, ...], families: int, seed: int) -> pd.DataFrame:
    """Seeded random codes, with some all-N/A, all-missing and mostly-missing rows."""
    rng = np.random.default_rng(seed)
    codes = structure_indicators(structure)
    arr = rng.choice(
        np.array([MET, NOT_MET, NA, MISSING], dtype=np.int8),
        size=(families, len(codes)),
        p=[0.5, 0.25, 0.15, 0.1],
    )
    arr[::50] = NA
    arr[1::50] = MISSING
    mostly_missing = rng.random((families, len(codes))) < 0.3
    arr[2::7] = np.where(mostly_missing[2::7], MISSING, arr[2::7])
    ids = pd.Index([f"KK{n:05d}" for n in range(families)], name="family")
    return pd.DataFrame(arr, index=ids, columns=list(codes))


@pytest.mark.parametrize("structure", [REAL, WEIGHTED], ids=["real", "weighted"])
@pytest.mark.parametrize("na_counts_as_met", [False, True])
@pytest.mark.parametrize("complete_share", [0.8, 0.7])
def test_score_families_equals_score_family(
    structure: tuple[DimensionSpec, ...],
    na_counts_as_met: bool,
    complete_share: float,
) -> None:
    """2,000 random families: same index, dimensions, category, counts, completeness."""
    matrix = random_matrix(structure, 2_000, seed=20_240_601)
    r = rubric(na_counts_as_met=na_counts_as_met, complete_share=complete_share)
    frame = score_families(matrix, structure, r)
    assert list(frame.index) == list(matrix.index)
    assert frame.attrs["rubric_version"] == "test-1"
    codes = matrix.to_numpy()
    seen_none = seen_incomplete = 0
    for row, family_id in enumerate(matrix.index):
        # Leave MISSING out of every other mapping: absent must equal MISSING.
        mapping = {
            code: SCORE_OF[int(value)]
            for code, value in zip(matrix.columns, codes[row], strict=True)
            if row % 2 == 0 or value != MISSING
        }
        expected = score_family(structure, r, mapping)
        got = frame.loc[family_id]
        if expected.index is None:
            seen_none += 1
            assert math.isnan(got["index"])
            assert pd.isna(got["category"])
        else:
            assert got["index"] == pytest.approx(expected.index, abs=1e-9, rel=0)
            assert got["category"] == expected.category
        assert bool(got["complete"]) is expected.complete
        seen_incomplete += not expected.complete
        assert got["applicable"] == expected.applicable
        assert got["answered"] == expected.answered
        for dim, value in expected.dimensions.items():
            if value is None:
                assert math.isnan(got[f"dim:{dim}"])
            else:
                assert got[f"dim:{dim}"] == pytest.approx(value, abs=1e-12, rel=0)
    assert seen_none > 0 or na_counts_as_met
    assert seen_incomplete > 0


def test_score_families_is_bit_identical() -> None:
    """The vectorised path repeats score_family's float operations exactly."""
    matrix = random_matrix(REAL, 500, seed=7)
    frame = score_families(matrix, REAL, rubric())
    families = [
        {c: SCORE_OF[int(v)] for c, v in zip(matrix.columns, row, strict=True)} for row in matrix.to_numpy()
    ]
    expected = [score_family(REAL, rubric(), f).index for f in families]
    got = frame["index"].to_numpy()
    assert [None if math.isnan(v) else float(v) for v in got] == expected


def test_indicator_matrix_round_trip() -> None:
    """Mappings → int8 matrix, absent codes MISSING, columns in structure order."""
    families = [{"i1": M, "i3": NAS}, {"i4": X, "i2": "1"}, {}]
    matrix = indicator_matrix(families, TINY, ids=["a", "b", "c"])
    assert matrix.dtypes.unique().tolist() == [np.dtype(np.int8)]
    assert list(matrix.columns) == ["i1", "i2", "i3", "i4"]
    assert matrix.loc["a"].tolist() == [MET, MISSING, NA, MISSING]
    assert matrix.loc["b"].tolist() == [MISSING, MET, MISSING, NOT_MET]
    assert matrix.loc["c"].tolist() == [MISSING] * 4
    with pytest.raises(ValueError, match="i9"):
        indicator_matrix([{"i9": M}], TINY)


def test_column_order_and_validation() -> None:
    """Columns may come in any order; missing/extra columns and bad codes raise."""
    matrix = indicator_matrix([{"i1": M, "i2": X, "i3": M, "i4": M}], TINY)
    shuffled = matrix[["i4", "i2", "i3", "i1"]]
    assert score_families(shuffled, TINY, rubric())["index"].iloc[0] == 75.0
    with pytest.raises(ValueError, match="missing"):
        score_families(matrix.drop(columns="i4"), TINY, rubric())
    with pytest.raises(ValueError, match="not in structure"):
        score_families(matrix.assign(i9=1), TINY, rubric())
    with pytest.raises(ValueError, match="codes"):
        score_families(matrix.assign(i1=5), TINY, rubric())
    with pytest.raises(ValueError, match="integer"):
        score_families(matrix.astype(float), TINY, rubric())


def test_empty_matrix() -> None:
    """No families: an empty frame with the documented columns."""
    frame = score_families(indicator_matrix([], TINY), TINY, rubric())
    assert len(frame) == 0
    assert list(frame.columns) == [
        "index",
        "category",
        "complete",
        "applicable",
        "answered",
        "dim:D1",
        "dim:D2",
    ]


# TINY: D1 0.5 = v1 [i1, i2], D2 0.5 = v2 [i3, i4]. Index = 100 × mean of present dims.
#   Guntung Manggis
#     f1  1 1 | 1  1   D1 1,   D2 1          → 100   tangguh     4/4 complete
#     f2  1 0 | 0  NA  D1 0.5, D2 0          → 25    rentan      3/3 complete
#     f3  ? ? | 1  0   D1 -,   D2 0.5        → 50    berkembang  2/4 incomplete
#   Komet
#     f4  1 NA| 1  1   D1 1,   D2 1          → 100   tangguh     3/3 complete
#     f5  0 NA| 1  NA  D1 0,   D2 1          → 50    berkembang  2/2 complete
#     f6  all N/A                            → -                 0/0 incomplete
#   Mentaos
#     f7  all missing                        → -                 0/4 incomplete
FAMILIES: dict[str, tuple[str, dict[str, IndicatorScore]]] = {
    "f1": ("Guntung Manggis", {"i1": M, "i2": M, "i3": M, "i4": M}),
    "f2": ("Guntung Manggis", {"i1": M, "i2": X, "i3": X, "i4": NAS}),
    "f3": ("Guntung Manggis", {"i1": MS, "i2": MS, "i3": M, "i4": X}),
    "f4": ("Komet", {"i1": M, "i2": NAS, "i3": M, "i4": M}),
    "f5": ("Komet", {"i1": X, "i2": NAS, "i3": M, "i4": NAS}),
    "f6": ("Komet", {"i1": NAS, "i2": NAS, "i3": NAS, "i4": NAS}),
    "f7": ("Mentaos", {}),
}


def tiny_inputs() -> tuple[pd.DataFrame, pd.Series]:
    """The hand-made matrix and its kelurahan, shuffled relative to each other."""
    matrix = indicator_matrix([scores for _, scores in FAMILIES.values()], TINY, ids=list(FAMILIES))
    areas = pd.Series(
        {fid: area for fid, (area, _) in reversed(FAMILIES.items())},
        name="kelurahan",
    )
    return matrix, areas


def test_tiny_scores_by_hand() -> None:
    """Per-family values of the hand-made set."""
    matrix, _ = tiny_inputs()
    frame = score_families(matrix, TINY, rubric())
    assert frame["index"].tolist()[:5] == [100.0, 25.0, 50.0, 100.0, 50.0]
    assert frame["index"].iloc[5:].isna().all()
    assert frame["category"].tolist()[:5] == [
        "tangguh",
        "rentan",
        "berkembang",
        "tangguh",
        "berkembang",
    ]
    assert frame["complete"].tolist() == [True, True, False, True, True, False, False]
    assert frame["applicable"].tolist() == [4, 3, 4, 3, 2, 0, 4]
    assert frame["answered"].tolist() == [4, 3, 2, 3, 2, 0, 0]


def test_area_summary_by_hand() -> None:
    """Failing shares (all families), counts and means (complete families only)."""
    matrix, areas = tiny_inputs()
    r = rubric()
    summary = area_summary(matrix, score_families(matrix, TINY, r), areas, TINY, r)
    names = ["Guntung Manggis", "Komet", "Mentaos"]
    nan = float("nan")
    # Failing share = families scoring 0 / families answering it (N/A, missing out):
    #   GM   i1: f1 1, f2 1 (f3 missing)  0/2   i2: f1 1, f2 0  1/2
    #        i3: f1 1, f2 0, f3 1         1/3   i4: f1 1, f3 0 (f2 N/A)  1/2
    #   Komet i1: f4 1, f5 0              1/2   i2: all N/A  → NaN
    #        i3: f4 1, f5 1               0/2   i4: f4 1     0/1
    #   Mentaos: nothing answered → NaN everywhere
    expected_share = pd.DataFrame(
        [[0.0, 0.5, 1 / 3, 0.5], [0.5, nan, 0.0, 0.0], [nan, nan, nan, nan]],
        index=pd.Index(names, name="kelurahan"),
        columns=pd.Index(["i1", "i2", "i3", "i4"], name="indicator"),
    )
    pd.testing.assert_frame_equal(summary.failing_share, expected_share)
    # Complete families by category; incomplete ones counted apart.
    expected_counts = pd.DataFrame(
        [[1, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]],
        index=pd.Index(names, name="kelurahan"),
        columns=pd.Index(["rentan", "berkembang", "tangguh", "incomplete"], name="category"),
    )
    pd.testing.assert_frame_equal(summary.category_counts, expected_counts, check_dtype=False)
    # Mean index over complete families: GM (100 + 25)/2 = 62.5 → rendah
    # (61.16 ≤ 62.5 < 65.76), f3 left out; Komet (100 + 50)/2 = 75 → sangat_tinggi
    # (≥ 74.96); Mentaos has no complete family → NaN, no class.
    assert summary.mean_index.tolist()[:2] == [62.5, 75.0]
    assert math.isnan(summary.mean_index["Mentaos"])
    assert summary.mean_index.index.tolist() == names
    assert summary.area_class.tolist()[:2] == ["rendah", "sangat_tinggi"]
    assert pd.isna(summary.area_class["Mentaos"])


def test_area_summary_with_na_counted_as_met() -> None:
    """The rubric's N/A switch also applies to failing shares and counts."""
    matrix, areas = tiny_inputs()
    r = rubric(na_counts_as_met=True)
    summary = area_summary(matrix, score_families(matrix, TINY, r), areas, TINY, r)
    # GM i4: f1 1, f2 N/A→1, f3 0 → 1/3; Komet i2: f4, f5, f6 all N/A→1 → 0/3.
    assert summary.failing_share.loc["Guntung Manggis", "i4"] == pytest.approx(1 / 3)
    assert summary.failing_share.loc["Komet", "i2"] == 0.0
    # f6 becomes all met (100, complete): Komet complete f4 100, f5 (0 + 1)/2… f5 now
    # i1 0, i2 1 → D1 0.5; i3 1, i4 1 → D2 1 → 75. Mean (100 + 75 + 100)/3 = 91.67.
    assert summary.category_counts.loc["Komet"].tolist() == [0, 0, 3, 0]
    assert summary.mean_index["Komet"] == pytest.approx(275 / 3)


def test_area_summary_validation() -> None:
    """Families without an area or without scores raise."""
    matrix, areas = tiny_inputs()
    scores = score_families(matrix, TINY, rubric())
    with pytest.raises(ValueError, match="areas"):
        area_summary(matrix, scores, areas.drop("f3"), TINY, rubric())
    with pytest.raises(ValueError, match="scores"):
        area_summary(matrix, scores.drop(index="f3"), areas, TINY, rubric())

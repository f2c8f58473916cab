"""The official 5 / 15 / 24 shape of the instrument, written out by hand for the scoring tests."""

from __future__ import annotations

from flows.scoring import DimensionSpec, VariableSpec

REAL_VARIABLES: dict[str, tuple[str, ...]] = {
    "1.1": ("1.1.1", "1.1.2"),
    "1.2": ("1.2.1",),
    "1.3": ("1.3.1", "1.3.2", "1.3.3", "1.3.4"),
    "2.1": ("2.1.1", "2.1.2"),
    "2.2": ("2.2.1",),
    "2.3": ("2.3.1",),
    "3.1": ("3.1.1",),
    "3.2": ("3.2.1", "3.2.2"),
    "3.3": ("3.3.1", "3.3.2"),
    "3.4": ("3.4.1", "3.4.2"),
    "4.1": ("4.1.1", "4.1.2"),
    "4.2": ("4.2.1",),
    "5.1": ("5.1.1",),
    "5.2": ("5.2.1",),
    "5.3": ("5.3.1",),
}


def real_structure() -> tuple[DimensionSpec, ...]:
    """The official 5 / 15 / 24 shape, equal variable weights, dimensions 0.2 each."""
    return tuple(
        DimensionSpec(
            code=dim,
            weight=0.2,
            variables=tuple(
                VariableSpec(code=var, weight=1.0, indicators=inds)
                for var, inds in REAL_VARIABLES.items()
                if var.startswith(dim + ".")
            ),
        )
        for dim in ("1", "2", "3", "4", "5")
    )

"""Household imports, pure: a table read from a file → a plan of rows to add, update or reject.

The plan never touches the database. One module per job: ``table`` (the table read from a file and
the columns understood), ``values`` (cleaning and comparing cell values, derived codes), ``plan``
(what the planner is given and returns, the plan as data), ``kader`` (a Kader cell to a kader id),
``planner`` (``plan_import``), ``messages`` (a plan explained in words).
"""

from __future__ import annotations

from flows.imports.messages import problem_lines, rejection_line, rejection_lines
from flows.imports.plan import (
    FIELDS,
    ExistingHousehold,
    ImportPlan,
    KaderRef,
    PlannedHousehold,
    Problem,
    Rejection,
    plan_from_data,
    plan_to_data,
    summarise,
)
from flows.imports.planner import map_columns, plan_import
from flows.imports.table import COLUMNS, TEMPLATE_EXAMPLE, TEMPLATE_HEADERS, Column, Row, Table, column_letter
from flows.imports.values import (
    MAX_CODE,
    MAX_VALUE,
    clean,
    generated_codes,
    identity,
    initials,
    normalise_number,
)

__all__ = [
    "COLUMNS",
    "FIELDS",
    "MAX_CODE",
    "MAX_VALUE",
    "TEMPLATE_EXAMPLE",
    "TEMPLATE_HEADERS",
    "Column",
    "ExistingHousehold",
    "ImportPlan",
    "KaderRef",
    "PlannedHousehold",
    "Problem",
    "Rejection",
    "Row",
    "Table",
    "clean",
    "column_letter",
    "generated_codes",
    "identity",
    "initials",
    "map_columns",
    "normalise_number",
    "plan_from_data",
    "plan_import",
    "plan_to_data",
    "problem_lines",
    "rejection_line",
    "rejection_lines",
    "summarise",
]

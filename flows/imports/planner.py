"""Planning a household import: a table read from a file → rows to add, update or reject (pure).

The plan never touches the database: it compares the file with the households and kader it is
given, and says what applying it would do. Rows without a household code are matched to an existing
household by (kelurahan, RT, RW, head of family, address), or get a code derived from that content,
so that importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from flows.areas import match_name
from flows.imports.kader import KaderLookup
from flows.imports.plan import (
    FIELDS,
    ExistingHousehold,
    ImportPlan,
    KaderRef,
    PlannedHousehold,
    Problem,
    Rejection,
)
from flows.imports.table import COLUMNS, HEADER_FIELDS, TEMPLATE_EXAMPLE, Row, Table, header_key
from flows.imports.values import (
    CODE_PATTERN,
    MAX_CODE,
    MAX_VALUE,
    clean,
    generated_codes,
    identity,
    normalise_number,
)

_EXAMPLE_HEAD: Final = TEMPLATE_EXAMPLE[1]


@dataclass(slots=True)
class _Candidate:
    """A row that passed the checks of its own cells, waiting for its code to be settled."""

    row: int
    code: str
    values: dict[str, str]
    kader_id: int | None
    set_kader: bool


def map_columns(headers: Sequence[str]) -> tuple[dict[str, int], list[Problem], list[str]]:
    """Which column holds each field; problems (missing or repeated columns); headers ignored."""
    found: dict[str, int] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = HEADER_FIELDS.get(header_key(header))
        if name is None:
            if header.strip():
                ignored.append(clean(header))
        elif name in found:
            problems.append(Problem("import_duplicate_column", {"column": clean(header)}))
        else:
            found[name] = index
    missing = [column.title for column in COLUMNS if column.required and column.field not in found]
    if missing:
        problems.insert(0, Problem("import_missing_columns", {"columns": ", ".join(missing)}))
    return found, problems, ignored


def plan_import(
    table: Table,
    *,
    existing: Mapping[str, ExistingHousehold],
    kelurahan: Sequence[str],
    kader: Sequence[KaderRef],
) -> ImportPlan:
    """What importing `table` would add, update, leave alone and reject."""
    columns, problems, ignored = map_columns(table.headers)
    if not problems and not table.rows:
        problems.append(Problem("import_no_rows"))
    if problems:
        return ImportPlan(problems=tuple(problems), rows=len(table.rows), ignored_columns=tuple(ignored))
    planner = _Planner(table, columns, existing, kelurahan, KaderLookup(kader))
    return replace(planner.run(), ignored_columns=tuple(ignored))


class _Planner:
    """One planning run over a table."""

    def __init__(
        self,
        table: Table,
        columns: dict[str, int],
        existing: Mapping[str, ExistingHousehold],
        kelurahan: Sequence[str],
        kader: KaderLookup,
    ) -> None:
        self.table = table
        self.columns = columns
        self.existing = existing
        self.kelurahan = kelurahan
        self.known = frozenset(kelurahan)
        self.areas: dict[str, str | None] = {}
        self.titles = {name: table.column_name(index) for name, index in columns.items()}
        self.kader = kader
        self.rejected: list[Rejection] = []
        self.example_row: int | None = None
        self.file_codes: dict[str, int] = {}
        self._identities: dict[tuple[str, ...], str] | None = None

    def title(self, name: str) -> str:
        """The header of a field's column as written in the file."""
        return self.titles[name]

    def area(self, value: str) -> str | None:
        """The kelurahan a cell names, each distinct spelling matched once."""
        if value not in self.areas:
            self.areas[value] = match_name(value, self.kelurahan)
        return self.areas[value]

    def reject(self, row: int, column: str | None, key: str, **params: str | int) -> None:
        """Record why a row is not imported."""
        self.rejected.append(Rejection(row, column, key, params))

    def run(self) -> ImportPlan:
        """Check every row, settle codes, compare with the register."""
        candidates = [c for row in self.table.rows if (c := self.check_row(row)) is not None]
        adds: list[PlannedHousehold] = []
        updates: list[PlannedHousehold] = []
        unchanged = 0
        for candidate in self.settle_codes(candidates):
            planned, is_new = self.compare(candidate)
            if planned is None:
                unchanged += 1
            else:
                (adds if is_new else updates).append(planned)
        rejected = sorted(self.rejected, key=lambda r: r.row)
        return ImportPlan(tuple(adds), tuple(updates), unchanged, tuple(rejected),
                          rows=len(self.table.rows), example_row=self.example_row)

    def check_row(self, row: Row) -> _Candidate | None:
        """A row's own checks; the candidate if they pass, None if rejected or blank."""
        cells, width = row.values, len(row.values)
        values = {name: " ".join(cells[i].split()) if i < width else "" for name, i in self.columns.items()}
        if not any(values.values()):
            return None
        if values.get("head_name") == _EXAMPLE_HEAD and self.is_example(values):
            self.example_row = row.number
            return None
        before = len(self.rejected)
        formula_fields: set[str] = set()
        if row.formulas:
            for index in sorted(row.formulas):
                self.reject(row.number, self.table.column_name(index), "import_formula")
            formula_fields = {name for name, index in self.columns.items() if index in row.formulas}
        code = values.get("code", "")
        if "code" not in formula_fields:
            self.check_code(row.number, code)
        self.check_values(row.number, values, formula_fields)
        kader_id, set_kader = self.check_kader(row.number, values, formula_fields)
        if len(self.rejected) > before:
            return None
        return _Candidate(row.number, code, values, kader_id, set_kader)

    @staticmethod
    def is_example(values: dict[str, str]) -> bool:
        """Whether a row is the template's example row, unchanged."""
        return tuple(values.get(column.field, "") for column in COLUMNS) == TEMPLATE_EXAMPLE

    def check_code(self, row: int, code: str) -> None:
        """A code's shape, and that no earlier row of the file has it."""
        if not code:
            return
        column = self.title("code")
        if len(code) > MAX_CODE or not CODE_PATTERN.match(code):
            self.reject(row, column, "import_code_format", max=MAX_CODE)
        elif code in self.file_codes:
            self.reject(row, column, "import_duplicate_code", code=code, first=self.file_codes[code])
        else:
            self.file_codes[code] = row

    def check_values(self, row: int, values: dict[str, str], formulas: set[str]) -> None:
        """Required values present, not too long; RT/RW numbers; a known kelurahan."""
        for name, value in values.items():
            if name in formulas or name == "code":
                continue
            column = self.title(name)
            if not value and name != "kader":
                self.reject(row, column, "import_empty_value")
            elif len(value) > MAX_VALUE:
                self.reject(row, column, "import_too_long", max=MAX_VALUE)
            elif name in ("rt", "rw"):
                number = normalise_number(value)
                if number is None:
                    self.reject(row, column, "import_number_format", value=value)
                else:
                    values[name] = number
            elif name == "kelurahan":
                known = self.area(value)
                if known is None:
                    self.reject(row, column, "import_unknown_kelurahan", value=value)
                else:
                    values[name] = known

    def check_kader(self, row: int, values: dict[str, str], formulas: set[str]) -> tuple[int | None, bool]:
        """The kader a row names (id, whether to set it); a rejection when unknown or elsewhere."""
        cell = values.get("kader", "")
        if not cell or "kader" in formulas or len(cell) > MAX_VALUE:
            return None, False
        kelurahan = values["kelurahan"]
        if kelurahan not in self.known:
            return None, False  # the kelurahan is already rejected
        kader_id, key, params = self.kader.resolve(cell, kelurahan)
        if key is not None:
            self.rejected.append(Rejection(row, self.title("kader"), key, params))
        return kader_id, True

    def identities(self) -> dict[tuple[str, ...], str]:
        """Existing households by identity (the smallest code when several share one)."""
        if self._identities is None:
            found: dict[tuple[str, ...], str] = {}
            for household in self.existing.values():
                key = identity(household.kelurahan, household.rt, household.rw,
                               household.head_name, household.address)
                if key not in found or household.code < found[key]:
                    found[key] = household.code
            self._identities = found
        return self._identities

    def settle_codes(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """Give rows without a code the existing household's or a generated one; drop duplicates."""
        taken: dict[str, int] = {}
        generated_by: dict[str, tuple[str, ...]] = {}
        settled: list[_Candidate] = []
        for candidate in candidates:
            if not candidate.code:
                values = candidate.values
                key = identity(values["kelurahan"], values["rt"], values["rw"],
                               values["head_name"], values["address"])
                candidate.code = self.identities().get(key) or self.new_code(values["kelurahan"], key,
                                                                              generated_by)
            first = taken.get(candidate.code)
            if first is not None:
                self.reject(candidate.row, None, "import_duplicate_household", first=first)
                continue
            taken[candidate.code] = candidate.row
            settled.append(candidate)
        return settled

    def new_code(self, kelurahan: str, key: tuple[str, ...], generated_by: dict[str, tuple[str, ...]]) -> str:
        """The first derived code used by no other household, file row or generated identity."""
        for code in generated_codes(kelurahan, key):
            owner = generated_by.get(code)
            if owner == key:
                return code
            if owner is None and code not in self.existing and code not in self.file_codes:
                generated_by[code] = key
                return code
        raise AssertionError("no free generated code")  # pragma: no cover - 10,000 suffixes tried

    def compare(self, candidate: _Candidate) -> tuple[PlannedHousehold | None, bool]:
        """The planned add or update of a row (None when the register already says the same)."""
        values = candidate.values
        current = self.existing.get(candidate.code)
        planned = PlannedHousehold(
            candidate.row, candidate.code, values["head_name"], values["address"], values["rt"],
            values["rw"], values["kelurahan"], candidate.kader_id, candidate.set_kader or current is None,
            generated=current is None and not values.get("code"),
        )
        if current is None:
            return planned, True
        planned = self.keep_or_drop_kader(planned, current)
        changed = tuple(name for name in FIELDS if getattr(planned, name) != getattr(current, name))
        if planned.set_kader and planned.kader_id != current.kader_id:
            changed += ("kader_id",)
        return (replace(planned, changed=changed) if changed else None), False

    def keep_or_drop_kader(self, planned: PlannedHousehold, current: ExistingHousehold) -> PlannedHousehold:
        """A household moved to another kelurahan loses a kader who does not serve there."""
        if planned.set_kader or current.kader_id is None or planned.kelurahan == current.kelurahan:
            return planned
        ref = self.kader.by_id.get(current.kader_id)
        if ref is not None and ref.kelurahan == planned.kelurahan:
            return planned
        return replace(planned, kader_id=None, set_kader=True)


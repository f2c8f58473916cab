"""Planning a household import: a table read from a file → rows to add, update or reject (pure).

The plan never touches the database: it compares the file with the households and kader it is
given, and says what applying it would do. Rows without a household code are matched to an existing
household by (kelurahan, RT, RW, head of family, address), or get a code derived from that content,
so that importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any, Final

from flows.areas import match_name
from flows.i18n import Catalog, format_number

MAX_VALUE: Final = 200
"""Longest text accepted in any cell."""
MAX_CODE: Final = 32
"""Longest household code accepted."""
FIELDS: Final = ("head_name", "address", "rt", "rw", "kelurahan")
"""The household's own values, as the households table names them (the code aside)."""

_CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/.\-]*$")
_NUMBER: Final = re.compile(r"^(?:R[TW])?\s*[.:]?\s*(\d{1,3})$", re.IGNORECASE)
_KADER_CODE: Final = re.compile(r"^K\s*-?\s*(\d{1,9})$", re.IGNORECASE)
_GENERATED_HASH: Final = (10, 12, 14, 16, 20, 24)


# The table a file was read into ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its spreadsheet row number, its cells as text, and which cells hold formulas."""

    number: int
    values: tuple[str, ...]
    formulas: frozenset[int] = frozenset()

    def value(self, index: int) -> str:
        """The text of column `index` ('' past the row's last cell)."""
        return self.values[index] if index < len(self.values) else ""


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as read from a file: the header names and the data rows below them."""

    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    header_row: int = 1

    def column_name(self, index: int) -> str:
        """The header of column `index`, or its spreadsheet letter when it has none."""
        header = self.headers[index] if index < len(self.headers) else ""
        return header or column_letter(index)


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Columns --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A column the import understands: its field, its Indonesian title, other names accepted."""

    field: str
    title: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS: Final = (
    Column("code", "Kode KK", False,
           ("Kode", "Kode Keluarga", "Kode Rumah Tangga", "Household code", "Household ID", "Code",
            "Family code")),
    Column("head_name", "Nama Kepala Keluarga", True,
           ("Kepala Keluarga", "Nama KK", "Nama Kepala", "Nama", "Head of family", "Head of household",
            "Household head", "Head name", "Name")),
    Column("address", "Alamat", True, ("Alamat Rumah", "Address")),
    Column("rt", "RT", True, ("Rukun Tetangga",)),
    Column("rw", "RW", True, ("Rukun Warga",)),
    Column("kelurahan", "Kelurahan", True,
           ("Desa/Kelurahan", "Kel", "Desa", "Village", "Urban village", "Sub-district", "Subdistrict")),
    Column("kader", "Kader", False, ("Nama Kader", "Kode Kader", "Volunteer", "Cadre")),
)
TEMPLATE_HEADERS: Final = tuple(column.title for column in COLUMNS)
"""The headers of the import template, in column order."""
TEMPLATE_EXAMPLE: Final = ("GM-0001", "Budi Santoso", "Jl. Mawar No. 12", "001", "002",
                           "Guntung Manggis", "Siti Aminah")
"""The template's example row; a row equal to it is skipped, never imported."""
_EXAMPLE_HEAD: Final = TEMPLATE_EXAMPLE[1]


def _key(text: str) -> str:
    """A header or name reduced to lower-case letters and digits."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


_HEADER_FIELDS: Final = {_key(name): column.field
                         for column in COLUMNS for name in (column.title, *column.aliases)}


# What the planner is given and what it returns --------------------------------------------------------


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


# Values ---------------------------------------------------------------------------------------------


def clean(value: str) -> str:
    """A cell's text trimmed, with inner whitespace (line breaks, non-breaking spaces) collapsed."""
    return " ".join(value.split())


def _fold(value: str) -> str:
    """Text compared without regard to case or spacing."""
    return " ".join(value.casefold().split())


def normalise_number(value: str) -> str | None:
    """An RT or RW as three digits ("1", "RT 01" → "001"); None when not 1 to 999."""
    match = _NUMBER.match(value)
    if not match or int(match[1]) == 0:
        return None
    return f"{int(match[1]):03d}"


def _area_number(value: str) -> str:
    """An RT/RW for matching: three digits when it is a number, else as folded text."""
    return normalise_number(value) or _fold(value)


def identity(kelurahan: str, rt: str, rw: str, head_name: str, address: str) -> tuple[str, ...]:
    """What makes a household without a code the same household: area, head of family, address."""
    return (_fold(kelurahan), _area_number(rt), _area_number(rw), _fold(head_name), _fold(address))


def initials(kelurahan: str) -> str:
    """The prefix of generated codes: the kelurahan's initials ("Guntung Manggis" → "GM")."""
    letters = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", kelurahan)).upper()
    return letters[:8] or "KK"


def generated_codes(kelurahan: str, key: tuple[str, ...]) -> Iterable[str]:
    """Candidate codes for a household without one, shortest first, all derived from its identity."""
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest().upper()
    prefix = initials(kelurahan)
    yield from (f"{prefix}-{digest[:length]}" for length in _GENERATED_HASH)
    yield from (f"{prefix}-{digest[:20]}-{n}" for n in range(2, 10_000))


# Planning -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    """A row that passed the checks of its own cells, waiting for its code to be settled."""

    row: int
    code: str
    values: dict[str, str]
    kader_id: int | None
    set_kader: bool


_Resolved = tuple[int | None, str | None, dict[str, str | int]]
"""A kader cell resolved: the kader's id, or None with the locale key and values saying why."""


class _Kader:
    """Kader lookups, with each (kelurahan, cell) resolved once."""

    def __init__(self, refs: Sequence[KaderRef]) -> None:
        self.refs = refs
        self.by_id = {ref.id: ref for ref in refs}
        self.memo: dict[tuple[str, str], _Resolved] = {}

    def resolve(self, cell: str, kelurahan: str) -> _Resolved:
        """The kader id a cell means in a kelurahan, or (None, locale key, params) why not."""
        if (kelurahan, cell) not in self.memo:
            self.memo[kelurahan, cell] = self._resolve(cell, kelurahan)
        return self.memo[kelurahan, cell]

    def _resolve(self, cell: str, kelurahan: str) -> _Resolved:
        """By short code ``K<id>``, else by name among the kelurahan's kader, else why not."""
        params: dict[str, str | int] = {"value": cell, "kelurahan": kelurahan}
        short = _KADER_CODE.match(cell)
        if short:
            ref = self.by_id.get(int(short[1]))
            return self._in_area(ref, kelurahan, params) if ref else (None, "import_unknown_kader", params)
        local = [ref for ref in self.refs if ref.kelurahan == kelurahan]
        name = match_name(cell, [ref.name for ref in local])
        if name is not None:
            return next(ref.id for ref in local if ref.name == name), None, {}
        same = [ref for ref in local if match_name(cell, [ref.name])]
        if len(same) > 1:
            codes = ", ".join(f"K{ref.id}" for ref in same)
            return None, "import_kader_ambiguous", {**params, "codes": codes}
        elsewhere = [ref for ref in self.refs if ref.kelurahan != kelurahan and match_name(cell, [ref.name])]
        if elsewhere:
            return self._in_area(elsewhere[0], kelurahan, params)
        return None, "import_unknown_kader", params

    @staticmethod
    def _in_area(ref: KaderRef, kelurahan: str, params: dict[str, str | int]) -> _Resolved:
        """The kader's id if they serve `kelurahan`, else why not."""
        if ref.kelurahan == kelurahan:
            return ref.id, None, {}
        other = ref.kelurahan or "-"
        return None, "import_kader_other_kelurahan", {**params, "other": other}


def map_columns(headers: Sequence[str]) -> tuple[dict[str, int], list[Problem], list[str]]:
    """Which column holds each field; problems (missing or repeated columns); headers ignored."""
    found: dict[str, int] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = _HEADER_FIELDS.get(_key(header))
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
    planner = _Planner(table, columns, existing, kelurahan, _Kader(kader))
    return replace(planner.run(), ignored_columns=tuple(ignored))


class _Planner:
    """One planning run over a table."""

    def __init__(
        self,
        table: Table,
        columns: dict[str, int],
        existing: Mapping[str, ExistingHousehold],
        kelurahan: Sequence[str],
        kader: _Kader,
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
        if len(code) > MAX_CODE or not _CODE.match(code):
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


# Reading a plan back, counting and explaining it --------------------------------------------------------


_FORMATTED: Final = frozenset({"max", "count"})
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


def _params(params: Mapping[str, str | int], language: str, html: bool) -> dict[str, str]:
    """Locale parameters as text: limits formatted for the language (row numbers stay plain),
    values from the file escaped for HTML."""
    return {name: format_number(value, language) if name in _FORMATTED and isinstance(value, int)
            else (escape(str(value)) if html else str(value))
            for name, value in params.items()}


def problem_lines(plan: ImportPlan, catalog: Catalog, language: str, *, html: bool = True) -> list[str]:
    """Why the whole file is refused, one line per problem (empty when it is not)."""
    return [catalog.text(language, p.key, **_params(p.params, language, html)) for p in plan.problems]


def rejection_line(rejection: Rejection, catalog: Catalog, language: str, *, html: bool = True) -> str:
    """One rejected row as a line: "Baris 7, kolom RT: harus angka 1–3 digit …"."""
    reason = catalog.text(language, rejection.key, **_params(rejection.params, language, html))
    if rejection.column is None:
        return catalog.text(language, "import_rejection_row", row=rejection.row, reason=reason)
    column = escape(rejection.column) if html else rejection.column
    return catalog.text(language, "import_rejection_line", row=rejection.row, column=column, reason=reason)


def rejection_lines(
    plan: ImportPlan, catalog: Catalog, language: str, limit: int | None = 30, *, html: bool = True
) -> list[str]:
    """The file's problems, then each rejection as one line (at most `limit`, then a count of the rest).

    Values from the file are HTML-escaped unless ``html`` is False (for a terminal).
    """
    lines = problem_lines(plan, catalog, language, html=html)
    shown = plan.rejected if limit is None else plan.rejected[:limit]
    lines += [rejection_line(r, catalog, language, html=html) for r in shown]
    rest = len(plan.rejected) - len(shown)
    if rest:
        lines.append(catalog.text(language, "import_more_rejections", count=format_number(rest, language)))
    return lines

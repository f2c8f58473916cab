"""The table a household file was read into, and the columns an import understands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


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


def header_key(text: str) -> str:
    """A header or name reduced to lower-case letters and digits."""
    return re.sub(r"[^a-z0-9]", "", text.casefold())


HEADER_FIELDS: Final = {header_key(name): column.field
                        for column in COLUMNS for name in (column.title, *column.aliases)}
"""The field of every header name (title or alias) accepted, by :func:`header_key`."""

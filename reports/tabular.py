"""Reading the spreadsheets admins have (.xlsx, .csv) into a plain table, and writing the template.

Every check of the file itself happens here: type by extension and by content, size, a broken or
booby-trapped archive, text encoding, the header row, the number of rows. Formulas are never
evaluated: a cell holding one is marked, so the planner can reject its row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from html import escape
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Final

from flows.i18n import Catalog, format_number
from flows.imports import Row, Table

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

__all__ = ["Row", "Table", "TableError", "fingerprint", "read_table", "template_csv", "template_xlsx"]

MAX_COLUMNS: Final = 256
"""Columns read from each row; anything further right is ignored."""
HEADER_SEARCH: Final = 10
"""Non-blank rows searched for the header row (a title may stand above it)."""
UNPACKED_FACTOR: Final = 25
"""An .xlsx may unpack to at most this many times the largest file accepted (zip bombs)."""
_ZIP_MAGIC: Final = b"PK\x03\x04"
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS: Final = (",", ";", "\t")
_SEP_LINE: Final = re.compile(r"^sep=([,;\t|])$", re.IGNORECASE)


class TableError(Exception):
    """A file that cannot be imported at all; `key` names a locale text, `params` its values."""

    def __init__(self, key: str, params: Mapping[str, str | int] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, str | int] = dict(params or {})

    def message(self, catalog: Catalog, language: str, *, html: bool = False) -> str:
        """The error in words, numbers formatted for the language; values from the file
        (an extension) HTML-escaped when ``html`` (for the chat)."""
        params = {name: format_number(value, language) if isinstance(value, int)
                  else escape(value) if html else value for name, value in self.params.items()}
        return catalog.text(language, self.key, **params)


def fingerprint(data: bytes) -> str:
    """The file's SHA-256 in hex, kept with the import."""
    return hashlib.sha256(data).hexdigest()


def file_type(filename: str) -> str:
    """The file's extension if it is one Tangguh reads (".xlsx", ".csv"); TableError otherwise, so a
    file of the wrong kind is refused by its name, before anything is downloaded."""
    extension = PurePath(filename).suffix.lower()
    if extension not in (".xlsx", ".csv"):
        raise TableError("import_wrong_type", {"extension": extension or "-"})
    return extension


def read_table(data: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Table:
    """The first sheet of an .xlsx or the rows of a .csv; TableError when the file cannot be used."""
    extension = file_type(filename)
    if len(data) > max_bytes:
        raise TableError("import_too_large", {"max_mb": max(1, max_bytes // 1_000_000)})
    if not data.strip():
        raise TableError("import_empty")
    if extension == ".csv":
        return _table(_csv_rows(data), max_rows)
    return _read_xlsx(data, max_rows, max_bytes)


# .xlsx ------------------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, max_rows: int, max_bytes: int) -> Table:
    """The first worksheet, read in streaming mode, formulas marked, never evaluated."""
    import openpyxl  # imported when an .xlsx is read

    if not data.startswith(_ZIP_MAGIC):
        raise TableError("import_not_xlsx")
    _check_archive(data, max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style", unknown extensions: nothing for the admin
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as error:  # an untrusted file: openpyxl raises many kinds
            raise TableError("import_broken_xlsx") from error
        return _first_sheet(workbook, max_rows)


def _first_sheet(workbook: Workbook, max_rows: int) -> Table:
    """The table on a workbook's first worksheet; the workbook is closed afterwards."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    formulas = (ArrayFormula, DataTableFormula)
    try:
        if not workbook.worksheets:
            raise TableError("import_empty")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # never trust the declared size (padding to XFD1048576)
        cells = sheet.iter_rows(values_only=True)
        return _table(_guarded(_xlsx_row(number, values, formulas)
                               for number, values in enumerate(cells, 1)), max_rows)
    finally:
        workbook.close()


def _check_archive(data: bytes, max_bytes: int) -> None:
    """A readable zip holding a workbook, that does not unpack to far more than it weighs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise TableError("import_broken_xlsx") from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise TableError("import_not_xlsx")
    if sum(entry.file_size for entry in entries) > UNPACKED_FACTOR * max_bytes:
        raise TableError("import_too_large", {"max_mb": max(1, max_bytes // 1_000_000)})


def _guarded(rows: Iterable[Row]) -> Iterator[Row]:
    """Rows from openpyxl, a failure in the middle of the sheet reported as a broken file."""
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except TableError:
            raise
        except Exception as error:  # a damaged sheet part, a bad shared string index, bad XML
            raise TableError("import_broken_xlsx") from error
        yield row


def _xlsx_row(number: int, values: Sequence[Any], formula_types: tuple[type, ...]) -> Row:
    """One worksheet row as text; formula cells (text "=…", or of ``formula_types``: openpyxl's array
    and data-table formulas) marked."""
    texts: list[str] = []
    formulas: set[int] = set()
    for index, value in enumerate(values[:MAX_COLUMNS]):
        text = _text(value)
        if isinstance(value, formula_types) or text.lstrip().startswith("="):
            formulas.add(index)
        texts.append(text)
    return Row(number, _trimmed(texts), frozenset(formulas))


def _text(value: Any) -> str:
    """A cell value as the text a person would type."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(getattr(value, "text", None) or value)


# .csv ------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(_UTF8_BOM):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith(_UTF16_BOMS):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise TableError("import_not_text")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first non-blank line: the most frequent of , ; and tab outside quotes."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[Row]:
    """The rows of a CSV file; a value starting with "=" is marked as a formula."""
    text = decode_text(data)
    first, _, rest = text.partition("\n")
    declared = _SEP_LINE.match(first.strip())
    if declared:  # Excel's "sep=;" line: it names the delimiter and is not a row
        text = rest
    delimiter = declared[1] if declared else sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, values in enumerate(reader, start=1):
            texts = values[:MAX_COLUMNS]
            formulas = frozenset(i for i, value in enumerate(texts) if value.lstrip().startswith("="))
            yield Row(number, _trimmed(texts), formulas)
    except csv.Error as error:
        raise TableError("import_csv_broken") from error


# Both ------------------------------------------------------------------------------------------------


def _trimmed(values: list[str]) -> tuple[str, ...]:
    """Cells without the empty ones at the end of the row."""
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return tuple(values[:end])


def _is_header(row: Row) -> bool:
    """A header row names at least two columns, and some of them in letters."""
    filled = [value for value in row.values if value.strip()]
    return len(filled) >= 2 and any(char.isalpha() for value in filled for char in value)


def _table(rows: Iterable[Row], max_rows: int) -> Table:
    """The header row (the first that looks like one, among the first non-blank rows) and the rows
    below it that are not blank; TableError past `max_rows` data rows."""
    iterator = iter(rows)
    header: Row | None = None
    seen = 0
    for row in iterator:
        if not row.values:
            continue
        seen += 1
        if _is_header(row):
            header = row
            break
        if seen >= HEADER_SEARCH:
            break
    if header is None:
        raise TableError("import_empty" if seen == 0 else "import_no_header")
    body: list[Row] = []
    for row in iterator:
        if not row.values:
            continue
        if len(body) == max_rows:
            raise TableError("import_too_many_rows", {"max": max_rows})
        body.append(row)
    headers = tuple(" ".join(value.split()) for value in header.values)
    return Table(headers, tuple(body), header.number)


# The template --------------------------------------------------------------------------------------------


def template_xlsx(headers: Sequence[str], example: Sequence[str], sheet: str = "Keluarga") -> bytes:
    """An .xlsx with bold headers frozen at the top, one example row, text-formatted columns."""
    import xlsxwriter  # imported when a template is written

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True, "num_format": "@", "bg_color": "#DDEBF7", "border": 1})
    worksheet = workbook.add_worksheet(sheet)
    for column, header in enumerate(headers):
        example_value = example[column] if column < len(example) else ""
        width = max(len(header), len(example_value), 6) + 4
        worksheet.set_column(column, column, width, text)
        worksheet.write_string(0, column, header, bold)
        worksheet.write_string(1, column, example_value, text)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def template_csv(headers: Sequence[str], example: Sequence[str], delimiter: str = ",") -> bytes:
    """The same template as CSV: UTF-8 with a BOM (so Excel reads the letters right), CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow(example)
    return _UTF8_BOM + buffer.getvalue().encode("utf-8")

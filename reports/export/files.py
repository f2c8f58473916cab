"""The data export as files: an Excel workbook (XlsxWriter) or one wide CSV, from an ExportData snapshot.

Text is always written as text: in the workbook never as a formula, number or link; in the CSV a
value that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a
leading ``'``. XlsxWriter is imported when a workbook is written.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows.instrument import Instrument
from reports.export.common import DATETIME_FORMAT, FORMULA_START, WORKBOOK_OPTIONS, Cell, Row, Sheet
from reports.export.sheets import Export

if TYPE_CHECKING:
    from xlsxwriter import Workbook
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    from storage.records import ExportData


def build_workbook(data: ExportData, instruments: Mapping[str, Instrument], *, language: str = "id",
                   timezone: str = "Asia/Makassar", include_sensitive: bool = True) -> bytes:
    """The export as the bytes of an .xlsx file (see :func:`write_workbook`)."""
    buffer = io.BytesIO()
    write_workbook(buffer, data, instruments, language=language, timezone=timezone,
                   include_sensitive=include_sensitive)
    return buffer.getvalue()


def write_workbook(target: str | Path | IO[bytes], data: ExportData, instruments: Mapping[str, Instrument],
                   *, language: str = "id", timezone: str = "Asia/Makassar",
                   include_sensitive: bool = True) -> None:
    """Write the .xlsx export to a path or binary file; ``instruments`` by content hash."""
    from xlsxwriter import Workbook

    export = Export(data, instruments, language, ZoneInfo(timezone), include_sensitive)
    workbook = Workbook(str(target) if isinstance(target, Path) else target, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": export.text("export_title", round=data.survey_round),
                             "author": "Tangguh",
                             "created": data.exported_at.astimezone(UTC).replace(tzinfo=None)})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    stamp = workbook.add_format({"num_format": DATETIME_FORMAT})
    for sheet in export.sheets():
        _write_sheet(workbook, sheet, header, stamp)
    workbook.close()


def build_csv(data: ExportData, instruments: Mapping[str, Instrument], *, language: str = "id",
              timezone: str = "Asia/Makassar", include_sensitive: bool = True,
              delimiter: str = ",") -> bytes:
    """One wide CSV, a row per interview (household, interview, score, answers), UTF-8 with BOM."""
    export = Export(data, instruments, language, ZoneInfo(timezone), include_sensitive)
    sheet = export.wide()
    out = io.BytesIO()
    with io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False) as text:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([csv_text(h) for h in sheet.headers])
        writer.writerows([csv_text(value) for value in row] for row in sheet.rows)
        text.flush()
        return out.getvalue()


def csv_text(value: Cell) -> str:
    """A cell as CSV text: formula-looking text gets a leading ``'``; booleans TRUE/FALSE."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value)
    if value is None:
        return ""
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is datetime:
        return value.isoformat(" ", "seconds")  # type: ignore[union-attr]
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _write_sheet(workbook: Workbook, sheet: Sheet, header: Format, stamp: Format) -> None:
    """Headers, then every row in order (constant-memory mode writes rows once, in order)."""
    worksheet = workbook.add_worksheet(sheet.name)
    for col, title in enumerate(sheet.headers):
        number = sheet.formats.get(col)
        worksheet.set_column(col, col, min(max(len(title), 8) + 2, 40),
                             workbook.add_format({"num_format": number}) if number else None)
    worksheet.write_row(0, 0, sheet.headers, header)
    worksheet.freeze_panes(1, 0)
    last = 0
    for last, row in enumerate(sheet.rows, start=1):
        _write_row(worksheet, last, row, stamp)
    if sheet.headers:
        worksheet.autofilter(0, 0, last, len(sheet.headers) - 1)


def _write_row(worksheet: Worksheet, row: int, values: Row, stamp: Format) -> None:
    """One row, each value by its own type: text is always a string cell."""
    text, number = worksheet.write_string, worksheet.write_number
    for col, value in enumerate(values):
        kind = type(value)
        if kind is str:
            text(row, col, value)  # type: ignore[arg-type]
        elif kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
            number(row, col, value)  # type: ignore[arg-type]
        elif value is None:
            continue
        elif kind is bool:
            worksheet.write_boolean(row, col, value)
        elif kind is float:
            continue  # NaN or infinity: no value
        elif kind is datetime:
            worksheet.write_datetime(row, col, value, stamp)  # type: ignore[arg-type]
        else:
            text(row, col, str(value))

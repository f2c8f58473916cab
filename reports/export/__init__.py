"""The data export: an Excel workbook (XlsxWriter) or one wide CSV, built from an ExportData snapshot.

Pure functions of the data and the instruments: no SQL, no Telegram. Sheets: households, answers
(one row per interview, a code and a label column per question), scores, a per-kelurahan summary,
the instrument and its rubric. The survey round and the instrument version are on every data row.
One module per job: ``common`` (cell and sheet types, texts), ``rows`` (the snapshot joined, the
parts of a row), ``sheets`` (the tables), ``summary`` (the per-kelurahan sheet, the only one that
needs pandas), ``files`` (writing .xlsx and .csv). Importing this package loads neither pandas,
numpy nor XlsxWriter.
"""

from __future__ import annotations

from reports.export.common import (
    DATETIME_FORMAT,
    FORMULA_START,
    LOCALES,
    NOT_STARTED,
    REFUSED,
    WORKBOOK_OPTIONS,
    Cell,
    Row,
    Sheet,
    export_texts,
)
from reports.export.files import build_csv, build_workbook, csv_text, write_workbook

__all__ = [
    "DATETIME_FORMAT",
    "FORMULA_START",
    "LOCALES",
    "NOT_STARTED",
    "REFUSED",
    "WORKBOOK_OPTIONS",
    "Cell",
    "Row",
    "Sheet",
    "build_csv",
    "build_workbook",
    "csv_text",
    "export_texts",
    "write_workbook",
]

"""The agency digest's .xlsx attachment (XlsxWriter, imported when a workbook is written).

Sheets: families needing the agency, shares per kelurahan × indicator, a summary per kelurahan and
notes. Text cells are always text (never formulas, numbers or links).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from flows.i18n import Catalog
from reports.digest.figures import AgencyFigures
from reports.digest.format import Texts

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter import Workbook

EXCEL_MAX_ROWS: Final = 1_048_576
WORKBOOK_OPTIONS: Final[dict[str, Any]] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def digest_workbook(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                    timezone: str = "Asia/Makassar") -> bytes:
    """The .xlsx attachment: families needing the agency, shares per kelurahan × indicator, a summary
    per kelurahan and notes. Text cells are always text (never formulas, numbers or links)."""
    from xlsxwriter import Workbook

    t = Texts(catalog, language)
    buffer = io.BytesIO()
    workbook = Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": t.raw("agency_digest_workbook_title", agency=agency_name),
                             "author": "Tangguh"})
    styles = {"header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
              "share": workbook.add_format({"num_format": "0.0%"}),
              "points": workbook.add_format({"num_format": "+0.0;-0.0;0.0"})}
    written, total = _families_sheet(workbook, figures, t, styles)
    _shares_sheet(workbook, figures, t, styles)
    _summary_sheet(workbook, figures, t, styles)
    _notes_sheet(workbook, figures, t, styles, agency_name, written < total, ZoneInfo(timezone))
    workbook.close()
    return buffer.getvalue()


def _sheet(workbook: Workbook, name: str, headers: list[str], widths: list[int], header: Any) -> Any:
    """A worksheet with a frozen, bold header row."""
    sheet = workbook.add_worksheet(name[:31])
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, headers, header)
    sheet.freeze_panes(1, 0)
    return sheet


def _families_sheet(workbook: Workbook, figures: AgencyFigures, t: Texts,
                    styles: Mapping[str, Any]) -> tuple[int, int]:
    """Household code, head, address, RT/RW, kelurahan, failing indicators ("code name; …"), count."""
    keys = ["code", "head", "address", "rt_rw", "kelurahan", "failing", "failing_count"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_families"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [14, 28, 36, 10, 20, 60, 10],
                   styles["header"])
    frame = figures.families
    names = {i.code: f"{i.code} {i.label(t.language)}" for i in figures.indicators}
    labels: dict[tuple[str, ...], str] = {}
    rows = min(len(frame), EXCEL_MAX_ROWS - 1)
    columns = [_column(frame, c, rows) for c in ("household_code", "head_name", "address", "kelurahan")]
    rt, rw = _column(frame, "rt", rows), _column(frame, "rw", rows)
    failing = frame["failing"].tolist()[:rows]
    for r in range(rows):
        codes = failing[r]
        if codes not in labels:
            labels[codes] = "; ".join(names[c] for c in codes)
        row = r + 1
        sheet.write_string(row, 0, columns[0][r])
        sheet.write_string(row, 1, columns[1][r])
        sheet.write_string(row, 2, columns[2][r])
        sheet.write_string(row, 3, f"{rt[r]}/{rw[r]}")
        sheet.write_string(row, 4, columns[3][r])
        sheet.write_string(row, 5, labels[codes])
        sheet.write_number(row, 6, len(codes))
    sheet.autofilter(0, 0, rows, len(keys) - 1)
    return rows, len(frame)


def _column(frame: pd.DataFrame, name: str, rows: int) -> list[str]:
    """A text column's first ``rows`` values as strings ('' when the column or value is absent)."""
    if name not in frame.columns:
        return [""] * rows
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in frame[name].tolist()[:rows]]


def _shares_sheet(workbook: Workbook, figures: AgencyFigures, t: Texts, styles: Mapping[str, Any]) -> None:
    """One row per kelurahan (the city first) and indicator: failing, answering, share, change."""
    keys = ["kelurahan", "indicator_code", "indicator", "sensitive", "families_failing", "answered", "share",
            "change"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_shares"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [20, 10, 40, 10, 12, 12, 12, 12],
                   styles["header"])
    row = 0
    for area in (figures.city, *figures.areas):
        for k, info in enumerate(figures.indicators):
            row += 1
            sheet.write_string(row, 0, area.name or t.raw("agency_digest_city"))
            sheet.write_string(row, 1, info.code)
            sheet.write_string(row, 2, info.label(t.language))
            sheet.write_string(row, 3, t.raw("agency_digest_yes" if info.sensitive else "agency_digest_no"))
            sheet.write_number(row, 4, area.failing[k])
            sheet.write_number(row, 5, area.answered[k])
            share = area.share(k)
            if share is not None:
                sheet.write_number(row, 6, share, styles["share"])
            change = area.change[k] if figures.compared else None
            if change is not None:
                sheet.write_number(row, 7, change, styles["points"])
    sheet.autofilter(0, 0, row, len(keys) - 1)


def _summary_sheet(workbook: Workbook, figures: AgencyFigures, t: Texts, styles: Mapping[str, Any]) -> None:
    """One row per kelurahan (the city first): families surveyed, assessed, needing the agency."""
    keys = ["kelurahan", "surveyed_total", "surveyed_week", "assessed", "needing_help", "need_share",
            "needing_change", "unlisted"]
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_summary"),
                   [t.raw(f"agency_digest_col_{key}") for key in keys], [20, 12, 12, 12, 12, 12, 12, 16],
                   styles["header"])
    for row, area in enumerate((figures.city, *figures.areas), start=1):
        sheet.write_string(row, 0, area.name or t.raw("agency_digest_city"))
        for col, value in enumerate((area.surveyed_total, area.surveyed_week, area.assessed,
                                     area.needing_help), start=1):
            sheet.write_number(row, col, value)
        if area.need_share is not None:
            sheet.write_number(row, 5, area.need_share, styles["share"])
        if area.needing_change is not None:
            sheet.write_number(row, 6, area.needing_change)
        sheet.write_number(row, 7, area.unlisted)


def _notes_sheet(workbook: Workbook, figures: AgencyFigures, t: Texts, styles: Mapping[str, Any],
                 agency_name: str, truncated: bool, zone: ZoneInfo) -> None:
    """What the workbook holds, for whom, and the rule on sensitive indicators."""
    sheet = _sheet(workbook, t.raw("agency_digest_sheet_notes"), [t.raw("agency_digest_sheet_notes")], [110],
                   styles["header"])
    last_day = figures.week_end.astimezone(zone) - timedelta(microseconds=1)
    notes = [t.raw("agency_digest_workbook_title", agency=agency_name),
             t.raw("agency_digest_note_week", start=figures.week_start.astimezone(zone).date().isoformat(),
                   end=last_day.date().isoformat(), round=figures.survey_round),
             t.raw("agency_digest_legend_plain")]
    if any(i.sensitive for i in figures.indicators):
        notes.append(t.raw("agency_digest_note_sensitive_listed" if figures.lists_sensitive
                           else "agency_digest_note_sensitive_counted"))
    if truncated:
        notes.append(t.raw("agency_digest_note_truncated", rows=EXCEL_MAX_ROWS - 1))
    for row, note in enumerate(notes, start=1):
        sheet.write_string(row, 0, note)

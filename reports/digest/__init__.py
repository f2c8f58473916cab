"""The weekly agency digest (issue 5, item 4) and the admin digest's index figures (item 5).

Pure functions of a snapshot and the instrument: no SQL, no Telegram, no clock. One module per job:

- ``figures``: what each agency is told, as plain data (``digest_figures``; numpy in ``snapshot``);
- ``admin``: the admin digest's mean index and category counts (``admin_figures``);
- ``text``: the digests as Telegram HTML blocks (``digest_blocks``, ``admin_blocks``);
- ``chart``: the PNG attachment (``digest_chart``); ``workbook``: the .xlsx attachment.

Cutting the blocks into messages is the Telegram I/O layer's job (``telegram_io.text.pack_blocks``).

Importing this package loads neither numpy, pandas, matplotlib nor xlsxwriter: each is imported by
the function that needs it.
"""

from __future__ import annotations

from reports.digest.admin import AdminArea, AdminFigures, admin_figures
from reports.digest.chart import digest_chart
from reports.digest.figures import (
    DATA_VERSION,
    LISTING_COLUMNS,
    AgencyFigures,
    AreaFigures,
    IndicatorInfo,
    agency_figures,
    agency_indicators,
    digest_figures,
)
from reports.digest.format import format_change, format_index, format_points, format_share
from reports.digest.text import BLOCK_SEPARATOR, admin_blocks, digest_blocks
from reports.digest.workbook import EXCEL_MAX_ROWS, WORKBOOK_OPTIONS, digest_workbook

__all__ = [
    "BLOCK_SEPARATOR",
    "DATA_VERSION",
    "EXCEL_MAX_ROWS",
    "LISTING_COLUMNS",
    "WORKBOOK_OPTIONS",
    "AdminArea",
    "AdminFigures",
    "AgencyFigures",
    "AreaFigures",
    "IndicatorInfo",
    "admin_blocks",
    "admin_figures",
    "agency_figures",
    "agency_indicators",
    "digest_blocks",
    "digest_chart",
    "digest_figures",
    "digest_workbook",
    "format_change",
    "format_index",
    "format_points",
    "format_share",
]

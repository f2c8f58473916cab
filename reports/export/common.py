"""What every part of the data export shares: the cell and sheet types, constants, its texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml  # already loaded by flows.instrument

Cell = str | int | float | bool | datetime | None
Row = list[Cell]

LOCALES: Final = Path(__file__).resolve().parents[2] / "locales"
"""The folder of the locale files (``locales/<language>/export.yaml``)."""
REFUSED: Final = "refused"
"""The code column's value for "Tidak ingin menjawab"."""
NOT_STARTED: Final = "not_started"
"""The interview status of a household with no interview in the round."""
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS: Final[dict[str, Any]] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table: a name, its headers, its rows (produced lazily) and number formats by column."""

    name: str
    headers: list[str]
    rows: Iterable[Row]
    formats: dict[int, str] = field(default_factory=dict)


@lru_cache(maxsize=8)
def export_texts(language: str) -> Mapping[str, str]:
    """The export's texts in ``language`` (``locales/<language>/export.yaml``; Indonesian if absent)."""
    path = LOCALES / language / "export.yaml"
    if not (language.isalpha() and path.is_file()):
        path = LOCALES / "id" / "export.yaml"
    return MappingProxyType(dict(yaml.safe_load(path.read_text(encoding="utf-8"))))

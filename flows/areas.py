"""Matching what people type against the city's kelurahan and the agency codes, forgivingly."""

from __future__ import annotations

import re
from collections.abc import Iterable


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def match_name(typed: str, known: Iterable[str]) -> str | None:
    """The known name ``typed`` means, ignoring case, spaces and punctuation
    ("guntung  manggis", "Guntung-Manggis" → "Guntung Manggis"); None when none or several."""
    wanted = _key(typed)
    found = [name for name in known if _key(name) == wanted]
    return found[0] if len(found) == 1 and wanted else None

"""The kader's household list: order, search and pages. Pure; handlers render it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from flows.paging import Page, paginate

PAGE_SIZE = 8


class Stage(IntEnum):
    """Where a household's interview stands; the value is its place in the list."""

    DRAFT = 0
    NOT_STARTED = 1
    SUBMITTED = 2


@dataclass(frozen=True, slots=True)
class HouseholdStatus:
    """One line of the list."""

    household_id: int
    code: str
    head_name: str
    stage: Stage
    answered: int = 0
    total: int = 0
    index: float | None = None
    category: str | None = None


def _folded(text: str) -> str:
    """Case- and accent-insensitive form for matching what a kader types."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def household_page(households: Sequence[HouseholdStatus], page: int = 0, query: str = "",
                   size: int = PAGE_SIZE) -> Page[HouseholdStatus]:
    """Drafts first, then not started, then submitted (each by code); filtered by ``query``
    (part of the code or the head's name); ``page`` is clamped to the pages there are."""
    wanted = _folded(query)
    matching = [h for h in households
                if not wanted or wanted in _folded(h.code) or wanted in _folded(h.head_name)]
    ordered = sorted(matching, key=lambda h: (h.stage, h.code))
    return paginate(ordered, page, size)

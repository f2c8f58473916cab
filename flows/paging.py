"""Paging a long list: which items a page shows and whether pages come before or after it. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; ``number`` counts from 0, ``count`` is at least 1, ``total`` the items."""

    items: tuple[T, ...]
    number: int
    count: int
    total: int

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number + 1 < self.count


def paginate(items: Sequence[T], page: int, size: int) -> Page[T]:
    """Page ``page`` (from 0, clamped to the pages there are) of ``items``, ``size`` to a page."""
    if size < 1:
        raise ValueError(f"page size must be at least 1, not {size}")
    count = max(1, -(-len(items) // size))
    number = min(max(page, 0), count - 1)
    return Page(tuple(items[number * size:(number + 1) * size]), number, count, len(items))

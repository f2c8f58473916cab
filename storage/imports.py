"""Household imports: pending plans and their application (filled in by the import work)."""

from __future__ import annotations

from storage.base import Table


class Imports(Table):
    """Pending and applied household imports."""

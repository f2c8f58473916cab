"""Read-only queries behind the Excel and CSV exports (filled in by the export work)."""

from __future__ import annotations

from storage.base import Table


class Exports(Table):
    """Everything an export needs, read in a few set-based queries."""

"""Where these names used to live (``storage.records`` and ``storage.sqlite.imports`` now); kept so
existing imports keep working."""

from __future__ import annotations

from storage.records import ApplyResult, ImportRecord, ImportStatus
from storage.sqlite.imports import MAX_FILE_NAME, Imports

__all__ = ["MAX_FILE_NAME", "ApplyResult", "ImportRecord", "ImportStatus", "Imports"]

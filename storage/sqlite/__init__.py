"""The SQLite backend: the only module that knows SQLite's dialect (``?`` parameters, JSON functions,
PRAGMAs, BEGIN IMMEDIATE, lastrowid, the online backup) and its numbered migrations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from storage.convert import utc_now
from storage.sqlite.database import Database


async def open_sqlite(path: str | Path, *, clock: Callable[[], datetime] = utc_now) -> Database:
    """Open (creating if needed) and migrate the SQLite file at ``path``; StorageError on failure."""
    return await Database.open(path, clock=clock)


__all__ = ["Database", "open_sqlite"]

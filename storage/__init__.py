"""Storage: the only place that holds SQL. ``storage.interface`` says what may be asked of it,
``storage.records`` what it answers with, ``storage.sqlite`` does it for SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.repository import Repository

_POSTGRES = ("postgres://", "postgresql://")


async def open_repository(path_or_url: str | Path, *,
                          clock: Callable[[], datetime] | None = None) -> Repository:
    """Open (creating and migrating if needed) the database at a file path or URL, as a repository.

    A path is a SQLite file; ``postgresql://`` is reserved for a PostgreSQL backend (not written yet).
    StorageError names the fix when it cannot be opened.
    """
    from storage.convert import utc_now
    from storage.repository import Repository
    from storage.sqlite import open_sqlite

    if str(path_or_url).startswith(_POSTGRES):
        raise StorageError(f"{path_or_url}: PostgreSQL is not supported yet; give a SQLite file path")
    return Repository(await open_sqlite(path_or_url, clock=clock or utc_now))


__all__ = ["StorageError", "open_repository"]

"""Where these names used to live: the SQLite connection is now ``storage.sqlite.database`` and the
conversions ``storage.convert``. Kept so existing imports keep working."""

from __future__ import annotations

from storage.convert import from_db_time, to_db_time, utc_now
from storage.errors import StorageError
from storage.sqlite.database import MIGRATIONS_DIR, Database, Migration, find_migrations

__all__ = ["MIGRATIONS_DIR", "Database", "Migration", "StorageError", "find_migrations", "from_db_time",
           "to_db_time", "utc_now"]

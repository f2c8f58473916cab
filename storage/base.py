"""Where these names used to live (``storage.convert`` and ``storage.sqlite.table`` now); kept so
existing imports keep working."""

from __future__ import annotations

from storage.convert import R, answer_of, dumps, record
from storage.sqlite.table import Table, insertion

__all__ = ["R", "Table", "answer_of", "dumps", "insertion", "record"]

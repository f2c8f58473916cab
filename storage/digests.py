"""Where these names used to live (``storage.records``, ``storage.frames`` and ``storage.sqlite.digests``
now); kept so existing imports keep working. Importing it does not import pandas."""

from __future__ import annotations

from storage.frames import CODE_OF, FAMILY_COLUMNS, decode_scores
from storage.records import DigestRun, DigestSource
from storage.sqlite.digests import CHUNK_ROWS, Digests, fetch_columns, gc_paused, read_source

__all__ = ["CHUNK_ROWS", "CODE_OF", "FAMILY_COLUMNS", "DigestRun", "DigestSource", "Digests", "decode_scores",
           "fetch_columns", "gc_paused", "read_source"]

"""Where these names used to live (``storage.records`` and ``storage.sqlite.exports`` now); kept so
existing imports keep working."""

from __future__ import annotations

from storage.records import AnswerRow, ExportData, HouseholdRow, InterviewRow, ScoreRow
from storage.sqlite.exports import CHUNK_ROWS, Exports

__all__ = ["CHUNK_ROWS", "AnswerRow", "ExportData", "Exports", "HouseholdRow", "InterviewRow", "ScoreRow"]

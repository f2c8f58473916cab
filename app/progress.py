"""The survey's progress for /progress: per kelurahan and kader, households assigned, started and
submitted and the mean index; a coordinator sees their own kelurahan only."""

from __future__ import annotations

from dataclasses import dataclass

from app.services import Services
from reports.progress import AreaTotals, progress_lines
from storage.records import Person, ProgressRow


@dataclass(frozen=True, slots=True)
class Progress:
    """The rows the viewer may see, as text lines (Telegram HTML, their language) and area totals."""

    rows: list[ProgressRow]
    lines: list[str]
    areas: list[AreaTotals]


@dataclass(frozen=True, slots=True)
class NoProgress:
    """Nothing assigned yet (in the viewer's kelurahan)."""


async def progress(svc: Services, viewer: Person) -> Progress | NoProgress:
    """The current round's progress as ``viewer`` may see it."""
    survey_round = svc.settings.survey_round
    rows = await svc.repository.households.progress(survey_round)
    if viewer.role == "coordinator":
        rows = [row for row in rows if row.kelurahan == viewer.kelurahan]
    if not rows:
        return NoProgress()
    lines, areas = progress_lines(rows, svc.catalog, viewer.language, survey_round)
    return Progress(rows, lines, areas)

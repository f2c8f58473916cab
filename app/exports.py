"""The data export of the current round, shared by the chat's /export and the command line's
``export``: a snapshot read through the repository, made into an Excel workbook or one CSV table,
and an audit entry (who exported how many households)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from app.services import Services

Format = Literal["xlsx", "csv"]


@dataclass(frozen=True, slots=True)
class Exported:
    """The file's bytes, a name for it, and what it holds."""

    content: bytes
    file_name: str
    survey_round: str
    households: int
    interviews: int


def format_for(file_name: str) -> Format:
    """The format a file name asks for: CSV for ``.csv``, else Excel."""
    return "csv" if file_name.lower().endswith(".csv") else "xlsx"


async def export(svc: Services, actor_id: int | None, *, file_format: Format = "xlsx",
                 language: str | None = None) -> Exported:
    """Everything of the current round as a file (texts in ``language``, default the bot's);
    audited as done by ``actor_id`` (None: the server's command line)."""
    from reports.export import build_csv, build_workbook  # pandas and XlsxWriter only when exporting

    settings = svc.settings
    survey_round = settings.survey_round
    data = await svc.repository.exports.snapshot(survey_round)
    instruments = {i.content_hash: i for i in svc.instruments}
    language = language or settings.default_language
    build = build_csv if file_format == "csv" else build_workbook
    content = await asyncio.to_thread(build, data, instruments, language=language,
                                      timezone=settings.timezone)
    await svc.repository.audit.log(actor_id, f"export.{file_format}", f"round:{survey_round}",
                                   {"households": len(data.households)})
    return Exported(content, f"tangguh-{survey_round}.{file_format}", survey_round,
                    len(data.households), len(data.interviews))

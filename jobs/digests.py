"""The weekly digest: compute every agency's figures once, keep them, and queue each agency
contact's messages (text parts, chart, workbook) in the outbox. Sending is the outbox's job."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.i18n import Catalog
from flows.instrument import Instrument
from flows.schedule import week_bounds, week_period
from jobs.outbox import DocumentMessage, PhotoMessage, TextMessage, enqueue
from reports.digest import AgencyFigures, digest_chart, digest_figures, digest_text, digest_workbook
from settings import Settings
from storage.records import Person
from storage.repository import Repository

log = logging.getLogger(__name__)

TEXT_PARTS = 20
"""The most text messages one digest may take (a kind each: ``digest:text:1`` …)."""


@dataclass(frozen=True, slots=True)
class DigestFiles:
    """Where an agency's chart and workbook for one period and language are kept."""

    chart: Path
    workbook: Path


async def compute_week(repo: Repository, settings: Settings, instrument: Instrument,
                       period: str) -> dict[str, AgencyFigures]:
    """Every agency's figures for the week before ``period`` (a Monday digest shows last week),
    compared with the previous digest, and stored for next week's comparison."""
    zone = ZoneInfo(settings.timezone)
    start, _ = week_bounds(period, zone)
    codes = [indicator.code for _, _, indicator in instrument.indicators()]
    source = await repo.digests.source(settings.survey_round, codes)
    previous = {agency: AgencyFigures.from_data(run.figures)
                for agency, run in (await repo.digests.previous_all(period)).items()
                if not agency.startswith("_")}
    figures = await asyncio.to_thread(
        digest_figures, source.matrix, source.families, instrument, settings.agency_codes,
        survey_round=settings.survey_round, week_start=start - timedelta(days=7), week_end=start,
        protection_unit=settings.digest.protection_unit, previous=previous, areas=settings.kelurahan)
    for agency, agency_figures in figures.items():
        await repo.digests.save(agency, period, agency_figures.to_data())
    return figures


async def queue_agency_digests(repo: Repository, settings: Settings, catalog: Catalog,
                               figures: dict[str, AgencyFigures], period: str, folder: Path) -> int:
    """Queue each active agency contact's digest; returns how many messages were newly queued."""
    names = {agency.code: agency.name for agency in settings.agencies}
    contacts = [p for p in await repo.people.list("agency")
                if p.active and p.telegram_user_id is not None and p.agency_code in figures]
    rendered: dict[tuple[str, str], DigestFiles] = {}
    queued = 0
    for person in contacts:
        agency = person.agency_code or ""
        key = (agency, person.language)
        if key not in rendered:
            rendered[key] = await _render(figures[agency], catalog, person.language, names[agency],
                                          settings.timezone, folder / period)
        queued += await _queue_one(repo, person, period, figures[agency], catalog, names[agency],
                                   rendered[key], settings.timezone)
    log.info("digest %s: %d messages queued for %d contacts", period, queued, len(contacts))
    return queued


async def _render(figures: AgencyFigures, catalog: Catalog, language: str, name: str, timezone: str,
                  folder: Path) -> DigestFiles:
    """The chart and the workbook, drawn off the event loop and kept on disk until sent."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{figures.agency}-{language}"
    files = DigestFiles(stem.with_suffix(".png"), stem.with_suffix(".xlsx"))
    chart = await asyncio.to_thread(digest_chart, figures, catalog, language, name)
    workbook = await asyncio.to_thread(digest_workbook, figures, catalog, language, name,
                                       timezone=timezone)
    files.chart.write_bytes(chart)
    files.workbook.write_bytes(workbook)
    return files


async def _queue_one(repo: Repository, person: Person, period: str, figures: AgencyFigures,
                     catalog: Catalog, name: str, files: DigestFiles, timezone: str) -> int:
    chat = person.telegram_user_id or 0
    parts = digest_text(figures, catalog, person.language, name, timezone=timezone)[:TEXT_PARTS]
    messages: list[tuple[str, TextMessage | PhotoMessage | DocumentMessage]] = [
        (f"digest:text:{n}", TextMessage(text=part)) for n, part in enumerate(parts, start=1)]
    messages.append(("digest:chart", PhotoMessage(file=str(files.chart))))
    messages.append(("digest:excel", DocumentMessage(file=str(files.workbook),
                                                     filename=f"tangguh-{figures.agency}-{period}.xlsx")))
    queued = 0
    for kind, message in messages:
        queued += await enqueue(repo.outbox, kind, period, person.id, chat, message)
    return queued


def this_week(now: datetime, timezone: str) -> str:
    """The digest period a moment belongs to."""
    return week_period(now, ZoneInfo(timezone))

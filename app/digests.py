"""The weekly digests: a week's figures, each official's digest and the admins' digest queued in the
outbox (rows first, messages second: nobody gets a week's digest twice), an official's own digest
on demand, and an admin's preview of every agency's digest.

Texts are HTML blocks; the caller hands in the channel's :class:`~app.outbox.Packer` that cuts them
into messages. Charts and workbooks are drawn off the event loop and kept in the files folder until
the outbox sends them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from app.outbox import DocumentMessage, Message, Packer, PhotoMessage, TextMessage, enqueue
from app.services import Services
from flows.schedule import due_digest_period, week_bounds, week_period
from reports.digest import (
    BLOCK_SEPARATOR,
    AgencyFigures,
    admin_blocks,
    admin_figures,
    digest_blocks,
    digest_chart,
    digest_figures,
    digest_workbook,
)
from reports.progress import progress_lines
from storage.records import Person

log = logging.getLogger(__name__)

ADMIN_RUN = "_admin"
"""The digest run that marks a week's digest as queued (and keeps the city's figures)."""
TEXT_PARTS = 20
"""The most text messages one agency digest may take (a kind each: ``digest:text:1`` …)."""


# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekQueued:
    """The week's digest is queued for every official and admin; ``messages`` newly queued now."""

    period: str
    messages: int


@dataclass(frozen=True, slots=True)
class NotDue:
    """The week's digest time has not come yet, or the week's digest is already queued."""

    period: str


@dataclass(frozen=True, slots=True)
class OwnDigest:
    """An official's digest of this week, to send at once: text blocks, chart and workbook."""

    period: str
    blocks: list[str]
    chart: bytes
    workbook: bytes
    filename: str

    def messages(self, pack: Packer) -> list[str]:
        """The text as messages, packed by the channel."""
        return pack(self.blocks, separator=BLOCK_SEPARATOR)


@dataclass(frozen=True, slots=True)
class PreviewQueued:
    """Every agency's digest text queued to the admin; ``messages`` newly queued."""

    period: str
    messages: int


@dataclass(frozen=True, slots=True)
class DigestFiles:
    """Where an agency's chart and workbook for one period and language are kept."""

    chart: Path
    workbook: Path


# --- use cases ------------------------------------------------------------------------------


async def queue_week(svc: Services, now: datetime, *, pack: Packer, force: bool = False,
                     files: Path | None = None) -> WeekQueued | NotDue:
    """This week's digest, once its time has passed (also after a restart later in the week);
    ``force``: now, whatever the time (still nobody receives a message twice). Chart and workbook
    files go to ``files`` (default: the services' files folder)."""
    settings, repo, zone = svc.settings, svc.repository, svc.zone
    period = week_period(now, zone)
    if not force:
        queued = {period} if await repo.digests.get(ADMIN_RUN, period) else set()
        if due_digest_period(now, zone, settings.schedule.digest_day, settings.schedule.digest_time,
                             queued) is None:
            return NotDue(period)
    figures = await compute_week(svc, period)
    messages = await queue_agency_digests(svc, figures, period, files or svc.files_folder, pack=pack)
    messages += await queue_admin_digest(svc, period, pack=pack)
    return WeekQueued(period, messages)


async def send_now(svc: Services, admin: Person, *, pack: Packer) -> WeekQueued:
    """An admin's "send this week's digest now": queued whatever the time, and audited."""
    outcome = await queue_week(svc, svc.clock(), pack=pack, force=True)
    assert isinstance(outcome, WeekQueued)  # forced: always queued
    await svc.repository.audit.log(admin.id, "digest.send", f"period:{outcome.period}")
    return outcome


async def own_digest(svc: Services, official: Person) -> OwnDigest:
    """An official's digest of this week, computed now (and kept for next week's comparison)."""
    settings = svc.settings
    period = week_period(svc.clock(), svc.zone)
    code = official.agency_code or ""
    figures = (await compute_week(svc, period))[code]
    name = next((a.name for a in settings.agencies if a.code == code), code)
    language = official.language
    blocks = digest_blocks(figures, svc.catalog, language, name, timezone=settings.timezone)
    chart = await asyncio.to_thread(digest_chart, figures, svc.catalog, language, name)
    workbook = await asyncio.to_thread(digest_workbook, figures, svc.catalog, language, name,
                                       timezone=settings.timezone)
    return OwnDigest(period, blocks, chart, workbook, f"tangguh-{figures.agency}-{period}.xlsx")


async def queue_preview(svc: Services, admin: Person, *, pack: Packer) -> PreviewQueued:
    """Every agency's digest text, in the admin's language, queued to the admin (it is many
    messages); each preview is a run of its own, so asking again shows it again."""
    settings, repo = svc.settings, svc.repository
    now = svc.clock()
    period = week_period(now, svc.zone)
    figures = await compute_week(svc, period)
    names = {a.code: a.name for a in settings.agencies}
    run = f"{period}@{now:%Y%m%dT%H%M%S}"
    queued = 0
    for agency, agency_figures in figures.items():
        if not agency_figures.indicators:
            continue
        blocks = digest_blocks(agency_figures, svc.catalog, admin.language, names[agency],
                               timezone=settings.timezone)
        for number, part in enumerate(pack(blocks, separator=BLOCK_SEPARATOR), start=1):
            queued += await enqueue(repo.outbox, f"preview:{agency}:{number}", run, admin.id,
                                    admin.telegram_user_id or 0, TextMessage(text=part))
    return PreviewQueued(period, queued)


# --- the steps ------------------------------------------------------------------------------


async def compute_week(svc: Services, period: str) -> dict[str, AgencyFigures]:
    """Every agency's figures for the week before ``period`` (a Monday digest shows last week),
    compared with the previous digest, and stored for next week's comparison."""
    settings, repo, instrument = svc.settings, svc.repository, svc.instrument
    start, _ = week_bounds(period, svc.zone)
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


async def queue_agency_digests(svc: Services, figures: dict[str, AgencyFigures], period: str,
                               folder: Path, *, pack: Packer) -> int:
    """Queue each active agency contact's digest; returns how many messages were newly queued."""
    names = {agency.code: agency.name for agency in svc.settings.agencies}
    contacts = [p for p in await svc.repository.people.list("agency")
                if p.active and p.telegram_user_id is not None and p.agency_code in figures]
    rendered: dict[tuple[str, str], DigestFiles] = {}
    queued = 0
    for person in contacts:
        agency = person.agency_code or ""
        key = (agency, person.language)
        if key not in rendered:
            rendered[key] = await _render(svc, figures[agency], person.language, names[agency],
                                          folder / period)
        queued += await _queue_one(svc, person, period, figures[agency], names[agency], rendered[key],
                                   pack)
    log.info("digest %s: %d messages queued for %d contacts", period, queued, len(contacts))
    return queued


async def queue_admin_digest(svc: Services, period: str, *, pack: Packer) -> int:
    """Queue the admins' digest (progress, index figures, how last week's broadcast went), then mark
    the week's digest as queued; returns how many messages were newly queued."""
    repo, settings, catalog = svc.repository, svc.settings, svc.catalog
    codes = [indicator.code for _, _, indicator in svc.instrument.indicators()]
    source = await repo.digests.source(settings.survey_round, codes)
    figures = admin_figures(source.families, svc.instrument, survey_round=settings.survey_round,
                            areas=settings.kelurahan)
    # The delivery report of the previous broadcast (this week's is only being queued now).
    previous = week_period(week_bounds(period, svc.zone)[0] - timedelta(days=1), svc.zone)
    delivery = await repo.outbox.report("digest", previous)
    queued = 0
    for admin in await repo.people.list("admin"):
        if not admin.active or admin.telegram_user_id is None:
            continue
        language = admin.language
        progress, _ = progress_lines(await repo.households.progress(settings.survey_round), catalog,
                                     language, settings.survey_round)
        blocks = ["\n".join(progress), *admin_blocks(figures, catalog, language)]
        if delivery.total:
            blocks.append(catalog.text(
                language, "digest_delivery", period=delivery.period, sent=delivery.counts["sent"],
                failed=delivery.counts["failed"], inactive=delivery.counts["inactive"],
                names=", ".join(escape(r.name) for r in delivery.unreachable) or "–"))
        for number, part in enumerate(pack(blocks, separator=BLOCK_SEPARATOR), start=1):
            queued += await enqueue(repo.outbox, f"admin-digest:{number}", period, admin.id,
                                    admin.telegram_user_id, TextMessage(text=part))
    await repo.digests.save(ADMIN_RUN, period, figures.to_data())  # last: a crash before it redoes all
    return queued


async def _render(svc: Services, figures: AgencyFigures, language: str, name: str,
                  folder: Path) -> DigestFiles:
    """The chart and the workbook, drawn off the event loop and kept on disk until sent."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{figures.agency}-{language}"
    files = DigestFiles(stem.with_suffix(".png"), stem.with_suffix(".xlsx"))
    chart = await asyncio.to_thread(digest_chart, figures, svc.catalog, language, name)
    workbook = await asyncio.to_thread(digest_workbook, figures, svc.catalog, language, name,
                                       timezone=svc.settings.timezone)
    await asyncio.to_thread(files.chart.write_bytes, chart)
    await asyncio.to_thread(files.workbook.write_bytes, workbook)
    return files


async def _queue_one(svc: Services, person: Person, period: str, figures: AgencyFigures, name: str,
                     files: DigestFiles, pack: Packer) -> int:
    """One official's rows: the text parts, the chart, the workbook."""
    chat = person.telegram_user_id or 0
    blocks = digest_blocks(figures, svc.catalog, person.language, name, timezone=svc.settings.timezone)
    parts = pack(blocks, separator=BLOCK_SEPARATOR)[:TEXT_PARTS]
    messages: list[tuple[str, Message]] = [
        (f"digest:text:{n}", TextMessage(text=part)) for n, part in enumerate(parts, start=1)]
    messages.append(("digest:chart", PhotoMessage(file=str(files.chart))))
    messages.append(("digest:excel", DocumentMessage(file=str(files.workbook),
                                                     filename=f"tangguh-{figures.agency}-{period}.xlsx")))
    queued = 0
    for kind, message in messages:
        queued += await enqueue(svc.repository.outbox, kind, period, person.id, chat, message)
    return queued

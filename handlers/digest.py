"""/digest: an official's latest digest now; for admins, a preview of every agency's digest, or
queuing this week's digest now (idempotent: nobody receives it twice)."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update

from flows.schedule import week_period
from handlers.context import TangguhContext
from handlers.home import present
from handlers.permissions import requires
from handlers.views import Screens, View
from jobs.digests import compute_week
from jobs.outbox import TextMessage, enqueue
from reports.digest import digest_chart, digest_text, digest_workbook


@requires("digest")
async def digest(update: Update, context: TangguhContext) -> None:
    """/digest for an official; /digest preview or /digest send for an admin."""
    person = context.member
    word = (context.args or [""])[0].casefold()
    if person.role == "agency":
        await _own_digest(context)
    elif word == "preview":
        await _preview(context)
    elif word == "send":
        await _send_now(context)
    else:
        await present(context, View(Screens(context.svc, person).t("digest_usage")), None)


async def _own_digest(context: TangguhContext) -> None:
    svc, person = context.svc, context.member
    settings = svc.settings
    period = week_period(svc.clock(), svc.zone)
    figures = (await compute_week(svc.repository, settings, svc.instrument, period))[person.agency_code or ""]
    name = next((a.name for a in settings.agencies if a.code == person.agency_code), person.agency_code or "")
    chat = person.telegram_user_id or 0
    for part in digest_text(figures, svc.catalog, person.language, name, timezone=settings.timezone):
        await context.bot.send_message(chat, part)
    chart = await asyncio.to_thread(digest_chart, figures, svc.catalog, person.language, name)
    workbook = await asyncio.to_thread(digest_workbook, figures, svc.catalog, person.language, name,
                                       timezone=settings.timezone)
    await context.bot.send_photo(chat, chart)
    file = InputFile(workbook, filename=f"tangguh-{figures.agency}-{period}.xlsx")
    await context.bot.send_document(chat, file)


async def _preview(context: TangguhContext) -> None:
    """Every agency's digest text, to the admin, through the outbox (it is many messages)."""
    svc, admin = context.svc, context.member
    settings, repo = svc.settings, svc.repository
    now = svc.clock()
    period = week_period(now, svc.zone)
    figures = await compute_week(repo, settings, svc.instrument, period)
    names = {a.code: a.name for a in settings.agencies}
    run = f"{period}@{now:%Y%m%dT%H%M%S}"
    queued = 0
    for agency, agency_figures in figures.items():
        if not agency_figures.indicators:
            continue
        parts = digest_text(agency_figures, svc.catalog, admin.language, names[agency],
                            timezone=settings.timezone)
        for number, part in enumerate(parts, start=1):
            queued += await enqueue(repo.outbox, f"preview:{agency}:{number}", run, admin.id,
                                    admin.telegram_user_id or 0, TextMessage(text=part))
    await present(context, View(Screens(svc, admin).t("digest_preview_queued", count=queued)), None)
    _send_in_background(context)


async def _send_now(context: TangguhContext) -> None:
    """This week's digest to every official now; a second call sends nobody anything twice."""
    svc, admin = context.svc, context.member
    assert svc.scheduler is not None
    period = await svc.scheduler.queue_digest_if_due(svc.clock(), force=True)
    await svc.repository.audit.log(admin.id, "digest.send", f"period:{period}")
    await present(context, View(Screens(svc, admin).t("digest_send_queued", period=period or "")), None)
    _send_in_background(context)


def _send_in_background(context: TangguhContext) -> None:
    """Drain the outbox now without holding up the admin's chat (1 message a second per chat)."""
    scheduler = context.svc.scheduler
    if scheduler is not None:
        context.application.create_task(scheduler.sender.drain(now=context.svc.clock, until_empty=False),
                                        name="tangguh-digest-now")

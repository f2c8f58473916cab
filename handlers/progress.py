"""/progress (admins, and coordinators for their own kelurahan) and /audit (admins)."""

from __future__ import annotations

import asyncio

from telegram import Update

from app import audit, progress
from app.progress import NoProgress
from handlers.context import TangguhContext
from handlers.home import present
from handlers.permissions import requires
from handlers.prompts import when
from handlers.views import Screens
from telegram_io.screens import View


@requires("progress")
async def progress_command(update: Update, context: TangguhContext) -> None:
    """/progress: per kelurahan and kader, assigned / started / submitted and the mean index (in as
    many messages as it takes, never cut inside a tag), then a chart per kelurahan."""
    from reports.charts import progress_chart  # matplotlib only when a chart is drawn

    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    outcome = await progress.progress(svc, person)
    if isinstance(outcome, NoProgress):
        await present(context, View(screens.t("progress_empty")), None)
        return
    await present(context, View("\n".join(outcome.lines)), None)  # split between lines when long
    areas = outcome.areas
    picture = await asyncio.to_thread(
        progress_chart, [a.kelurahan for a in areas], [a.assigned for a in areas],
        [a.started for a in areas], [a.submitted for a in areas], title=screens.t("chart_title"),
        labels=(screens.t("chart_assigned"), screens.t("chart_started"), screens.t("chart_submitted")))
    await context.bot.send_photo(person.telegram_user_id or 0, picture)


@requires("audit")
async def audit_command(update: Update, context: TangguhContext) -> None:
    """/audit: the latest entries of the audit log."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    entries = await audit.latest(svc)
    if not entries:
        await present(context, View(screens.t("audit_empty")), None)
        return
    lines = [screens.t("audit_title")] + [
        screens.t("audit_line", when=when(svc.settings, admin, line.entry.at),
                  actor=line.actor if line.actor is not None else screens.t("audit_server"),
                  action=line.entry.action, subject=line.entry.subject) for line in entries]
    await present(context, View("\n".join(lines)), None)

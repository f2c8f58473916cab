"""/digest: an official's latest digest now; for admins, a preview of every agency's digest, or
queuing this week's digest now (idempotent: nobody receives it twice)."""

from __future__ import annotations

from telegram import InputFile, Update

from app import digests
from app.services import TICK_JOB
from handlers.context import TangguhContext
from handlers.home import present
from handlers.permissions import requires
from handlers.views import Screens
from telegram_io.screens import View
from telegram_io.text import pack_blocks


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
    """The official's digest of this week, sent at once: text, chart, workbook."""
    person = context.member
    outcome = await digests.own_digest(context.svc, person)
    chat = person.telegram_user_id or 0
    for part in outcome.messages(pack_blocks):
        await context.bot.send_message(chat, part)
    await context.bot.send_photo(chat, outcome.chart)
    await context.bot.send_document(chat, InputFile(outcome.workbook, filename=outcome.filename))


async def _preview(context: TangguhContext) -> None:
    """Every agency's digest text, to the admin, through the outbox (it is many messages)."""
    svc, admin = context.svc, context.member
    outcome = await digests.queue_preview(svc, admin, pack=pack_blocks)
    await present(context, View(Screens(svc, admin).t("digest_preview_queued", count=outcome.messages)),
                  None)
    _send_in_background(context)


async def _send_now(context: TangguhContext) -> None:
    """This week's digest to every official now; a second call sends nobody anything twice."""
    svc, admin = context.svc, context.member
    outcome = await digests.send_now(svc, admin, pack=pack_blocks)
    await present(context, View(Screens(svc, admin).t("digest_send_queued", period=outcome.period)), None)
    _send_in_background(context)


def _send_in_background(context: TangguhContext) -> None:
    """Run the scheduler's tick now, as a job of its own, so the outbox is drained without holding
    up the admin's chat (1 message a second per chat); a tick already under way finishes first."""
    queue = context.job_queue
    if queue is None:
        return
    for job in queue.get_jobs_by_name(TICK_JOB)[:1]:
        # Not ``job.enabled``: PTB's Job of a job added before the scheduler started keeps saying False.
        queue.run_once(job.callback, 0, name=f"{TICK_JOB}-now")

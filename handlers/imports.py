"""/import (a household file, checked row by row, previewed, then applied or cancelled) and
/template (the file to fill in)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Update

from app import imports
from app.imports import Gone, Previewed, RefusedFile, Unreadable
from flows.callbacks import CancelButton, ConfirmButton
from flows.imports import rejection_lines
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.permissions import requires
from handlers.prompts import cancel_button
from handlers.views import Screens
from telegram_io.screens import Notice, View
from telegram_io.text import fit_html


@requires("import")
async def import_command(update: Update, context: TangguhContext) -> None:
    """/import: wait for a household file."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    await imports.wait_for_file(svc, admin.id)
    await present(context, View(screens.t("import_ask_file"),
                                InlineKeyboardMarkup([[cancel_button(screens, admin)]])), None)


@requires("template")
async def template(update: Update, context: TangguhContext) -> None:
    """/template: the import template as an Excel file."""
    screens = Screens(context.svc, context.member)
    await context.bot.send_document(context.member.telegram_user_id or 0,
                                    InputFile(await imports.template(), filename=imports.TEMPLATE_NAME),
                                    caption=screens.t("import_template_caption"))


async def waiting(context: TangguhContext) -> bool:
    """Whether the person's open dialog waits for an import file."""
    return await imports.waiting_for_file(context.svc, context.member.id)


async def receive_file(update: Update, context: TangguhContext) -> None:
    """A household file after /import: read, check every row, show the preview with its buttons."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    name = document.file_name or ""
    # A wrong kind of file, or one too large, is refused before it is downloaded.
    outcome = imports.precheck(svc, name, document.file_size)
    if outcome is None:
        data = bytes(await (await document.get_file()).download_as_bytearray())
        outcome = await imports.preview(svc, admin.id, name, data)
    if isinstance(outcome, Unreadable):
        await message.reply_text(outcome.error.message(svc.catalog, admin.language, html=True))
        return
    if isinstance(outcome, RefusedFile):
        await message.reply_text("\n".join(rejection_lines(outcome.plan, svc.catalog, admin.language)))
        return
    await present(context, _preview(screens, outcome), None)


def _preview(screens: Screens, previewed: Previewed) -> View:
    """The counts, every rejected row, and Apply / Cancel (or only: nothing new)."""
    planned = previewed.planned
    lines = rejection_lines(planned.plan, screens.svc.catalog, screens.language)
    text = "\n".join([screens.t("import_preview", file=planned.file_name, **planned.counts), *lines])
    if not planned.changes:
        return View(fit_html(text + "\n\n" + screens.t("import_nothing_new")))
    apply = ConfirmButton(verb="import", subject=previewed.import_id)
    cancel = CancelButton(verb="import", subject=previewed.import_id)
    buttons = [[screens.button("button_yes_import", apply, count=planned.changes),
                screens.button("button_cancel", cancel)]]
    return View(fit_html(text), InlineKeyboardMarkup(buttons))


async def apply(update: Update, context: TangguhContext, import_id: int) -> Notice:
    """"Terapkan": only the preview this admin was shown (another admin's is "gone" to them)."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    outcome = await imports.apply(svc, admin.id, import_id)
    if isinstance(outcome, Gone):
        await present(context, View(screens.t("import_gone")), pressed_message(update))
        return Notice(screens.t("import_gone"))
    result = outcome.result
    skipped = screens.t("import_skipped", count=result.skipped) if result.skipped else ""
    await present(context, View(screens.t("import_applied", added=result.added, updated=result.updated,
                                          skipped=skipped)), pressed_message(update))
    return Notice()

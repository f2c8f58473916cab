"""/export: everything of the current round as an Excel workbook, in the admin's chat."""

from __future__ import annotations

from telegram import InputFile, Update

from app import exports
from handlers.context import TangguhContext
from handlers.permissions import requires
from handlers.views import Screens


@requires("export")
async def export(update: Update, context: TangguhContext) -> None:
    """/export: a note that it is coming, then the workbook (audited)."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    chat = admin.telegram_user_id or 0
    await context.bot.send_message(chat, screens.t("export_preparing"))
    exported = await exports.export(svc, admin.id, file_format="xlsx", language=admin.language)
    caption = screens.t("export_caption", households=exported.households, interviews=exported.interviews)
    await context.bot.send_document(chat, InputFile(exported.content, filename=exported.file_name),
                                    caption=caption)

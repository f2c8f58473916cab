"""Where typed text and files go, after the gate let the person in."""

from __future__ import annotations

from telegram import Update

from handlers import dialogs, survey
from handlers.context import TangguhContext
from handlers.permissions import allowed


async def on_text(update: Update, context: TangguhContext) -> None:
    """Typed text: an open dialog's next step, else the survey (answer or search)."""
    if await dialogs.on_dialog_text(update, context):
        return
    await survey.on_text(update, context)


async def on_document(update: Update, context: TangguhContext) -> None:
    """A file: a household list after /import; anything else gets a hint."""
    if await dialogs.on_document(update, context):
        return
    key = "import_after_command" if allowed(context.person, "import") else "not_understood"
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.svc.text(context.member, key))

"""Greeting, help and the reply to people Tangguh does not know."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from handlers.context import services

log = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: greet a registered person by name; explain Tangguh to anyone else."""
    if update.effective_user is None or update.effective_message is None:
        return
    svc = services(context)
    person = await svc.repository.people.by_telegram_id(update.effective_user.id)
    if person is None or not person.active:
        await update.effective_message.reply_text(
            svc.catalog.text(svc.settings.default_language, "stranger"))
        return
    await update.effective_message.reply_text(
        svc.catalog.text(person.language, "welcome", name=person.name))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: a few lines on what Tangguh is."""
    if update.effective_message is None:
        return
    svc = services(context)
    await update.effective_message.reply_text(svc.catalog.text(svc.settings.default_language, "help"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without message contents and apologise to the person, if there is one."""
    kind = type(update).__name__ if update is not None else "none"
    log.error("error while handling an update (%s)", kind, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        svc = services(context)
        try:
            await context.bot.send_message(
                update.effective_chat.id, svc.catalog.text(svc.settings.default_language,
                                                           "error_apology"))
        except Exception:  # the apology is best effort; the original error is already logged
            log.warning("could not send the apology", exc_info=True)

"""The error handler: an unexpected error gets a short apology to the person, a full log entry, and
a note to the admins; Telegram not answering is no bug and raises no alarm."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from handlers.context import SERVICES_KEY, Services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (no message contents), apologise to the person, tell the admins.

    Telegram not answering (a network error, a 5xx, a 429; not a 400, although PTB's BadRequest
    is a NetworkError too) is no bug: one warning line, a short notice to the person if it gets
    through, and no alarm for the admins. Every answer is committed before its reply is sent, so
    the next press or /survey shows where the interview stands.
    """
    kind = _update_kind(update)
    error = context.error
    if isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest):
        await _network_trouble(update, context, kind)
        return
    log.error("error while handling %s", kind.removeprefix("kind_"), exc_info=context.error)
    svc: Services = context.application.bot_data[SERVICES_KEY]
    person = getattr(context, "person", None)
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            if update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id,
                                               svc.text(person, "error_apology"))
        except TelegramError:
            log.warning("could not send the apology")
    await _tell_admins(context, svc, kind, type(context.error).__name__)


async def _network_trouble(update: object, context: ContextTypes.DEFAULT_TYPE, kind: str) -> None:
    """A failed call to Telegram: one warning line, and a best-effort notice to the person."""
    error = context.error
    log.warning("Telegram call failed while handling %s: %s: %s", kind.removeprefix("kind_"),
                type(error).__name__, " ".join(str(error).split())[:160])
    if not isinstance(update, Update):
        return
    svc: Services = context.application.bot_data[SERVICES_KEY]
    text = svc.text(getattr(context, "person", None), "network_trouble")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the person about the failed call either")


async def _tell_admins(context: ContextTypes.DEFAULT_TYPE, svc: Services, kind: str, error: str) -> None:
    if svc.repo is None:
        return
    for admin in await svc.repository.people.list("admin"):
        if not admin.active or admin.telegram_user_id is None:
            continue
        try:
            await context.bot.send_message(admin.telegram_user_id, svc.catalog.text(
                admin.language, "admin_error_notice", error=html.escape(error),
                kind=svc.catalog.text(admin.language, kind)))
        except TelegramError:
            log.warning("could not notify admin %s", admin.id)


def _update_kind(update: object) -> str:
    """What was being handled, as a locale key (``kind_button``...)."""
    if not isinstance(update, Update):
        return "kind_job"
    if update.callback_query is not None:
        return "kind_button"
    return "kind_message" if update.message is not None else "kind_update"

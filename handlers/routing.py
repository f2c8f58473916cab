"""Where every button press and every typed text goes, after the gate let the person in."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from flows.callbacks import Action, decode
from handlers import account, admin, survey
from handlers.context import TangguhContext
from handlers.permissions import allowed, button_allowed
from handlers.views import Notice

log = logging.getLogger(__name__)

ROUTES = {**survey.ROUTES, **admin.ROUTES, Action.LANGUAGE: account.choose_language}
CONFIRMABLE = {Action.ASK, Action.CONFIRM, Action.CANCEL}


async def on_button(update: Update, context: TangguhContext) -> None:
    """Every inline button: parse, check the role, route, and answer the callback query once."""
    query = update.callback_query
    assert query is not None
    person = context.member
    callback = decode(query.data)
    if callback is None:
        log.warning("refused malformed button data from person %s", person.id)
        notice = Notice(context.svc.text(person, "unknown_button"), alert=True)
    elif not button_allowed(person, callback.action,
                            callback.verb if callback.action in CONFIRMABLE else None):
        log.warning("refused button %s for person %s (%s)", callback.action.name, person.id, person.role)
        notice = Notice(context.svc.text(person, "not_allowed"), alert=True)
    else:
        notice = await ROUTES[callback.action](update, context, callback)
    try:
        await query.answer(notice.text, show_alert=notice.alert)
    except BadRequest:  # the same press delivered twice: Telegram refuses a second answer
        log.debug("callback query of person %s was already answered", person.id)


async def on_text(update: Update, context: TangguhContext) -> None:
    """Typed text: an open dialog's next step, else the survey (answer or search)."""
    if await admin.on_dialog_text(update, context):
        return
    await survey.on_text(update, context)


async def on_document(update: Update, context: TangguhContext) -> None:
    """A file: a household list after /import; anything else gets a hint."""
    if await admin.on_document(update, context):
        return
    key = "import_after_command" if allowed(context.person, "import") else "not_understood"
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.svc.text(context.member, key))

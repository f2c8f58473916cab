"""The three confirmation buttons (ask, yes, cancel) of every risky action: one route each, sent on
to the feature that owns the button's verb. Each verb's capability is checked by handlers/routing.py
(handlers/permissions.py's VERBS) before the press gets here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from telegram import Update

from app import dialogs
from flows.callbacks import AskButton, CancelButton, ConfirmButton
from handlers import households, imports, people
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.routing import Routes
from telegram_io.screens import Notice, View

ROUTES = Routes()
Action = Callable[[Update, TangguhContext, int], Awaitable[Notice]]

ASKED: dict[str, Action] = {
    "deactivate": people.ask_deactivate,
    "move": people.ask_move,
    "reopen": partial(households.ask, verb="reopen"),
    "erase": partial(households.ask, verb="erase"),
}
"""The verbs whose first press asks for a confirmation (the others are confirmed directly)."""

CONFIRMED: dict[str, Action] = {
    "deactivate": people.deactivate,
    "reactivate": people.reactivate,
    "revoke": people.revoke,
    "pause": people.pause_reminders,
    "reopen": partial(households.confirm, verb="reopen"),
    "erase": partial(households.confirm, verb="erase"),
    "household": households.save,
    "keep": households.keep,
    "import": imports.apply,
}
"""Verb → what its confirming press does, with the button's subject."""


@ROUTES.on(AskButton, "start")  # confirmations are checked again by their verb
async def ask(update: Update, context: TangguhContext, callback: AskButton) -> Notice:
    """The first press of a risky action: ask again, naming exactly what will happen."""
    action = ASKED.get(callback.verb)
    if action is None:
        return Notice(context.svc.text(context.member, "unknown_button"), alert=True)
    return await action(update, context, callback.subject)


@ROUTES.on(ConfirmButton, "start")
async def confirm(update: Update, context: TangguhContext, callback: ConfirmButton) -> Notice:
    """The confirming press: done once, audited, and what was done is shown."""
    action = CONFIRMED.get(callback.verb)
    if action is None:
        return Notice(context.svc.text(context.member, "unknown_button"), alert=True)
    return await action(update, context, callback.subject)


@ROUTES.on(CancelButton, "start")
async def cancel(update: Update, context: TangguhContext, callback: CancelButton) -> Notice:
    """Any "Batal": nothing changes; an open dialog is closed, an import preview cancelled."""
    svc, person = context.svc, context.member
    await dialogs.cancel(svc, person.id, import_id=callback.subject if callback.verb == "import" else None)
    await present(context, View(svc.text(person, "cancelled")), pressed_message(update))
    return Notice()

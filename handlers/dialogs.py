"""The open dialog of a person (the /invite walk, adding a household, waiting for an import file):
its choice buttons, the text typed into it and the file sent to it, each to the feature it belongs to.
handlers/messages.py asks here first."""

from __future__ import annotations

from telegram import Update

from app import dialogs
from flows.callbacks import PickButton
from handlers import households, imports, invitations
from handlers.context import TangguhContext
from handlers.permissions import allowed
from handlers.routing import Routes
from telegram_io.screens import Notice

ROUTES = Routes()


@ROUTES.on(PickButton, "start")
async def pick(update: Update, context: TangguhContext, callback: PickButton) -> Notice:
    """A choice button of the open dialog (an invitation's area, a household's kelurahan or kader)."""
    svc, person = context.svc, context.member
    state = await dialogs.current(svc, person.id)
    if state is None:
        return Notice(svc.text(person, "already_answered"))
    if state.kind == "household":
        return await households.pick(update, context, state, callback.index)
    if state.kind != "invite" or state.step != "area" or not allowed(person, "invite"):
        return Notice(svc.text(person, "already_answered"))
    return await invitations.pick_area(update, context, state, callback.index)


async def on_dialog_text(update: Update, context: TangguhContext) -> bool:
    """Typed text that belongs to an open dialog; False when there is none."""
    state = await dialogs.current(context.svc, context.member.id)
    if state is None:
        return False
    if state.kind == "invite" and state.step == "name":
        await invitations.invite_name(update, context, state)
        return True
    if state.kind == "household":
        await households.on_text(update, context, state)
        return True
    return False


async def on_document(update: Update, context: TangguhContext) -> bool:
    """A file sent after /import; False when no import is waiting for one."""
    if not allowed(context.person, "import") or not await imports.waiting(context):
        return False
    await imports.receive_file(update, context)
    return True

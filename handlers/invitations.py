"""/invite: the walk (role → name → kelurahan or agency) or one line with everything; the link and
its QR code go to the admin's chat."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from app import invitations
from app.invitations import AskArea, Invited
from app.outcomes import Refused
from flows.callbacks import InviteRoleButton
from flows.invites import deep_link
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.permissions import requires
from handlers.prompts import cancel_button, choice_rows, when
from handlers.routing import Routes
from handlers.views import Screens
from storage.records import DialogState
from telegram_io.screens import Notice, View, strip_keyboard

ROUTES = Routes()


@requires("invite")
async def invite(update: Update, context: TangguhContext) -> None:
    """/invite: the walk, or ``/invite kader Siti Aminah Guntung Manggis`` at once."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    line = " ".join(context.args or [])
    if line:
        outcome = await invitations.invite_by_line(svc, admin.id, line)
        if isinstance(outcome, Refused):
            await present(context, View(screens.t(outcome.reason) + "\n\n" + screens.t("invite_usage")), None)
            return
        await send_invitation(context, outcome)
        return
    roles = await invitations.start_walk(svc, admin.id)
    rows = [[screens.button(f"button_role_{role}", InviteRoleButton(role=role))] for role in roles]
    rows.append([cancel_button(screens, admin)])
    await present(context, View(screens.t("invite_choose_role"), InlineKeyboardMarkup(rows)), None)


@ROUTES.on(InviteRoleButton, "invite")
async def invite_role(update: Update, context: TangguhContext, callback: InviteRoleButton) -> Notice:
    """The role button of the walk: ask for the name next."""
    svc, admin = context.svc, context.member
    outcome = await invitations.choose_role(svc, admin.id, callback.role)
    if isinstance(outcome, Refused):
        return Notice(svc.text(admin, outcome.reason), alert=outcome.alert)
    screens = Screens(svc, admin)
    view = View(screens.t("invite_ask_name", role=screens.t(f"role_{outcome.role}")),
                InlineKeyboardMarkup([[cancel_button(screens, admin)]]))
    await present(context, view, pressed_message(update))
    return Notice()


async def invite_name(update: Update, context: TangguhContext, state: DialogState) -> None:
    """The typed name of the walk: then the kelurahan or agency, or the invitation itself."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    message = update.effective_message
    assert message is not None
    outcome = await invitations.give_name(svc, admin.id, state, message.text or "")
    if isinstance(outcome, Refused):
        await message.reply_text(screens.t(outcome.reason))
    elif isinstance(outcome, AskArea):
        key = "invite_choose_kelurahan" if outcome.kelurahan else "invite_choose_agency"
        rows = choice_rows(outcome.choices) + [[cancel_button(screens, admin)]]
        await present(context, View(screens.t(key, name=outcome.name), InlineKeyboardMarkup(rows)), None)
    else:
        await send_invitation(context, outcome)


async def pick_area(update: Update, context: TangguhContext, state: DialogState, index: int) -> Notice:
    """A kelurahan or agency button of the walk (routed here by handlers/dialogs.py)."""
    svc, admin = context.svc, context.member
    outcome = await invitations.pick_area(svc, admin.id, state, index)
    if isinstance(outcome, Refused):
        return Notice(svc.text(admin, outcome.reason), alert=outcome.alert)
    await strip_keyboard(pressed_message(update))
    await send_invitation(context, outcome)
    return Notice()


async def send_invitation(context: TangguhContext, invited: Invited) -> None:
    """The invitation's link as text, then as a QR code to show on a phone."""
    from reports.qr import qr_png  # qrcode only when an invitation is made

    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    person = invited.person
    link = deep_link(context.bot.username, invited.code)
    text = screens.t("invite_created", name=person.name, role=screens.t(f"role_{person.role}"),
                     where=f", {invited.where}" if invited.where else "",
                     expires=when(svc.settings, admin, invited.expires), link=link)
    chat = admin.telegram_user_id or 0
    await context.bot.send_message(chat, text, disable_web_page_preview=True)
    picture = await asyncio.to_thread(qr_png, link)
    await context.bot.send_photo(chat, picture, caption=screens.t("invite_qr_caption", name=person.name))

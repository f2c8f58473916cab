"""The kader's home (the household list and a family's card), and the screen helpers every
handler shares: show a view in place or anew, strip a keyboard, the pressed message."""

from __future__ import annotations

import logging

from telegram import Message, Update

from app import home
from handlers.context import TangguhContext
from handlers.views import Screens
from telegram_io import screens as io
from telegram_io.screens import View

log = logging.getLogger(__name__)


async def show_home(context: TangguhContext, *, page: int = 0, query: str = "",
                    message: Message | None = None) -> None:
    """The list of the kader's households: edits ``message`` in place, or sends a new one."""
    person = context.member
    shown = await home.home_page(context.svc, person, page, query)
    await present(context, Screens(context.svc, person).home(shown.page, shown.total, query), message)


async def present(context: TangguhContext, view: View, message: Message | None) -> Message | None:
    """Edit ``message`` to show ``view``, or send it as a new message (also when Telegram no longer
    lets the bot edit it)."""
    return await io.edit_or_send(context.bot, context.member.telegram_user_id or 0, view, message)


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed, when Telegram still lets the bot edit it."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None

"""Putting a screen in front of someone: send it, edit it in place, answer the press that asked for it.

Every text is sent with ``parse_mode=HTML`` (whatever the bot's defaults), split with
:func:`~telegram_io.text.split_html` when it is over Telegram's limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from telegram_io.text import LIMIT, clip, split_html, utf16_len

log = logging.getLogger(__name__)

NOTICE_LIMIT = 200
"""Telegram's longest callback query answer."""

GONE = ("message to edit not found", "message can't be edited", "message_id_invalid",
        "message to be edited not found", "there is no text in the message to edit")
"""BadRequest descriptions (lower case) meaning the message cannot show the screen: send it anew."""

NOT_MODIFIED = "message is not modified"


@dataclass(frozen=True, slots=True)
class View:
    """A screen: HTML text and its inline keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """The answer to a button press: a short toast, or an alert the person must dismiss."""

    text: str | None = None
    alert: bool = False


def _says(error: BadRequest, phrases: tuple[str, ...]) -> bool:
    """Whether Telegram's description of ``error`` contains one of ``phrases``."""
    description = error.message.lower()
    return any(phrase in description for phrase in phrases)


async def send_view(bot: Bot, chat_id: int, view: View) -> Message:
    """Send ``view`` as new messages (several when over the limit, the keyboard on the last one);
    returns the last."""
    parts = split_html(view.text, LIMIT) or [view.text]
    message: Message | None = None
    for number, part in enumerate(parts, start=1):
        message = await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                         reply_markup=view.markup if number == len(parts) else None)
    assert message is not None
    return message


async def edit_or_send(bot: Bot, chat_id: int, view: View, message: Message | None) -> Message | None:
    """Show ``view`` in ``message`` (edited in place), or in new messages when there is none, when it
    is gone or can no longer be edited, or when ``view`` is over the limit. Returns the message now
    showing the view; an unchanged view returns ``message``. Other BadRequests are raised."""
    if message is None or utf16_len(view.text) > LIMIT:
        return await send_view(bot, chat_id, view)
    try:
        edited = await bot.edit_message_text(view.text, chat_id=chat_id, message_id=message.message_id,
                                             parse_mode=ParseMode.HTML, reply_markup=view.markup)
    except BadRequest as error:
        if _says(error, (NOT_MODIFIED,)):
            return message
        if _says(error, GONE):
            log.info("message %s in chat %s cannot be edited (%s): sending the screen anew",
                     message.message_id, chat_id, error.message)
            return await send_view(bot, chat_id, view)
        raise
    return edited if isinstance(edited, Message) else message


async def strip_keyboard(message: Message | None) -> None:
    """Remove ``message``'s buttons once they no longer apply; best effort (it may be gone or old)."""
    if message is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError as error:
        log.debug("could not remove the keyboard of message %s: %s", message.message_id, error)


async def delete_quietly(bot: Bot, chat_id: int, message_id: int | None) -> bool:
    """Delete a message if Telegram still lets the bot; whether it did."""
    if message_id is None:
        return False
    try:
        return await bot.delete_message(chat_id, message_id)
    except TelegramError as error:
        log.debug("could not delete message %s in chat %s: %s", message_id, chat_id, error)
        return False


async def answer_press(query: CallbackQuery, notice: Notice) -> None:
    """Answer the press with ``notice`` (clipped to Telegram's 200 characters); a press already
    answered, or too old to answer, is logged at debug and left."""
    text = clip(notice.text, NOTICE_LIMIT) if notice.text else None
    try:
        await query.answer(text, show_alert=notice.alert)
    except BadRequest as error:
        log.debug("callback query %s not answered: %s", query.id, error.message)

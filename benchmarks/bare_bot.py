"""The load benchmark's baseline: a bare python-telegram-bot bot, run as its own process.

``/start`` sends a message with three buttons; a press answers the callback query and edits the
message, as ``bench_survey``'s bare handler does. Updates of different chats run concurrently (up to
256 at a time, as Tangguh's own update processor allows), so the comparison is with PTB at its best.
The token and the Bot API address come from the environment, as for Tangguh.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT python -m benchmarks.bare_bot
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=label) for label in "abc"]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message with the three buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("x", reply_markup=KEYBOARD)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query, edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"x {query.data}", reply_markup=KEYBOARD)


def build(token: str, base_url: str) -> Application:
    """The bare bot against the Bot API at ``base_url``."""
    app = (ApplicationBuilder().token(token).base_url(f"{base_url}/bot")
           .base_file_url(f"{base_url}/file/bot").concurrent_updates(256).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    return app


if __name__ == "__main__":
    build(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_BASE_URL"]).run_polling(
        allowed_updates=Update.ALL_TYPES, close_loop=False)

"""Telegram I/O in one place: the 4096-character limit, HTML-safe splitting, paging, edit-or-send."""

from telegram_io.http import TelegramRequest
from telegram_io.screens import (
    Notice,
    View,
    answer_press,
    delete_quietly,
    edit_or_send,
    send_view,
    strip_keyboard,
)
from telegram_io.text import (
    LIMIT,
    Page,
    clip,
    fit_html,
    pack_blocks,
    paginate,
    split_html,
    text_content,
    utf16_len,
)

__all__ = [
    "LIMIT",
    "Notice",
    "Page",
    "TelegramRequest",
    "View",
    "answer_press",
    "clip",
    "delete_quietly",
    "edit_or_send",
    "fit_html",
    "pack_blocks",
    "paginate",
    "send_view",
    "split_html",
    "strip_keyboard",
    "text_content",
    "utf16_len",
]

"""Pieces the admin features' screens share: a confirmation question, choice buttons of an open
dialog, the dialog's "Batal", a date in the person's language, a typed value echoed back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from app.outcomes import Refused
from flows.callbacks import CancelButton, ConfirmButton, PickButton
from handlers.context import TangguhContext
from handlers.views import Screens
from settings import Settings
from storage.records import Person
from telegram_io.screens import Notice, View
from telegram_io.text import clip

ECHO_LIMIT = 200
"""What a person typed is echoed back at most this long."""


def echo(text: str) -> str:
    """What a person typed, shortened for echoing it back (escaped later, by the locale text)."""
    return clip(text, ECHO_LIMIT)


def cancel_button(screens: Screens, person: Person) -> InlineKeyboardButton:
    """"Batal" of an open dialog."""
    return screens.button("button_cancel", CancelButton(verb="dialog", subject=person.id))


def pairs(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons two to a row."""
    return [list(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]


def choice_rows(labels: Sequence[str]) -> list[list[InlineKeyboardButton]]:
    """The open dialog's choices, two to a row; each press carries the index of its choice."""
    return pairs([InlineKeyboardButton(label, callback_data=PickButton(index=i).encode())
                  for i, label in enumerate(labels)])


def confirmation(screens: Screens, verb: str, subject_id: int, name: str, code: str) -> View:
    """"Are you sure?" for ``verb``, naming exactly what will happen, with Yes and Batal."""
    yes = screens.button(f"button_yes_{verb}", ConfirmButton(verb=verb, subject=subject_id))
    cancel = screens.button("button_cancel", CancelButton(verb=verb, subject=subject_id))
    return View(screens.t(f"confirm_{verb}", name=name, code=code), InlineKeyboardMarkup([[yes, cancel]]))


def when(settings: Settings, person: Person, moment: datetime) -> str:
    """A moment in the city's time, in the person's language (escaped)."""
    local = moment.astimezone(ZoneInfo(settings.timezone))
    return escape(format_datetime(local, "d MMM yyyy HH:mm", locale="id_ID" if person.language == "id"
                                  else "en_US"))


def refusal(context: TangguhContext, refused: Refused) -> Notice:
    """A refused press answered: its reason as a toast, or an alert."""
    text = context.svc.text(context.member, refused.reason, **refused.params)  # plain text: no escaping
    return Notice(text, alert=refused.alert)

"""Flood control at the door: the update processor asks this screen about every update first.

A person within the limits (flows/flood.py) passes untouched. Over the limit, their update is
dropped before any handler, database read or chat lock: the first of a cool-down window gets one
polite notice, the rest nothing, except that a button press is still answered ("tunggu sebentar")
so the person's Telegram stops its spinner.

Admins are limited like everybody: the decision is made before anybody is looked up (so a flood
costs no database read), and an admin's real use (a command, a few presses, one file per import)
stays far below the limit, while a stuck or scripted admin client would hurt everyone as much.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from flows.flood import FloodControl, FloodLimits, Verdict
from handlers.context import SERVICES_KEY, Services

log = logging.getLogger(__name__)

REMEMBERED_LANGUAGES = 1024
"""Languages of people noticed lately, so their dropped presses are answered without a database read."""
ANSWERS_AT_ONCE = 4
"""Answers to dropped presses in flight together: a flood of presses must not fill the connection pool."""


class FloodScreen:
    """Calls the flood control for each update; ``False`` means the processor drops it."""

    def __init__(self, application: Application, limits: FloodLimits,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.application = application
        self.control = FloodControl(limits)
        self.clock = clock
        self.passed = self.noticed = self.dropped = 0
        self._languages: OrderedDict[int, str] = OrderedDict()
        self._answering: asyncio.Semaphore | None = None

    async def __call__(self, update: object) -> bool:
        """Whether to handle ``update``; a refusal is told or answered here."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return True
        verdict = self.control.check(user.id, self.clock())
        if verdict is Verdict.PASS:  # no await before this return: the chat's order is kept
            self.passed += 1
            return True
        assert isinstance(update, Update)
        if verdict is Verdict.NOTICE:
            self.noticed += 1
            await self._notice(update, user.id)
        else:
            self.dropped += 1
            await self._answer_dropped(update, user.id)
        return False

    @property
    def svc(self) -> Services:
        """The application's services."""
        return self.application.bot_data[SERVICES_KEY]

    async def _notice(self, update: Update, user_id: int) -> None:
        """The one notice of this cool-down window, in the person's language."""
        svc = self.svc
        person = await svc.repository.people.by_telegram_id(user_id) if svc.repo is not None else None
        language = person.language if person is not None else svc.settings.default_language
        self._remember(user_id, language)
        log.warning("flood control: %s over the limit, updates dropped for a while",
                    f"person {person.id}" if person is not None else "an unregistered account")
        text = svc.catalog.text(language, "flood_notice")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif update.effective_chat is not None and update.effective_chat.type == "private":
                await self.application.bot.send_message(update.effective_chat.id, text)
        except TelegramError as error:
            log.warning("could not send the flood notice: %s", type(error).__name__)

    async def _answer_dropped(self, update: Update, user_id: int) -> None:
        """A dropped press still gets its callback answered, a few at a time; other updates nothing."""
        query = update.callback_query
        if query is None:
            return
        language = self._languages.get(user_id, self.svc.settings.default_language)
        if self._answering is None:
            self._answering = asyncio.Semaphore(ANSWERS_AT_ONCE)
        async with self._answering:
            try:
                await query.answer(self.svc.catalog.text(language, "flood_wait"))
            except TelegramError:
                log.debug("could not answer a dropped press")

    def _remember(self, user_id: int, language: str) -> None:
        self._languages[user_id] = language
        self._languages.move_to_end(user_id)
        while len(self._languages) > REMEMBERED_LANGUAGES:
            self._languages.popitem(last=False)

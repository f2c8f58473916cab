"""What every handler needs: the services built once by bot.py, and a context that carries them."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from app.services import SERVICES_KEY, TICK_JOB, Services
from storage.records import Person

__all__ = ["SERVICES_KEY", "TICK_JOB", "Services", "TangguhContext"]


class TangguhContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """The handler context: the services, and the person behind the update once the gate knows."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.person: Person | None = None

    @property
    def svc(self) -> Services:
        """The application's services."""
        return self.application.bot_data[SERVICES_KEY]

    @property
    def member(self) -> Person:
        """The registered, active person behind the update (the gate guarantees one)."""
        if self.person is None:
            raise RuntimeError("handler reached without a registered person")
        return self.person

"""What every handler needs: the services built once by bot.py, and a context that carries them."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot

from flows.i18n import Catalog
from flows.instrument import Instrument
from flows.interview import InterviewEngine
from settings import Settings
from storage.database import Database
from storage.records import Interview, Person
from storage.repository import Repository

SERVICES_KEY = "tangguh.services"


@dataclass
class Services:
    """Settings, instruments, texts and, once the application has started, the database."""

    settings: Settings
    instruments: list[Instrument]
    catalog: Catalog
    db: Database | None = None
    repo: Repository | None = None
    engines: dict[str, InterviewEngine] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.engines = {i.content_hash: InterviewEngine(i) for i in self.instruments}

    @property
    def instrument(self) -> Instrument:
        """The instrument new interviews use."""
        return self.instruments[0]

    @property
    def engine(self) -> InterviewEngine:
        """The engine of the active instrument."""
        return self.engines[self.instrument.content_hash]

    def engine_for(self, interview: Interview) -> InterviewEngine:
        """The engine of the exact instrument an interview was started with."""
        engine = self.engines.get(interview.instrument.hash)
        if engine is None:
            raise LookupError(f"instrument {interview.instrument.id} v{interview.instrument.version} "
                              "of this interview is not loaded (add it to instruments.extra)")
        return engine

    @property
    def repository(self) -> Repository:
        """The repository; only valid between post_init and post_shutdown."""
        if self.repo is None:
            raise RuntimeError("the database is not open")
        return self.repo

    def text(self, person: Person | None, key: str, **params: object) -> str:
        """An interface text in the person's language (the default one for strangers)."""
        language = person.language if person else self.settings.default_language
        return self.catalog.text(language, key, **params)


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

"""What the running bot is made of, built once by bot.py: settings, instruments, texts, database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows.i18n import Catalog
from flows.instrument import Instrument
from flows.interview import InterviewEngine
from settings import Settings
from storage.database import Database, utc_now
from storage.records import Interview, Person
from storage.repository import Repository

if TYPE_CHECKING:  # jobs/ imports this module
    from jobs.scheduler import Scheduler


@dataclass
class Services:
    """Settings, instruments, texts and, once the application has started, the database."""

    settings: Settings
    instruments: list[Instrument]
    catalog: Catalog
    db: Database | None = None
    repo: Repository | None = None
    engines: dict[str, InterviewEngine] = field(default_factory=dict)
    clock: Callable[[], datetime] = utc_now
    """The time every scheduled decision is based on (tests move it)."""
    scheduler: Scheduler | None = None

    def __post_init__(self) -> None:
        self.engines = {i.content_hash: InterviewEngine(i) for i in self.instruments}

    @property
    def zone(self) -> ZoneInfo:
        """The city's timezone."""
        return ZoneInfo(self.settings.timezone)

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

"""What every use case needs, built once at start: settings, instruments, texts, clock, files folder
and, while the bot runs, the repository."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.i18n import Catalog
from flows.instrument import Instrument
from flows.interview import InterviewEngine
from settings import Settings
from storage.convert import utc_now
from storage.records import InstrumentRef, Interview, Person
from storage.repository import Repository

SERVICES_KEY = "tangguh.services"
"""Where the composition root (bot.py) keeps the Services among the application's shared data."""
TICK_JOB = "tangguh-tick"
"""The name of the repeating job that runs the scheduled work (digests, reminders, the outbox)."""


@dataclass
class Services:
    """Settings, instruments, texts, the clock and the files folder; the repository once opened."""

    settings: Settings
    instruments: list[Instrument]
    catalog: Catalog
    clock: Callable[[], datetime] = utc_now
    """The time every decision is based on (tests and the sandbox hand in a movable one)."""
    files: Path | None = None
    """Where files made for sending (digest workbooks) are kept; default: beside the database."""
    repo: Repository | None = None
    engines: dict[str, InterviewEngine] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.engines = {i.content_hash: InterviewEngine(i) for i in self.instruments}
        if self.files is None:
            self.files = self.settings.resolve(self.settings.database.path).parent / "outbox-files"

    @property
    def files_folder(self) -> Path:
        """The folder of files made for sending."""
        assert self.files is not None
        return self.files

    @property
    def zone(self) -> ZoneInfo:
        """The city's timezone."""
        return ZoneInfo(self.settings.timezone)

    @property
    def instrument(self) -> Instrument:
        """The instrument new interviews use."""
        return self.instruments[0]

    @property
    def instrument_ref(self) -> InstrumentRef:
        """How a new interview records the instrument it was started with."""
        instrument = self.instrument
        return InstrumentRef(instrument.id, instrument.version, instrument.content_hash)

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
        """The repository; only valid while the database is open."""
        if self.repo is None:
            raise RuntimeError("the database is not open")
        return self.repo

    def text(self, person: Person | None, key: str, **params: object) -> str:
        """An interface text in the person's language (the default one for strangers)."""
        language = person.language if person else self.settings.default_language
        return self.catalog.text(language, key, **params)

"""What every handler needs, built once by bot.py and kept in ``application.bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from flows.i18n import Catalog
from flows.instrument import Instrument
from flows.interview import InterviewEngine
from settings import Settings
from storage.database import Database
from storage.repository import Repository

SERVICES_KEY = "tangguh.services"


@dataclass
class Services:
    """Settings, instrument, texts and, once the application has started, the database."""

    settings: Settings
    instrument: Instrument
    engine: InterviewEngine
    catalog: Catalog
    db: Database | None = None
    repo: Repository | None = field(default=None)

    @property
    def repository(self) -> Repository:
        """The repository; only valid between post_init and post_shutdown."""
        if self.repo is None:
            raise RuntimeError("the database is not open")
        return self.repo


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The Services of the application handling this update."""
    return context.application.bot_data[SERVICES_KEY]

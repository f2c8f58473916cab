"""The real Tangguh Application polling the fake Bot API, plus helpers to seed people and families."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.ext import Application

from app.services import SERVICES_KEY, Services
from bot import SCHEDULER_KEY, build_application
from flows.invites import hash_code, new_code
from sandbox.fakeapi import FakeBotApi, FakeUser
from settings import Secrets, load_catalog, load_instruments, load_settings
from storage.records import Household, Person
from storage.repository import Repository

KELURAHAN = "Guntung Manggis"
QUIET_NIGHT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Tuesday 02:00 WITA: nothing is scheduled


class TestClock:
    """The time the bot sees: standing still at a moment, or following a function of the real time.
    Handed to the Application when it is built, and kept over restarts."""

    def __init__(self, moment: datetime = QUIET_NIGHT) -> None:
        self._now: Callable[[], datetime] = lambda: moment

    def __call__(self) -> datetime:
        return self._now()

    def stand_at(self, moment: datetime) -> None:
        """From now on the bot sees ``moment``."""
        self._now = lambda: moment

    def follow(self, now: Callable[[], datetime]) -> None:
        """From now on the bot sees what ``now`` returns."""
        self._now = now


@dataclass
class RunningBot:
    """One running Application; ``restart`` replaces it with a new one on the same database."""

    api: FakeBotApi
    config: Path
    app: Application
    clock: TestClock = field(default_factory=TestClock)
    """The bot's clock; scenario tests move it themselves (it starts on a quiet night)."""

    @classmethod
    async def start(cls, api: FakeBotApi, config: Path, clock: TestClock | None = None) -> RunningBot:
        """Build the Application exactly as bot.py does and start polling the fake."""
        settings = load_settings(config)
        clock = clock or TestClock()
        app = build_application(settings, Secrets(token="123:TEST", api_base_url=api.base_url),
                                instruments=load_instruments(settings), catalog=load_catalog(),
                                clock=clock)
        app.update_processor.finished = api.track_handling()  # type: ignore[attr-defined]
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        return cls(api, config, app, clock)

    async def stop(self) -> None:
        """Stop polling, let in-flight updates finish, close the database."""
        assert self.app.updater is not None
        await self.app.updater.stop()
        scheduler = self.app.bot_data.get(SCHEDULER_KEY)
        if scheduler is not None:  # background sends end with the test
            scheduler.sender.stop()
        await self.app.stop()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    async def restart(self) -> None:
        """A real restart: a new Application, a new database connection, nothing kept in memory."""
        await self.stop()
        self.app = (await RunningBot.start(self.api, self.config, self.clock)).app

    @property
    def svc(self) -> Services:
        """The services of the running application."""
        return self.app.bot_data[SERVICES_KEY]

    @property
    def repo(self) -> Repository:
        """The application's own repository, for seeding and checking the database."""
        return self.svc.repository

    async def person(self, name: str, role: str = "kader", *, telegram_id: int | None = None,
                     kelurahan: str | None = KELURAHAN, agency: str | None = None) -> Person:
        """A registered person, joined through a real invite redeemed in the database."""
        person = await self.repo.people.add(name, role, kelurahan=kelurahan,  # type: ignore[arg-type]
                                            agency_code=agency)
        if telegram_id is not None:
            code = new_code()
            await self.repo.invites.create(person.id, hash_code(code),
                                           self.repo.db.now() + timedelta(days=1))
            result = await self.repo.invites.redeem(hash_code(code), telegram_id)
            assert result.outcome == "ok" and result.person is not None
            person = result.person
        return person

    async def households(self, kader: Person, count: int, prefix: str = "KK") -> list[Household]:
        """``count`` families assigned to ``kader``."""
        return [await self.repo.households.add(f"{prefix}-{n:03d}", f"Keluarga {prefix} {n}",
                                               f"Jl. Mawar No. {n}", "001", "002",
                                               kader.kelurahan or KELURAHAN,
                                               kader_id=kader.id)
                for n in range(1, count + 1)]

    async def kader(self, telegram_id: int, name: str = "Siti Aminah",
                    families: int = 3) -> tuple[FakeUser, Person, list[Household]]:
        """A kader with ``families`` households and their chat."""
        person = await self.person(name, telegram_id=telegram_id)
        households = await self.households(person, families, prefix=f"K{telegram_id % 1000}")
        return self.api.user(telegram_id, first_name=name.split()[0]), person, households

"""Fixtures shared by the whole suite: a test config, the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from sandbox.fakeapi import FakeBotApi
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.e2e.harness import RunningBot
from tests.storage.factories import FakeClock

ROOT = Path(__file__).resolve().parents[1]
E2E = ROOT / "tests" / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/e2e drive the real bot over HTTP: marked ``e2e`` (``make quick`` keeps only
    those also marked ``wiring``)."""
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The shipped config with the database in a temporary folder."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["database"]["path"] = str(tmp_path / "data" / "tangguh.db")
    config["instruments"]["active"] = str(ROOT / "instruments" / "ketahanan-keluarga-24.yaml")
    config["backup"]["enabled"] = False  # scenario clocks stand after its time; test_backup turns it on
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server on loopback."""
    api = await FakeBotApi.start()
    yield api
    await api.stop()


@pytest.fixture
async def running(fake_api: FakeBotApi, config_file: Path) -> AsyncIterator[RunningBot]:
    """The real Tangguh Application polling the fake Bot API, on a fresh database."""
    bot = await RunningBot.start(fake_api, config_file)
    yield bot
    await bot.stop()
    assert fake_api.unanswered_queries() == [], "every callback query must be answered"


@pytest.fixture
def clock() -> FakeClock:
    """A settable clock starting 2026-11-27 02:00 UTC."""
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database path in the test's temporary directory."""
    return tmp_path / "tangguh.db"


@pytest_asyncio.fixture
async def db(db_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """A migrated database on the fake clock, closed after the test."""
    database = await Database.open(db_path, clock=clock)
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> Repository:
    """The repository facade over `db`."""
    return Repository(db)

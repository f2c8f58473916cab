"""Fixtures for the storage tests: a migrated database on a fake clock, and a draft interview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from storage.database import Database
from storage.records import Interview
from storage.repository import Repository
from tests.storage.factories import FakeClock, new_interview


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


@pytest_asyncio.fixture
async def interview(repo: Repository) -> Interview:
    """A draft interview at question q1."""
    return await new_interview(repo)

"""Fixtures for the storage tests: a migrated database on a fake clock, and a draft interview."""

from __future__ import annotations

import pytest_asyncio

from storage.records import Interview
from storage.repository import Repository
from tests.storage.factories import new_interview


@pytest_asyncio.fixture
async def interview(repo: Repository) -> Interview:
    """A draft interview at question q1."""
    return await new_interview(repo)

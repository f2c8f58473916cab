"""Helpers for the tests of the scheduled use cases (digests, reminders): services over the test
database on the fake clock, people who have joined, and the outbox's rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.outbox import Packer
from app.services import Services
from flows.invites import hash_code, new_code
from settings import load_catalog, load_instruments, load_settings
from storage.records import OutboxItem, Person, Role
from storage.repository import Repository
from telegram_io.text import pack_blocks
from tests.storage.factories import FakeClock

KELURAHAN = "Guntung Manggis"
PACK: Packer = pack_blocks
"""The channel's packer, as bot.py's callers hand it in."""


def build_services(config_file: Path, repo: Repository, clock: FakeClock, files: Path) -> Services:
    """The services of a running bot, on the test database and its clock, files kept in ``files``."""
    settings = load_settings(config_file)
    return Services(settings=settings, instruments=load_instruments(settings), catalog=load_catalog(),
                    clock=clock, files=files, repo=repo)


def move_clock(clock: FakeClock, moment: datetime) -> None:
    """Set the one clock of services and database to ``moment`` (every test's clock move is here)."""
    clock.now = moment


async def joined(repo: Repository, name: str, role: Role, telegram_id: int | None, *,
                 agency: str | None = None, language: str = "id") -> Person:
    """A person, joined through an invite when ``telegram_id`` is given."""
    kelurahan = KELURAHAN if role in ("kader", "coordinator") else None
    person = await repo.people.add(name, role, kelurahan=kelurahan, agency_code=agency, language=language)
    if telegram_id is None:
        return person
    code = new_code()
    await repo.invites.create(person.id, hash_code(code), repo.now() + timedelta(days=1))
    result = await repo.invites.redeem(hash_code(code), telegram_id)
    assert result.person is not None
    return result.person


async def rows(repo: Repository) -> list[OutboxItem]:
    """Every outbox row, in queue order (ids count up from 1; rows are never deleted here)."""
    found: list[OutboxItem] = []
    while (item := await repo.outbox.get(len(found) + 1)) is not None:
        found.append(item)
    return found


def texts(items: list[OutboxItem], recipient: Person) -> list[str]:
    """The texts queued for ``recipient``."""
    return [item.payload["text"] for item in items
            if item.recipient_id == recipient.id and item.payload["method"] == "sendMessage"]


def payload(item: OutboxItem) -> dict[str, Any]:
    """A row's payload."""
    return item.payload

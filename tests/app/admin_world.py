"""Helpers for the tests of the admins' use cases (invitations, people, households, imports,
exports, progress, audit): services over the test database on the fake clock, and a few people."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.services import Services
from flows.invites import hash_code, new_code
from settings import load_catalog, load_instruments, load_settings
from storage.records import AuditEntry, Person, Role
from storage.repository import Repository
from tests.storage.factories import FakeClock

KELURAHAN = "Guntung Manggis"
OTHER_KELURAHAN = "Komet"


def services(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    """The services of a running bot, on the test database and its clock."""
    settings = load_settings(config_file)
    return Services(settings=settings, instruments=load_instruments(settings), catalog=load_catalog(),
                    clock=clock, files=config_file.parent / "files", repo=repo)


async def person(repo: Repository, name: str, role: Role = "kader", *, telegram_id: int | None = None,
                 kelurahan: str | None = KELURAHAN, agency: str | None = None) -> Person:
    """A person, joined through an invitation when ``telegram_id`` is given."""
    if role in ("admin", "agency"):
        kelurahan = None
    added = await repo.people.add(name, role, kelurahan=kelurahan, agency_code=agency)
    if telegram_id is None:
        return added
    code = new_code()
    await repo.invites.create(added.id, hash_code(code), repo.now() + timedelta(days=1))
    result = await repo.invites.redeem(hash_code(code), telegram_id)
    assert result.person is not None
    return result.person


async def audit_actions(repo: Repository) -> list[str]:
    """The audit log's actions, newest first."""
    return [entry.action for entry in await repo.audit.latest(100)]


async def audit_entries(repo: Repository) -> list[AuditEntry]:
    """The audit log, newest first."""
    return await repo.audit.latest(100)

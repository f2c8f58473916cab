"""The audit log as /audit shows it: the latest entries, each with its actor's name."""

from __future__ import annotations

from dataclasses import dataclass

from app.services import Services
from storage.records import AuditEntry

LATEST = 20


@dataclass(frozen=True, slots=True)
class Line:
    """One entry and who did it (None: the server, or a person no longer known)."""

    entry: AuditEntry
    actor: str | None


async def latest(svc: Services, limit: int = LATEST) -> list[Line]:
    """The newest ``limit`` entries, newest first."""
    entries = await svc.repository.audit.latest(limit)
    if not entries:
        return []
    names = {p.id: p.name for p in await svc.repository.people.list()}
    return [Line(entry, names.get(entry.actor_id or 0)) for entry in entries]

"""The repository facade ``repo.<table family>.<method>()``, whichever database is behind it.

``Repository(db)`` gathers the families a backend brings (``db.families()``); the SQL lives in the
backend's own module (``storage.sqlite``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storage.interface import (
    AuditStore,
    Backend,
    DialogsStore,
    DigestsStore,
    ExportsStore,
    HouseholdsStore,
    ImportsStore,
    InterviewsStore,
    InvitesStore,
    OutboxStore,
    PeopleStore,
    ScoresStore,
)


class Repository:
    """The storage facade handlers and jobs use: one attribute per table family, and the operations
    on the whole database (its clock, backup, integrity check, schema version, close)."""

    def __init__(self, db: Backend) -> None:
        self.db = db
        """The backend's connection. Deprecated above storage: use the methods below."""
        families = db.families()
        self.people: PeopleStore = families.people
        self.invites: InvitesStore = families.invites
        self.households: HouseholdsStore = families.households
        self.interviews: InterviewsStore = families.interviews
        self.scores: ScoresStore = families.scores
        self.outbox: OutboxStore = families.outbox
        self.audit: AuditStore = families.audit
        self.imports: ImportsStore = families.imports
        self.dialogs: DialogsStore = families.dialogs
        self.digests: DigestsStore = families.digests
        self.exports: ExportsStore = families.exports

    @property
    def name(self) -> str:
        """A short name for the database (backup file names start with it)."""
        return self.db.name

    def now(self) -> datetime:
        """The current time from the database's clock (aware, UTC)."""
        return self.db.now()

    async def user_version(self) -> int:
        """The schema version of the database."""
        return await self.db.user_version()

    async def backup(self, dest_path: str | Path) -> None:
        """Write a consistent copy of the database to ``dest_path`` while it stays open."""
        await self.db.backup(dest_path)

    async def integrity_check(self) -> str:
        """'ok', or the database's list of problems one per line."""
        return await self.db.integrity_check()

    async def close(self) -> None:
        """Close the database (a second call does nothing)."""
        await self.db.close()


__all__ = ["Repository"]

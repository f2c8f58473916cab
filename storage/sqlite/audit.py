"""The append-only audit log (SQLite)."""

from __future__ import annotations

from typing import Any

from storage.convert import dumps
from storage.records import AuditEntry
from storage.sqlite.table import Table


class Audit(Table):
    """The append-only audit log."""

    async def log(
        self, actor_id: int | None, action: str, subject: str, detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Append an entry: `actor_id` did `action` to `subject`."""
        return await self._insert(
            AuditEntry,
            "audit_log",
            at=self._now(),
            actor_id=actor_id,
            action=action,
            subject=subject,
            detail_json=None if detail is None else dumps(detail),
        )

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        """The most recent entries, newest first."""
        sql = "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?"
        return await self._all(AuditEntry, sql, (limit,))

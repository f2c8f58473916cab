"""Where each person's multi-step chat stands (one at a time per person)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.base import Table, dumps


@dataclass(frozen=True, slots=True)
class DialogState:
    """A person's open dialog: what it is, which step, what was collected so far."""

    kind: str
    step: str
    data: dict[str, Any]


class Dialogs(Table):
    """Open dialogs, one per person."""

    async def get(self, person_id: int) -> DialogState | None:
        """The person's open dialog, if any."""
        rows = await self._db.conn.execute_fetchall(
            "SELECT kind, step, data_json FROM dialogs WHERE person_id = ?", (person_id,))
        for kind, step, data in rows:
            return DialogState(kind, step, json.loads(data))
        return None

    async def put(self, person_id: int, state: DialogState) -> None:
        """Open or move on the person's dialog."""
        await self._write(
            """INSERT INTO dialogs (person_id, kind, step, data_json, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (person_id) DO UPDATE SET kind = excluded.kind, step = excluded.step,
                   data_json = excluded.data_json, updated_at = excluded.updated_at""",
            (person_id, state.kind, state.step, dumps(state.data), self._now()))

    async def clear(self, person_id: int) -> None:
        """Close the person's dialog."""
        await self._write("DELETE FROM dialogs WHERE person_id = ?", (person_id,))

"""Where each person's multi-step chat stands, one at a time per person (SQLite)."""

from __future__ import annotations

from storage.convert import dumps, loads
from storage.records import DialogState
from storage.sqlite.table import Table


class Dialogs(Table):
    """Open dialogs, one per person."""

    async def get(self, person_id: int) -> DialogState | None:
        """The person's open dialog, if any."""
        rows = await self._db.conn.execute_fetchall(
            "SELECT kind, step, data_json FROM dialogs WHERE person_id = ?", (person_id,))
        for kind, step, data in rows:
            return DialogState(kind, step, loads(data))
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

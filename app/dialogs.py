"""Open dialogs (the /invite walk, adding a household, waiting for an import file): one per person,
kept in the database so that a restart loses nothing."""

from __future__ import annotations

from app.services import Services
from storage.records import DialogState


async def current(svc: Services, person_id: int) -> DialogState | None:
    """The person's open dialog, if any."""
    return await svc.repository.dialogs.get(person_id)


async def cancel(svc: Services, person_id: int, *, import_id: int | None = None) -> None:
    """"Batal": the open dialog is closed and, for an import preview of this person's, the import is
    cancelled; nothing else changes (pressing it twice is harmless)."""
    await svc.repository.dialogs.clear(person_id)
    if import_id is not None:
        await svc.repository.imports.cancel(import_id, owner_id=person_id)

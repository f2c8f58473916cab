"""Household imports, shared by the chat's /import and the command line's ``import households``:
check a file (every row, nothing written), keep its plan as a preview, apply it, or cancel it.

A chat preview can be applied or cancelled only by the admin who sent the file; an applied or
cancelled preview is gone, so a second press writes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.services import Services
from flows.imports import TEMPLATE_EXAMPLE, TEMPLATE_HEADERS, ImportPlan, plan_import, summarise
from reports.tabular import TableError, file_type, fingerprint, read_table, template_xlsx
from storage.records import ApplyResult, DialogState

DIALOG = "import"
TEMPLATE_NAME = "templat-keluarga.xlsx"


@dataclass(frozen=True, slots=True)
class Unreadable:
    """The file itself is refused (kind, size, broken, no header…): nothing was planned."""

    error: TableError


@dataclass(frozen=True, slots=True)
class RefusedFile:
    """The file was read but cannot be imported at all (a required column missing…)."""

    plan: ImportPlan


@dataclass(frozen=True, slots=True)
class Planned:
    """Every row checked; nothing written."""

    file_name: str
    sha256: str
    plan: ImportPlan

    @property
    def counts(self) -> dict[str, int]:
        """Rows, adds, updates, unchanged, rejected… (see ``flows.imports.summarise``)."""
        return summarise(self.plan)

    @property
    def changes(self) -> int:
        """Households the plan adds or updates."""
        return len(self.plan.adds) + len(self.plan.updates)


@dataclass(frozen=True, slots=True)
class Previewed:
    """The plan is kept as a preview with id ``import_id``, waiting to be applied or cancelled."""

    planned: Planned
    import_id: int


@dataclass(frozen=True, slots=True)
class Applied:
    """Households added and updated."""

    result: ApplyResult


@dataclass(frozen=True, slots=True)
class Gone:
    """No such preview waiting for this admin (applied, cancelled, expired or another's)."""


async def wait_for_file(svc: Services, admin_id: int) -> None:
    """/import: the next file the admin sends is a household list."""
    await svc.repository.dialogs.put(admin_id, DialogState(DIALOG, "file", {}))


async def waiting_for_file(svc: Services, admin_id: int) -> bool:
    """Whether the admin's open dialog waits for an import file."""
    state = await svc.repository.dialogs.get(admin_id)
    return state is not None and state.kind == DIALOG


async def template() -> bytes:
    """The import template as an Excel workbook (headers and one example row)."""
    return await asyncio.to_thread(template_xlsx, list(TEMPLATE_HEADERS), list(TEMPLATE_EXAMPLE))


def precheck(svc: Services, file_name: str, size: int | None) -> Unreadable | None:
    """What can be refused before a file is downloaded: its kind (by name) and its size."""
    limits = svc.settings.imports
    try:
        file_type(file_name)
        if size and size > limits.max_bytes:
            raise TableError("import_too_large", {"max_mb": limits.max_bytes // 1_000_000})
    except TableError as error:
        return Unreadable(error)
    return None


async def check(svc: Services, file_name: str, data: bytes) -> Planned | RefusedFile | Unreadable:
    """Read the file and check every row against the register; nothing is written."""
    limits, repo = svc.settings.imports, svc.repository
    try:
        table = await asyncio.to_thread(read_table, data, file_name, max_rows=limits.max_rows,
                                        max_bytes=limits.max_bytes)
    except TableError as error:
        return Unreadable(error)
    plan = await asyncio.to_thread(plan_import, table, existing=await repo.imports.existing_households(),
                                   kelurahan=svc.settings.kelurahan, kader=await repo.imports.kader_refs())
    if plan.refused:
        return RefusedFile(plan)
    return Planned(file_name, fingerprint(data), plan)


async def preview(svc: Services, admin_id: int, file_name: str, data: bytes
                  ) -> Previewed | RefusedFile | Unreadable:
    """The chat's file after /import: checked, and its plan kept as this admin's preview (the
    dialog closes). A refused file leaves the dialog open for another file."""
    checked = await check(svc, file_name, data)
    if not isinstance(checked, Planned):
        return checked
    repo = svc.repository
    await repo.dialogs.clear(admin_id)
    import_id = await repo.imports.save_plan(admin_id, file_name, checked.sha256, checked.plan)
    return Previewed(checked, import_id)


async def apply(svc: Services, admin_id: int, import_id: int) -> Applied | Gone:
    """Apply the admin's own preview, once; audited by the repository."""
    result = await svc.repository.imports.apply(import_id, actor_id=admin_id, owner_id=admin_id)
    return Gone() if result is None else Applied(result)


async def apply_checked(svc: Services, planned: Planned, actor_id: int | None = None) -> Applied:
    """Apply a plan just checked, without a preview (the command line)."""
    result = await svc.repository.imports.apply_plan(planned.plan, file_name=planned.file_name,
                                                     sha256=planned.sha256, person_id=actor_id)
    return Applied(result)

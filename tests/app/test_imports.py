"""Household imports without Telegram: a file checked (nothing written), kept as one admin's preview,
applied once by that admin only, cancelled; files refused before and after reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import dialogs, imports
from app.imports import Applied, Gone, Planned, Previewed, RefusedFile, Unreadable
from app.services import Services
from flows.imports import TEMPLATE_HEADERS
from storage.records import DialogState
from storage.repository import Repository
from tests.app.admin_world import KELURAHAN, audit_actions, person, services
from tests.storage.factories import FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


def csv(*rows: str, header: str = ",".join(TEMPLATE_HEADERS)) -> bytes:
    return "\n".join([header, *rows]).encode()


GOOD = csv(f"GM-001,Ahmad Yani,Jl. Mawar 1,1,2,{KELURAHAN},",
           f"GM-002,Budi,Jl. Mawar 2,001,002,{KELURAHAN.lower()},",
           "GM-003,,Jl. Melati 3,3,4,Komet,")  # no head: rejected


def test_a_file_of_the_wrong_kind_or_too_large_is_refused_before_downloading(svc: Services) -> None:
    wrong = imports.precheck(svc, "keluarga.pdf", 100)
    assert isinstance(wrong, Unreadable) and wrong.error.key == "import_wrong_type"
    large = imports.precheck(svc, "keluarga.xlsx", svc.settings.imports.max_bytes + 1)
    assert isinstance(large, Unreadable) and large.error.key == "import_too_large"
    assert imports.precheck(svc, "keluarga.csv", 100) is None
    assert imports.precheck(svc, "keluarga.xlsx", None) is None


async def test_checking_a_file_writes_nothing(svc: Services) -> None:
    repo = svc.repository
    checked = await imports.check(svc, "keluarga.csv", GOOD)
    assert isinstance(checked, Planned)
    assert (checked.counts["adds"], checked.counts["rejected_rows"], checked.changes) == (2, 1, 2)
    assert await repo.imports.latest() == [] and await repo.households.by_code("GM-001") is None
    broken = await imports.check(svc, "rusak.xlsx", b"PK\x03\x04 not really a zip")
    assert isinstance(broken, Unreadable)
    refused = await imports.check(svc, "keluarga.csv", csv("1,2", header="kode,nama"))
    assert isinstance(refused, RefusedFile | Unreadable)
    assert await repo.imports.latest() == [] and await audit_actions(repo) == []


async def test_a_preview_is_applied_once_by_its_admin_only(svc: Services) -> None:
    repo = svc.repository
    dewi = await person(repo, "Dewi", "admin", telegram_id=1)
    rina = await person(repo, "Rina", "admin", telegram_id=2)
    await imports.wait_for_file(svc, dewi.id)
    assert await imports.waiting_for_file(svc, dewi.id) and not await imports.waiting_for_file(svc, rina.id)
    previewed = await imports.preview(svc, dewi.id, "keluarga.csv", GOOD)
    assert isinstance(previewed, Previewed)
    assert not await imports.waiting_for_file(svc, dewi.id)  # the dialog closed with the preview
    [pending] = await repo.imports.latest()
    assert (pending.id, pending.status, pending.person_id) == (previewed.import_id, "pending", dewi.id)
    assert await repo.households.by_code("GM-001") is None
    assert await imports.apply(svc, rina.id, previewed.import_id) == Gone()
    await dialogs.cancel(svc, rina.id, import_id=previewed.import_id)
    assert (await repo.imports.get(previewed.import_id)).status == "pending"  # type: ignore[union-attr]
    assert await audit_actions(repo) == []
    applied = await imports.apply(svc, dewi.id, previewed.import_id)
    assert isinstance(applied, Applied) and (applied.result.added, applied.result.updated) == (2, 0)
    assert await repo.households.by_code("GM-002") is not None
    assert await imports.apply(svc, dewi.id, previewed.import_id) == Gone()
    assert await audit_actions(repo) == ["import.apply"]


async def test_a_refused_file_keeps_the_admin_waiting_for_another(svc: Services) -> None:
    repo = svc.repository
    dewi = await person(repo, "Dewi", "admin", telegram_id=1)
    await imports.wait_for_file(svc, dewi.id)
    outcome = await imports.preview(svc, dewi.id, "rusak.xlsx", b"PK\x03\x04 nope")
    assert isinstance(outcome, Unreadable)
    assert await repo.dialogs.get(dewi.id) == DialogState("import", "file", {})
    assert await repo.imports.latest() == []


async def test_cancelling_a_preview_and_applying_a_checked_file_directly(svc: Services) -> None:
    repo = svc.repository
    dewi = await person(repo, "Dewi", "admin", telegram_id=1)
    previewed = await imports.preview(svc, dewi.id, "keluarga.csv", GOOD)
    assert isinstance(previewed, Previewed)
    await dialogs.cancel(svc, dewi.id, import_id=previewed.import_id)
    assert (await repo.imports.get(previewed.import_id)).status == "cancelled"  # type: ignore[union-attr]
    assert await imports.apply(svc, dewi.id, previewed.import_id) == Gone()
    checked = await imports.check(svc, "keluarga.csv", GOOD)
    assert isinstance(checked, Planned)
    applied = await imports.apply_checked(svc, checked)
    assert applied.result.added == 2 and await repo.households.by_code("GM-001") is not None
    again = await imports.check(svc, "keluarga.csv", GOOD)
    assert isinstance(again, Planned) and again.changes == 0 and again.counts["unchanged"] == 2


async def test_the_template_is_a_workbook() -> None:
    assert (await imports.template()).startswith(b"PK")

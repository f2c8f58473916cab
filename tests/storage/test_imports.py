"""Household imports in the database: pending plans, applying in one transaction, cancelling."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from flows.imports import ImportPlan, PlannedHousehold, Problem, plan_import
from reports.tabular import fingerprint, read_table
from storage.records import ApplyResult, Person
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.flows.test_imports import GOOD, HEADERS, KELURAHAN, LIMITS, csv_bytes
from tests.storage.factories import FakeClock

SHA = "0" * 64


async def people(repo: Repository) -> tuple[Person, Person, Person]:
    """An admin and two kader whose ids match the test file's K12 / Siti Aminah and rina."""
    admin = await repo.people.add("Admin", "admin")
    for n in range(2, 12):  # the file names kader K12 (Siti Aminah, Guntung Manggis) and Rina (Komet)
        await repo.people.add(f"Orang {n}", "agency", agency_code="DINSOS")
    siti = await repo.people.add("Siti Aminah", "kader", kelurahan="Guntung Manggis")
    rina = await repo.people.add("Rina", "kader", kelurahan="Komet")
    assert siti.id == 12
    return admin, siti, rina


async def plan_for(repo: Repository, rows: list[list[str]] = GOOD) -> ImportPlan:
    """The plan of a CSV file against what the database holds."""
    table = read_table(csv_bytes([HEADERS, *rows]), "keluarga.csv", **LIMITS)
    return plan_import(table, existing=await repo.imports.existing_households(), kelurahan=KELURAHAN,
                       kader=await repo.imports.kader_refs())


async def test_save_apply_and_households_are_there(repo: Repository, db: Database, clock: FakeClock) -> None:
    admin, siti, rina = await people(repo)
    plan = await plan_for(repo)
    assert len(plan.adds) == 4 and plan.rejected == ()
    import_id = await repo.imports.save_plan(admin.id, "keluarga.csv", SHA, plan)
    record = await repo.imports.get(import_id)
    assert record is not None and record.status == "pending" and record.person_id == admin.id
    assert record.counts["adds"] == 4 and record.created_at == clock.now and record.applied_at is None
    assert await repo.imports.pending_plan(import_id) == plan
    assert await repo.households.by_code("KK-001") is None  # nothing written before confirmation

    clock.advance(minutes=2)
    result = await repo.imports.apply(import_id)
    assert result == ApplyResult(import_id, 4, 0, 0)
    one = await repo.households.by_code("KK-001")
    assert one is not None and (one.head_name, one.rt, one.rw, one.kader_id) == ("Budi Hartono", "001", "002",
                                                                                  siti.id)
    assert [h.code for h in await repo.households.for_kader(rina.id)] == [plan.adds[2].code]
    record = await repo.imports.get(import_id)
    assert record is not None and record.status == "applied" and record.applied_at == clock.now
    assert record.counts["added"] == 4
    (plan_json,) = await db.conn.execute_fetchall("SELECT plan_json FROM imports WHERE id = ?", (import_id,))
    assert plan_json[0] is None  # names and addresses are not kept twice
    (entry,) = await repo.audit.latest(1)
    assert (entry.action, entry.subject, entry.actor_id) == ("import.apply", f"import:{import_id}", admin.id)
    assert entry.detail == {"file": "keluarga.csv", "added": 4, "updated": 0, "skipped": 0}


async def test_apply_twice_does_nothing_the_second_time(repo: Repository, db: Database) -> None:
    admin, _, _ = await people(repo)
    import_id = await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo))
    assert await repo.imports.apply(import_id) is not None
    before = await db.conn.execute_fetchall("SELECT * FROM households ORDER BY id")
    assert await repo.imports.apply(import_id) is None
    assert await repo.imports.pending_plan(import_id) is None
    assert await db.conn.execute_fetchall("SELECT * FROM households ORDER BY id") == before
    assert len(await repo.audit.latest()) == 1


async def test_reimport_after_apply_changes_nothing(repo: Repository) -> None:
    admin, _, _ = await people(repo)
    await repo.imports.apply(await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo)))
    again = await plan_for(repo)
    assert (again.adds, again.updates, again.unchanged) == ((), (), 4)
    changed = [list(row) for row in GOOD]
    changed[0][2] = "Jl. Mawar 1B"
    plan = await plan_for(repo, changed)
    result = await repo.imports.apply(await repo.imports.save_plan(admin.id, "k.csv", SHA, plan))
    assert result is not None and (result.added, result.updated) == (0, 1)
    moved = await repo.households.by_code(plan.updates[0].code)
    assert moved is not None and moved.address == "Jl. Mawar 1B" and moved.code == "KK-001"


async def test_cancel(repo: Repository) -> None:
    admin, _, _ = await people(repo)
    import_id = await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo))
    assert await repo.imports.cancel(import_id) is True
    assert await repo.imports.cancel(import_id) is False
    assert await repo.imports.apply(import_id) is None
    record = await repo.imports.get(import_id)
    assert record is not None and record.status == "cancelled" and record.cancelled_at is not None
    assert await repo.imports.existing_households() == {}
    applied = await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo))
    await repo.imports.apply(applied)
    assert await repo.imports.cancel(applied) is False


async def test_a_new_file_cancels_the_earlier_preview(repo: Repository, clock: FakeClock) -> None:
    admin, _, _ = await people(repo)
    other = await repo.people.add("Admin 2", "admin")
    first = await repo.imports.save_plan(admin.id, "a.csv", SHA, await plan_for(repo))
    theirs = await repo.imports.save_plan(other.id, "c.csv", SHA, await plan_for(repo))
    second = await repo.imports.save_plan(admin.id, "b.csv", SHA, await plan_for(repo))
    assert await repo.imports.apply(first) is None
    assert [(r.id, r.status) for r in await repo.imports.latest()] == [
        (second, "pending"), (theirs, "pending"), (first, "cancelled")]
    clock.advance(hours=1)
    assert await repo.imports.cancel_stale(clock.now - timedelta(minutes=30)) == 2
    assert await repo.imports.apply(second) is None


async def test_apply_is_one_transaction(repo: Repository, db: Database) -> None:
    admin, _, _ = await people(repo)
    plan = await plan_for(repo)
    broken = replace(plan, adds=(*plan.adds, replace(plan.adds[0], code=" ", row=99)))
    import_id = await repo.imports.save_plan(admin.id, "k.csv", SHA, broken)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await repo.imports.apply(import_id)
    assert await repo.imports.existing_households() == {}
    record = await repo.imports.get(import_id)
    assert record is not None and record.status == "pending" and await repo.audit.latest() == []
    assert await repo.imports.apply(await repo.imports.save_plan(admin.id, "k.csv", SHA, plan)) is not None


async def test_foreign_keys_hold(repo: Repository, db: Database) -> None:
    await people(repo)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await repo.imports.save_plan(999, "k.csv", SHA, await plan_for(repo))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await repo.imports.save_plan(None, "k.csv", "abc", await plan_for(repo))
    (violations,) = await db.conn.execute_fetchall("SELECT count(*) FROM pragma_foreign_key_check")
    assert violations[0] == 0


async def test_a_kader_deactivated_meanwhile_is_not_assigned(repo: Repository, db: Database) -> None:
    admin, siti, _ = await people(repo)
    import_id = await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo))
    await db.conn.execute("UPDATE people SET active = 0 WHERE id = ?", (siti.id,))
    await repo.imports.apply(import_id)
    one = await repo.households.by_code("KK-001")
    assert one is not None and one.kader_id is None
    assert [k.id for k in await repo.imports.kader_refs()] == [siti.id + 1]


async def test_a_code_taken_meanwhile_is_skipped(repo: Repository) -> None:
    admin, _, _ = await people(repo)
    import_id = await repo.imports.save_plan(admin.id, "k.csv", SHA, await plan_for(repo))
    await repo.households.add("KK-001", "Someone Else", "Jl. Lain", "009", "009", "Komet")
    result = await repo.imports.apply(import_id)
    assert result is not None and (result.added, result.updated, result.skipped) == (3, 0, 1)
    kept = await repo.households.by_code("KK-001")
    assert kept is not None and kept.head_name == "Someone Else"


async def test_the_server_applies_at_once(repo: Repository) -> None:
    _, siti, _ = await people(repo)
    data = csv_bytes([HEADERS, *GOOD])
    table = read_table(data, "k.csv", **LIMITS)
    plan = plan_import(table, existing=await repo.imports.existing_households(), kelurahan=KELURAHAN,
                       kader=await repo.imports.kader_refs())
    result = await repo.imports.apply_plan(plan, file_name="k.csv", sha256=fingerprint(data))
    assert (result.added, result.updated, result.skipped) == (4, 0, 0)
    record = await repo.imports.get(result.import_id)
    assert record is not None and record.status == "applied" and record.person_id is None
    assert record.file_sha256 == fingerprint(data) and record.counts["added"] == 4
    assert len(await repo.households.for_kader(siti.id)) == 2
    with pytest.raises(ValueError, match="refused"):
        await repo.imports.apply_plan(ImportPlan(problems=(Problem("import_no_rows"),)), file_name="x",
                                      sha256=SHA)
    with pytest.raises(ValueError, match="refused"):
        await repo.imports.save_plan(None, "x", SHA, ImportPlan(problems=(Problem("import_no_rows"),)))


async def test_an_update_keeps_the_kader_when_the_cell_is_empty(repo: Repository) -> None:
    admin, siti, _ = await people(repo)
    await repo.imports.apply_plan(await plan_for(repo), file_name="k.csv", sha256=SHA)
    plan = ImportPlan(updates=(PlannedHousehold(2, "KK-001", "Budi H.", "Jl. Mawar 1", "001", "002",
                                                "Guntung Manggis", None, set_kader=False,
                                                changed=("head_name",)),))
    result = await repo.imports.apply_plan(plan, file_name="k.csv", sha256=SHA, person_id=admin.id)
    assert result.updated == 1
    one = await repo.households.by_code("KK-001")
    assert one is not None and (one.head_name, one.kader_id) == ("Budi H.", siti.id)

"""Export, progress and the audit log without Telegram."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app import audit, exports, progress
from app.progress import NoProgress, Progress
from app.services import Services
from storage.repository import Repository
from tests.app.admin_world import KELURAHAN, OTHER_KELURAHAN, audit_entries, person, services
from tests.storage.factories import FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def test_an_export_is_a_file_of_the_round_and_is_audited(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    await repo.households.add("GM-001", "Ahmad", "Jl. A", "001", "002", KELURAHAN)
    workbook = await exports.export(svc, admin.id, language="en")
    assert workbook.content.startswith(b"PK")
    assert workbook.file_name == f"tangguh-{svc.settings.survey_round}.xlsx"
    assert (workbook.households, workbook.interviews) == (1, 0)
    table = await exports.export(svc, None, file_format="csv")
    assert table.file_name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header: one row per interview, and there is none yet
    entries = await audit_entries(repo)
    assert [(e.actor_id, e.action, e.subject, e.detail) for e in entries] == [
        (None, "export.csv", f"round:{svc.settings.survey_round}", {"households": 1}),
        (admin.id, "export.xlsx", f"round:{svc.settings.survey_round}", {"households": 1})]
    assert exports.format_for("out.CSV") == "csv" and exports.format_for("out.xlsx") == "xlsx"
    assert exports.format_for("out") == "xlsx"


async def test_progress_for_an_admin_and_for_a_coordinator_of_one_kelurahan(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    siti = await person(repo, "Siti", telegram_id=2)
    rina = await person(repo, "Rina", telegram_id=3, kelurahan=OTHER_KELURAHAN)
    coordinator = await person(repo, "Koordinator", "coordinator", telegram_id=4, kelurahan=OTHER_KELURAHAN)
    elsewhere = await person(repo, "Koordinator Lain", "coordinator", telegram_id=5, kelurahan="Cempaka")
    assert await progress.progress(svc, admin) == NoProgress()
    for number in range(3):
        await repo.households.add(f"GM-{number}", "A", "Jl", "001", "001", KELURAHAN, kader_id=siti.id)
    await repo.households.add("KM-1", "B", "Jl", "001", "001", OTHER_KELURAHAN, kader_id=rina.id)
    everything = await progress.progress(svc, admin)
    assert isinstance(everything, Progress)
    assert [(a.kelurahan, a.assigned) for a in everything.areas] == [(KELURAHAN, 3), (OTHER_KELURAHAN, 1)]
    text = "\n".join(everything.lines)
    assert "<b>Guntung Manggis</b>: 0/3 terkirim" in text and "<b>Komet</b>: 0/1 terkirim" in text
    own = await progress.progress(svc, coordinator)
    assert isinstance(own, Progress) and [a.kelurahan for a in own.areas] == [OTHER_KELURAHAN]
    assert KELURAHAN not in "\n".join(own.lines)
    assert await progress.progress(svc, elsewhere) == NoProgress()


async def test_the_audit_log_names_its_actors(svc: Services) -> None:
    repo = svc.repository
    assert await audit.latest(svc) == []
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    await repo.audit.log(admin.id, "person.move", "person:2")
    await repo.audit.log(None, "export.csv", "round:2026")
    lines = await audit.latest(svc)
    assert [(line.actor, line.entry.action) for line in lines] == [(None, "export.csv"),
                                                                   ("Dewi", "person.move")]
    assert len(await audit.latest(svc, limit=1)) == 1

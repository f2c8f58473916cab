"""Households without Telegram: assign, reopen, erase, keep, and adding one step by step; each
change audited, every refusal and second press writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import households
from app.households import Assigned, Done, Option, Rejected, Saved, Step, Unchanged
from app.outcomes import ALREADY_ANSWERED, UNKNOWN_BUTTON, Refused
from app.services import Services
from storage.records import Household, Interview, Person, ScoreRecord
from storage.repository import Repository
from tests.app.admin_world import KELURAHAN, OTHER_KELURAHAN, audit_actions, audit_entries, person, services
from tests.storage.factories import INSTRUMENT, FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def family(repo: Repository, code: str, kader: Person | None = None,
                 kelurahan: str = KELURAHAN) -> Household:
    return await repo.households.add(code, f"Kepala {code}", "Jl. Mawar 1", "001", "002", kelurahan,
                                     kader_id=kader.id if kader else None)


async def submitted(svc: Services, household: Household, kader: Person) -> Interview:
    repo = svc.repository
    survey_round = svc.settings.survey_round
    interview = await repo.interviews.start(household.id, kader.id, INSTRUMENT, survey_round, None)
    score = ScoreRecord("1.0", "1", 70.0, "tangguh", True, {})
    assert await repo.interviews.submit(interview.id, expected_current=None, score=score)
    done = await repo.interviews.get(interview.id)
    assert done is not None and done.status == "submitted"
    return done


def test_an_assignment_is_read_with_or_without_ke() -> None:
    assert households.parse_assignment(["GM-001,", "GM-002", "ke", "Siti", "Aminah"]) == (
        ["GM-001", "GM-002"], "Siti Aminah")
    assert households.parse_assignment(["GM-001", "K12"]) == (["GM-001"], "K12")
    assert households.parse_assignment(["GM-001", "KE"]) is None
    assert households.parse_assignment(["GM-001"]) is None
    assert households.parse_assignment([]) is None


async def test_assign_moves_every_household_or_none(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    siti = await person(repo, "Siti Aminah", telegram_id=2)
    budi = await person(repo, "Budi Santoso", telegram_id=3)
    rina = await person(repo, "Rina", telegram_id=4, kelurahan=OTHER_KELURAHAN)
    first, second = await family(repo, "GM-001", siti), await family(repo, "GM-002", siti)
    assert await households.assign(svc, admin.id, ["GM-001", "XX-9"], "Budi Santoso") == Refused(
        "assign_unknown_households", {"codes": "XX-9"})
    assert await households.assign(svc, admin.id, ["GM-001"], "Nobody") == Refused(
        "assign_unknown_kader", {"kader": "Nobody"})
    assert await households.assign(svc, admin.id, ["GM-001"], f"K{rina.id}") == Refused(
        "assign_other_kelurahan", {"kader": "Rina", "kelurahan": OTHER_KELURAHAN, "codes": "GM-001"})
    assert [h.id for h in await repo.households.for_kader(siti.id)] == [first.id, second.id]
    assert await audit_actions(repo) == []
    done = await households.assign(svc, admin.id, ["GM-001", "GM-002"], "budi  santoso")
    assert isinstance(done, Assigned) and done.count == 2 and done.kader.id == budi.id
    assert [h.id for h in await repo.households.for_kader(budi.id)] == [first.id, second.id]
    [entry] = await audit_entries(repo)
    assert (entry.action, entry.subject, entry.detail) == ("household.assign", f"person:{budi.id}",
                                                           {"households": 2})


async def test_an_inactive_kader_is_not_found(svc: Services) -> None:
    repo = svc.repository
    kader = await person(repo, "Siti", telegram_id=2)
    await repo.people.set_active(kader.id, False)
    assert await households.find_kader(svc, "Siti") is None
    assert await households.find_kader(svc, f"k{kader.id}") is None


async def test_reopen_and_erase_are_checked_before_asking(svc: Services) -> None:
    repo = svc.repository
    kader = await person(repo, "Siti", telegram_id=2)
    household = await family(repo, "GM-001", kader)
    assert await households.for_command(svc, "reopen", "  ") == Refused("reopen_usage")
    assert await households.for_command(svc, "erase", "") == Refused("erase_usage")
    assert await households.for_command(svc, "erase", "XX-1") == Refused("household_unknown",
                                                                         {"code": "XX-1"})
    assert await households.for_command(svc, "reopen", "GM-001") == Refused("reopen_not_submitted",
                                                                            {"code": "GM-001"})
    assert await households.for_command(svc, "erase", "GM-001") == household
    await submitted(svc, household, kader)
    assert await households.for_command(svc, "reopen", "GM-001") == household
    assert await households.about(svc, 999) == UNKNOWN_BUTTON


async def test_reopen_once(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    kader = await person(repo, "Siti", telegram_id=2)
    household = await family(repo, "GM-001", kader)
    assert isinstance(await households.reopen(svc, admin.id, household.id), Unchanged)  # not started
    interview = await submitted(svc, household, kader)
    assert await households.reopen(svc, admin.id, household.id) == Done(household)
    reopened = await repo.interviews.get(interview.id)
    assert reopened is not None and reopened.status == "draft"
    assert await households.reopen(svc, admin.id, household.id) == Unchanged(household)
    assert await households.reopen(svc, admin.id, 999) == UNKNOWN_BUTTON
    [entry] = await audit_entries(repo)
    assert (entry.actor_id, entry.action, entry.subject) == (admin.id, "household.reopen", "household:GM-001")


async def test_erase_once(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    kader = await person(repo, "Siti", telegram_id=2)
    household = await family(repo, "GM-001", kader)
    interview = await submitted(svc, household, kader)
    assert await households.erase(svc, admin.id, household.id) == Done(household)
    assert await repo.households.get(household.id) is None and await repo.interviews.get(interview.id) is None
    assert await households.erase(svc, admin.id, household.id) == UNKNOWN_BUTTON
    assert await audit_actions(repo) == ["household.erase"]


async def test_keep_clears_the_review_flag_once(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    household = await family(repo, "GM-001")
    assert isinstance(await households.keep(svc, admin.id, household.id), Unchanged)  # no review asked
    await repo.households.set_review(household.id, True)
    assert isinstance(await households.keep(svc, admin.id, household.id), Done)
    assert not (await repo.households.get(household.id)).needs_review  # type: ignore[union-attr]
    assert isinstance(await households.keep(svc, admin.id, household.id), Unchanged)
    assert await households.keep(svc, admin.id, 999) == UNKNOWN_BUTTON
    assert await audit_actions(repo) == ["household.confirm"]


async def walk(svc: Services, someone: Person, typed: list[str]) -> Step:
    step: Step | Refused = await households.start_adding(svc, someone)
    for text in typed:
        state = await svc.repository.dialogs.get(someone.id)
        assert state is not None
        step = await households.give_text(svc, someone, state, text)
        assert isinstance(step, Step), (text, step)
    assert isinstance(step, Step)
    return step


async def test_an_admin_adds_a_household_step_by_step(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    siti = await person(repo, "Siti Aminah", telegram_id=2)
    await person(repo, "Rina", telegram_id=3, kelurahan=OTHER_KELURAHAN)
    step = await walk(svc, admin, ["-", "Ahmad Yani", "Jl. Mawar No. 7"])
    assert step.step == "rt"
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    assert await households.give_text(svc, admin, state, "tujuh") == Refused("household_bad_number")
    assert await repo.dialogs.get(admin.id) == state
    step = await households.give_text(svc, admin, state, "7")
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    step = await households.give_text(svc, admin, state, "2")
    assert isinstance(step, Step) and step.step == "kelurahan"
    assert [o.value for o in step.options] == svc.settings.kelurahan
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    assert await households.give_text(svc, admin, state, "Komet") == Refused("press_a_button")
    step = await households.pick(svc, admin, state, svc.settings.kelurahan.index(KELURAHAN))
    assert isinstance(step, Step) and step.step == "kader"
    assert step.options == (Option(f"K{siti.id}", "Siti Aminah"), Option("", None))
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    assert await households.pick(svc, admin, state, 5) == ALREADY_ANSWERED
    step = await households.pick(svc, admin, state, 0)
    assert isinstance(step, Step) and step.step == "confirm" and step.kader_name == "Siti Aminah"
    assert (step.data["head"], step.data["rt"], step.data["rw"]) == ("Ahmad Yani", "007", "002")
    saved = await households.save(svc, admin)
    assert isinstance(saved, Saved) and not saved.review and saved.notify == ()
    assert saved.household.kader_id == siti.id and not saved.household.needs_review
    assert await repo.dialogs.get(admin.id) is None
    assert await households.save(svc, admin) == ALREADY_ANSWERED
    assert await audit_actions(repo) == ["household.add", "import.apply"]


async def test_a_kader_adds_one_only_when_allowed_and_it_is_flagged_for_the_admins(svc: Services) -> None:
    repo = svc.repository
    kader = await person(repo, "Siti Aminah", telegram_id=2)
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    assert await households.start_adding(svc, kader) == Refused("not_allowed")
    assert await repo.dialogs.get(kader.id) is None
    svc.settings.imports.allow_kader_households = True
    step = await walk(svc, kader, ["-", "Rudi", "Gang Haji 3", "4", "5"])
    assert step.step == "confirm" and step.kader_name == "Siti Aminah"
    assert (step.data["kelurahan"], step.data["kader"]) == (KELURAHAN, f"K{kader.id}")
    saved = await households.save(svc, kader)
    assert isinstance(saved, Saved) and saved.review and [a.id for a in saved.notify] == [admin.id]
    assert saved.household.needs_review and saved.household.kader_id == kader.id


async def test_a_household_that_exists_is_rejected_and_nothing_is_added(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    await family(repo, "GM-001")
    await walk(svc, admin, ["GM-001", "Ahmad", "Jl. A", "1", "2"])
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    step = await households.pick(svc, admin, state, 0)
    assert isinstance(step, Step)
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    await households.pick(svc, admin, state, len(step.options) - 1)  # no kader
    rejected = await households.save(svc, admin)
    assert isinstance(rejected, Rejected)
    assert (await repo.households.by_code("GM-001")).head_name == "Kepala GM-001"  # type: ignore[union-attr]
    assert await repo.dialogs.get(admin.id) is None
    assert await audit_actions(repo) == []

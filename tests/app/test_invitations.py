"""Invitations without Telegram: by one line, by the walk, refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app import invitations
from app.invitations import AskArea, AskName, Invited
from app.outcomes import ALREADY_ANSWERED, UNKNOWN_BUTTON, Refused
from app.services import Services
from flows.invites import InviteRequest, hash_code
from storage.records import DialogState
from storage.repository import Repository
from tests.app.admin_world import KELURAHAN, audit_entries, person, services
from tests.storage.factories import FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def test_an_invitation_registers_the_person_and_stores_only_the_code_hash(svc: Services,
                                                                                 clock: FakeClock) -> None:
    admin = await person(svc.repository, "Dewi", "admin", telegram_id=1)
    invited = await invitations.create_invitation(svc, InviteRequest("kader", "Siti Aminah", KELURAHAN),
                                                  admin.id)
    assert isinstance(invited, Invited)
    assert (invited.person.name, invited.person.role, invited.person.kelurahan) == ("Siti Aminah", "kader",
                                                                                     KELURAHAN)
    assert invited.person.telegram_user_id is None and invited.where == KELURAHAN
    assert invited.expires == clock.now + timedelta(days=svc.settings.invite_valid_days)
    [pending] = await svc.repository.invites.pending()
    assert pending.person_id == invited.person.id and pending.code_hash == hash_code(invited.code)
    [entry] = await audit_entries(svc.repository)
    assert (entry.actor_id, entry.action, entry.subject) == (admin.id, "invite.create",
                                                             f"person:{invited.person.id}")
    assert invited.code not in str(entry.detail)
    redeemed = await svc.repository.invites.redeem(hash_code(invited.code), 555)
    assert redeemed.outcome == "ok"


async def test_one_line_invites_or_refuses_with_the_reason_writing_nothing(svc: Services) -> None:
    repo = svc.repository
    invited = await invitations.invite_by_line(svc, 1, "petugas Rahman Hadi dinsos")
    assert isinstance(invited, Invited) and invited.person.agency_code == "DINSOS"
    assert invited.where == "DINSOS"
    before = await repo.people.list()
    for line, reason in (("kader Siti Aminah Banjarmasin", "invite_unknown_kelurahan"),
                         ("penyihir Siti", "invite_unknown_role"), ("", "invite_usage"),
                         ("petugas Rahman NOPE", "invite_unknown_agency")):
        assert await invitations.invite_by_line(svc, 1, line) == Refused(reason), line
    assert await repo.people.list() == before
    assert len(await audit_entries(repo)) == 1


async def test_the_walk_role_name_area(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    assert await invitations.choose_role(svc, admin.id, "kader") == ALREADY_ANSWERED  # no walk open
    assert await repo.dialogs.get(admin.id) is None
    assert await invitations.start_walk(svc, admin.id) == ("kader", "coordinator", "agency", "admin")
    assert await invitations.choose_role(svc, admin.id, "kader") == AskName("kader")
    state = await repo.dialogs.get(admin.id)
    assert state == DialogState("invite", "name", {"role": "kader"})
    assert await invitations.give_name(svc, admin.id, state, "   ") == Refused("invite_bad_name")
    assert await repo.dialogs.get(admin.id) == state
    asked = await invitations.give_name(svc, admin.id, state, "  Siti   Aminah ")
    assert isinstance(asked, AskArea) and asked.kelurahan and asked.name == "Siti Aminah"
    assert asked.choices == tuple(svc.settings.kelurahan)
    state = await repo.dialogs.get(admin.id)
    assert state is not None and state.step == "area"
    people_before = await repo.people.list()
    assert await invitations.pick_area(svc, admin.id, state, len(asked.choices)) == UNKNOWN_BUTTON
    assert await repo.people.list() == people_before and await repo.dialogs.get(admin.id) == state
    index = asked.choices.index("Komet")
    invited = await invitations.pick_area(svc, admin.id, state, index)
    assert isinstance(invited, Invited) and invited.person.kelurahan == "Komet"
    assert await repo.dialogs.get(admin.id) is None


async def test_the_walk_for_an_admin_needs_no_area_and_an_official_gets_agencies(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    await invitations.start_walk(svc, admin.id)
    await invitations.choose_role(svc, admin.id, "admin")
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    invited = await invitations.give_name(svc, admin.id, state, "Rina Kartika")
    assert isinstance(invited, Invited) and invited.person.role == "admin" and invited.where is None
    assert await repo.dialogs.get(admin.id) is None
    await invitations.start_walk(svc, admin.id)
    await invitations.choose_role(svc, admin.id, "agency")
    state = await repo.dialogs.get(admin.id)
    assert state is not None
    asked = await invitations.give_name(svc, admin.id, state, "Pak Rahman")
    assert isinstance(asked, AskArea) and not asked.kelurahan
    assert asked.choices == tuple(svc.settings.agency_codes)


async def test_a_pick_for_a_step_that_is_over_writes_nothing(svc: Services) -> None:
    state = DialogState("invite", "name", {"role": "kader"})
    assert await invitations.pick_area(svc, 1, state, 0) == ALREADY_ANSWERED
    assert await svc.repository.people.list() == []

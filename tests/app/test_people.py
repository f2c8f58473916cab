"""People without Telegram: the list, a card, deactivate / reactivate / revoke / move, pausing
reminders; each change audited once, a second press or a refusal writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import invitations, people
from app.outcomes import UNKNOWN_BUTTON
from app.people import Card, Changed, Paused, Unchanged
from app.services import Services
from flows.invites import InviteRequest
from flows.reminders import PAUSE
from storage.repository import Repository
from tests.app.admin_world import KELURAHAN, audit_actions, audit_entries, person, services
from tests.storage.factories import FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def test_the_directory_is_by_role_then_area_then_name(svc: Services) -> None:
    repo = svc.repository
    await person(repo, "siti", kelurahan="Komet")
    await person(repo, "Budi", kelurahan="Komet")
    await person(repo, "Ani", kelurahan=KELURAHAN)
    await person(repo, "Dewi", "admin")
    await person(repo, "Rahman", "agency", agency="DINSOS")
    shown = [(p.role, p.name) for p in await people.directory(svc)]
    assert shown == [("admin", "Dewi"), ("agency", "Rahman"), ("kader", "Ani"), ("kader", "Budi"),
                     ("kader", "siti")]


async def test_a_card_shows_status_pending_invitation_and_the_viewer(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    invited = await invitations.create_invitation(svc, InviteRequest("kader", "Siti", KELURAHAN), admin.id)
    card = await people.card(svc, admin.id, invited.person.id)
    assert isinstance(card, Card)
    assert (card.status, card.invite_pending, card.is_viewer, card.movable, card.where) == (
        "pending", True, False, True, KELURAHAN)
    own = await people.card(svc, admin.id, admin.id)
    assert isinstance(own, Card) and own.status == "active" and own.is_viewer and not own.movable
    assert await people.card(svc, admin.id, 999) == UNKNOWN_BUTTON


async def test_deactivate_then_reactivate_each_audited_once(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    kader = await person(repo, "Siti", telegram_id=2)
    done = await people.deactivate(svc, admin.id, kader.id)
    assert isinstance(done, Changed) and done.card.status == "inactive" and done.name == "Siti"
    again = await people.deactivate(svc, admin.id, kader.id)
    assert isinstance(again, Unchanged) and again.card.status == "inactive"
    assert await audit_actions(repo) == ["person.deactivate"]
    back = await people.reactivate(svc, admin.id, kader.id)
    assert isinstance(back, Changed) and back.card.status == "active"
    assert isinstance(await people.reactivate(svc, admin.id, kader.id), Unchanged)
    entries = await audit_entries(repo)
    assert [(e.actor_id, e.action, e.subject) for e in entries] == [
        (admin.id, "person.reactivate", f"person:{kader.id}"),
        (admin.id, "person.deactivate", f"person:{kader.id}")]


async def test_an_admin_cannot_act_on_themselves_or_on_nobody(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    for action in (people.deactivate, people.reactivate, people.revoke):
        assert await action(svc, admin.id, admin.id) == UNKNOWN_BUTTON
        assert await action(svc, admin.id, 999) == UNKNOWN_BUTTON
    assert await people.about(svc, admin.id, admin.id) == UNKNOWN_BUTTON
    assert (await repo.people.get(admin.id)).active  # type: ignore[union-attr]
    assert await audit_actions(repo) == []


async def test_revoking_an_invitation(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    invited = await invitations.create_invitation(svc, InviteRequest("kader", "Budi", "Komet"), admin.id)
    done = await people.revoke(svc, admin.id, invited.person.id)
    assert isinstance(done, Changed) and not done.card.invite_pending
    assert await repo.invites.pending() == []
    assert isinstance(await people.revoke(svc, admin.id, invited.person.id), Unchanged)
    assert await audit_actions(repo) == ["person.revoke", "invite.create"]


async def test_moving_a_kader_or_an_official(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    kader = await person(repo, "Siti", telegram_id=2)
    official = await person(repo, "Rahman", "agency", telegram_id=3, agency="DINSOS")
    komet = svc.settings.kelurahan.index("Komet")
    moved = await people.move(svc, admin.id, kader.id, komet)
    assert isinstance(moved, Changed) and moved.area == "Komet" and moved.card.person.kelurahan == "Komet"
    dinkes = svc.settings.agency_codes.index("DINKES")
    moved = await people.move(svc, admin.id, official.id, dinkes)
    assert isinstance(moved, Changed) and moved.card.person.agency_code == "DINKES"
    assert people.areas_for(svc.settings, official) == svc.settings.agency_codes
    [latest, first] = await audit_entries(repo)
    assert (first.action, first.detail) == ("person.move", {"to": "Komet"})
    assert (latest.action, latest.detail) == ("person.move", {"to": "DINKES"})


async def test_a_move_that_cannot_be_writes_nothing(svc: Services) -> None:
    repo = svc.repository
    admin = await person(repo, "Dewi", "admin", telegram_id=1)
    other_admin = await person(repo, "Rina", "admin", telegram_id=2)
    kader = await person(repo, "Siti", telegram_id=3)
    assert await people.move(svc, admin.id, other_admin.id, 0) == UNKNOWN_BUTTON
    assert await people.move(svc, admin.id, kader.id, len(svc.settings.kelurahan)) == UNKNOWN_BUTTON
    assert await people.move(svc, admin.id, 999, 0) == UNKNOWN_BUTTON
    assert (await repo.people.get(kader.id)).kelurahan == KELURAHAN  # type: ignore[union-attr]
    assert await audit_actions(repo) == []


async def test_pausing_reminders_for_a_week(svc: Services, clock: FakeClock) -> None:
    kader = await person(svc.repository, "Siti", telegram_id=2)
    paused = await people.pause_reminders(svc, kader.id)
    assert paused == Paused(clock.now + PAUSE)
    stored = await svc.repository.people.get(kader.id)
    assert stored is not None and stored.reminders_paused_until == clock.now + PAUSE


async def test_only_active_joined_admins_are_told_things(svc: Services) -> None:
    repo = svc.repository
    joined = await person(repo, "Dewi", "admin", telegram_id=1)
    await person(repo, "Not Joined", "admin")
    gone = await person(repo, "Gone", "admin", telegram_id=2)
    await repo.people.set_active(gone.id, False)
    assert [a.id for a in await people.active_admins(svc)] == [joined.id]

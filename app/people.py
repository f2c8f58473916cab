"""People: the /people list, a person's card, and what an admin does about them (deactivate,
reactivate, revoke an invitation, move to another kelurahan or agency); a kader pausing reminders.

Every change an admin makes is written to the audit log; an action that changes nothing (pressed
twice, already so) writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.outcomes import UNKNOWN_BUTTON, Refused
from app.services import Services
from flows.reminders import PAUSE
from settings import Settings
from storage.records import Person

Status = Literal["pending", "active", "inactive"]


def status(person: Person) -> Status:
    """Not joined yet, active, or deactivated."""
    if person.telegram_user_id is None:
        return "pending"
    return "active" if person.active else "inactive"


def areas_for(settings: Settings, person: Person) -> list[str]:
    """Where a person can be moved: agency codes for an official, else the kelurahan."""
    return settings.agency_codes if person.role == "agency" else settings.kelurahan


@dataclass(frozen=True, slots=True)
class Card:
    """A person as an admin sees them, with what the admin may do about them."""

    person: Person
    status: Status
    invite_pending: bool
    """An unused, unexpired invitation exists (it can be revoked)."""
    is_viewer: bool
    """The admin looking at their own card (they cannot deactivate themselves)."""

    @property
    def where(self) -> str | None:
        """The kelurahan or agency."""
        return self.person.kelurahan or self.person.agency_code

    @property
    def movable(self) -> bool:
        """Whether the person can be moved (admins have no area)."""
        return self.person.role != "admin"


@dataclass(frozen=True, slots=True)
class Changed:
    """Done and audited; ``card`` shows the person as they are now."""

    card: Card
    area: str | None = None
    """For a move: where to."""
    name: str = ""
    """The person's name before the change."""


@dataclass(frozen=True, slots=True)
class Unchanged:
    """It was already so (a second press): nothing written."""

    card: Card


@dataclass(frozen=True, slots=True)
class Paused:
    """The kader's reminders are silent until ``until``."""

    until: datetime


async def directory(svc: Services) -> list[Person]:
    """Everyone, by role, then kelurahan or agency, then name."""
    everyone = await svc.repository.people.list()
    return sorted(everyone, key=lambda p: (p.role, p.kelurahan or p.agency_code or "", p.name.casefold()))


async def card(svc: Services, viewer_id: int, person_id: int) -> Card | Refused:
    """One person's card; refused when there is no such person."""
    person = await svc.repository.people.get(person_id)
    if person is None:
        return UNKNOWN_BUTTON
    return await _card(svc, viewer_id, person)


async def _card(svc: Services, viewer_id: int, person: Person) -> Card:
    pending = {invite.person_id for invite in await svc.repository.invites.pending()}
    return Card(person, status(person), person.id in pending, person.id == viewer_id)


async def about(svc: Services, actor_id: int, person_id: int) -> Person | Refused:
    """The person an admin is about to act on (asked to confirm); never the admin themselves."""
    person = await svc.repository.people.get(person_id)
    if person is None or person.id == actor_id:
        return UNKNOWN_BUTTON
    return person


async def deactivate(svc: Services, actor_id: int, person_id: int) -> Changed | Unchanged | Refused:
    """The person can no longer use the bot (their data stays)."""
    return await _change(svc, actor_id, person_id, "deactivate",
                         lambda person: svc.repository.people.set_active(person.id, False))


async def reactivate(svc: Services, actor_id: int, person_id: int) -> Changed | Unchanged | Refused:
    """A deactivated person may use the bot again."""
    return await _change(svc, actor_id, person_id, "reactivate",
                         lambda person: svc.repository.people.set_active(person.id, True))


async def revoke(svc: Services, actor_id: int, person_id: int) -> Changed | Unchanged | Refused:
    """The person's unused invitations no longer work."""
    async def revoke_invites(person: Person) -> bool:
        return await svc.repository.invites.revoke_for(person.id) > 0
    return await _change(svc, actor_id, person_id, "revoke", revoke_invites)


async def _change(svc: Services, actor_id: int, person_id: int, verb: str,
                  do: Callable[[Person], Awaitable[bool]]) -> Changed | Unchanged | Refused:
    repo = svc.repository
    person = await about(svc, actor_id, person_id)
    if isinstance(person, Refused):
        return person
    if not await do(person):
        return Unchanged(await _card(svc, actor_id, await _reread(svc, person)))
    await repo.audit.log(actor_id, f"person.{verb}", f"person:{person.id}")
    return Changed(await _card(svc, actor_id, await _reread(svc, person)), name=person.name)


async def move(svc: Services, actor_id: int, person_id: int, index: int) -> Changed | Refused:
    """Move a kader or coordinator to the kelurahan (an official to the agency) at ``index`` of
    :func:`areas_for`; audited."""
    repo = svc.repository
    person = await repo.people.get(person_id)
    if person is None or person.role == "admin":
        return UNKNOWN_BUTTON
    choices = areas_for(svc.settings, person)
    if index >= len(choices):
        return UNKNOWN_BUTTON
    area = choices[index]
    if person.role == "agency":
        await repo.people.move(person.id, agency_code=area)
    else:
        await repo.people.move(person.id, kelurahan=area)
    await repo.audit.log(actor_id, "person.move", f"person:{person.id}", {"to": area})
    return Changed(await _card(svc, actor_id, await _reread(svc, person)), area=area, name=person.name)


async def pause_reminders(svc: Services, kader_id: int) -> Paused:
    """"Jeda pengingat seminggu": no reminders for the kader for a week from now."""
    until = svc.clock() + PAUSE
    await svc.repository.people.pause_reminders(kader_id, until)
    return Paused(until)


async def active_admins(svc: Services) -> list[Person]:
    """The admins who can be told something now: active and joined."""
    return [admin for admin in await svc.repository.people.list("admin")
            if admin.active and admin.telegram_user_id is not None]


async def _reread(svc: Services, person: Person) -> Person:
    again = await svc.repository.people.get(person.id)
    assert again is not None
    return again

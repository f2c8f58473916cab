"""Invitations: register a person with a single-use join code, by one line or by the /invite walk
(role → name → kelurahan or agency). Used by the chat, the command line and the sandbox.

The code itself is never stored, only its hash; joining with it (redeeming) is handlers/account.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.outcomes import ALREADY_ANSWERED, UNKNOWN_BUTTON, Refused
from app.services import Services
from flows.invites import InviteRequest, clean_name, hash_code, new_code, parse_invite
from storage.records import DialogState, Person, Role

ROLES_NEEDING_KELURAHAN = frozenset({"kader", "coordinator"})
WALK_ROLES: tuple[Role, ...] = ("kader", "coordinator", "agency", "admin")
"""The roles the walk offers, in the order of its buttons."""
DIALOG = "invite"


@dataclass(frozen=True, slots=True)
class Invited:
    """The person is registered and may join with ``code`` until ``expires``."""

    person: Person
    code: str
    expires: datetime
    where: str | None = None
    """The kelurahan or agency the person was invited for."""


@dataclass(frozen=True, slots=True)
class AskName:
    """The walk's next step: the name of the person to invite as ``role``."""

    role: str


@dataclass(frozen=True, slots=True)
class AskArea:
    """The walk's next step: the kelurahan (or agency) of ``name``, one of ``choices``."""

    role: str
    name: str
    choices: tuple[str, ...]

    @property
    def kelurahan(self) -> bool:
        """Whether the choices are kelurahan (else agency codes)."""
        return self.role in ROLES_NEEDING_KELURAHAN


async def create_invitation(svc: Services, request: InviteRequest, created_by: int | None) -> Invited:
    """Register the person and a single-use invitation, audited; the code itself is never stored."""
    repo, settings = svc.repository, svc.settings
    role: Role = request.role  # type: ignore[assignment]
    person = await repo.people.add(request.name, role, kelurahan=request.kelurahan,
                                   agency_code=request.agency, language=settings.default_language)
    code = new_code()
    expires = repo.now() + timedelta(days=settings.invite_valid_days)
    await repo.invites.create(person.id, hash_code(code), expires, created_by=created_by)
    await repo.audit.log(created_by, "invite.create", f"person:{person.id}", {"role": role})
    return Invited(person, code, expires, request.kelurahan or request.agency)


async def invite_by_line(svc: Services, admin_id: int, line: str) -> Invited | Refused:
    """``/invite kader Siti Aminah Guntung Manggis``: everything on one line; refused (nothing
    written) with the locale key saying what is wrong."""
    request = parse_invite(line, svc.settings.kelurahan, svc.settings.agency_codes)
    if isinstance(request, str):
        return Refused(request)
    return await create_invitation(svc, request, admin_id)


async def start_walk(svc: Services, admin_id: int) -> tuple[Role, ...]:
    """Open the walk: the roles to choose from."""
    await svc.repository.dialogs.put(admin_id, DialogState(DIALOG, "role", {}))
    return WALK_ROLES


async def choose_role(svc: Services, admin_id: int, role: str) -> AskName | Refused:
    """The role of the walk; refused when no walk is open."""
    state = await svc.repository.dialogs.get(admin_id)
    if state is None or state.kind != DIALOG:
        return ALREADY_ANSWERED
    await svc.repository.dialogs.put(admin_id, DialogState(DIALOG, "name", {"role": role}))
    return AskName(role)


async def give_name(svc: Services, admin_id: int, state: DialogState, typed: str
                    ) -> Invited | AskArea | Refused:
    """The typed name: an admin is invited at once, the others need a kelurahan or agency next."""
    name = clean_name(typed)
    if name is None:
        return Refused("invite_bad_name")
    role = state.data["role"]
    if role == "admin":
        await svc.repository.dialogs.clear(admin_id)
        return await create_invitation(svc, InviteRequest(role, name), admin_id)
    settings = svc.settings
    choices = settings.kelurahan if role in ROLES_NEEDING_KELURAHAN else settings.agency_codes
    await svc.repository.dialogs.put(admin_id, DialogState(DIALOG, "area", {
        "role": role, "name": name, "choices": list(choices)}))
    return AskArea(role, name, tuple(choices))


async def pick_area(svc: Services, admin_id: int, state: DialogState, index: int) -> Invited | Refused:
    """The kelurahan or agency button of the walk (``index`` into the choices it offered)."""
    if state.kind != DIALOG or state.step != "area":
        return ALREADY_ANSWERED
    choices = state.data["choices"]
    if index >= len(choices):
        return UNKNOWN_BUTTON
    role, name, choice = state.data["role"], state.data["name"], choices[index]
    request = (InviteRequest(role, name, kelurahan=choice) if role in ROLES_NEEDING_KELURAHAN
               else InviteRequest(role, name, agency=choice))
    await svc.repository.dialogs.clear(admin_id)
    return await create_invitation(svc, request, admin_id)

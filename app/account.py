"""Who may talk to the bot: letting a registered person in, joining with an invitation code,
choosing a language, and the people whose chats get a menu of their own."""

from __future__ import annotations

from dataclasses import dataclass

from app.services import Services
from flows.invites import hash_code
from storage.records import Person, RedeemResult


@dataclass(frozen=True, slots=True)
class LanguageSet:
    """The person, now speaking ``person.language``."""

    person: Person


@dataclass(frozen=True, slots=True)
class UnknownLanguage:
    """A language the texts do not have: nothing changed."""


async def admit(svc: Services, telegram_user_id: int) -> Person | None:
    """The active person behind a Telegram account (None: a stranger or deactivated). Someone the
    outbox had marked unreachable writes again, so bulk messages may reach them again."""
    person = await svc.repository.people.by_telegram_id(telegram_user_id)
    if person is None or not person.active:
        return None
    if person.unreachable_at is not None:
        await svc.repository.outbox.mark_reachable(person.id)
    return person


async def join(svc: Services, code: str, telegram_user_id: int) -> RedeemResult:
    """Redeem an invitation code for this Telegram account (checks and binding in one transaction)."""
    return await svc.repository.invites.redeem(hash_code(code), telegram_user_id)


async def set_language(svc: Services, person: Person, language: str,
                       offered: frozenset[str]) -> LanguageSet | UnknownLanguage:
    """Speak ``language`` to the person from now on, if it is offered and the texts have it."""
    if language not in offered or language not in svc.catalog.languages:
        return UnknownLanguage()
    await svc.repository.people.set_language(person.id, language)
    updated = await svc.repository.people.get(person.id)
    assert updated is not None
    return LanguageSet(updated)


async def with_own_menu(svc: Services) -> list[Person]:
    """Joined, active admins, officials and coordinators: their chats get their role's menu."""
    return [person for person in await svc.repository.people.list()
            if person.role != "kader" and person.active and person.telegram_user_id is not None]

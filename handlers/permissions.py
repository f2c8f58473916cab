"""Who may do what: one table, checked on the server for every command and every button (each
button names its capability where it is routed, see handlers/routing.py)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from handlers.context import TangguhContext
from storage.records import Person, Role

log = logging.getLogger(__name__)

EVERYONE: frozenset[Role] = frozenset({"admin", "kader", "agency", "coordinator"})
ADMIN: frozenset[Role] = frozenset({"admin"})

CAPABILITIES: dict[str, frozenset[Role]] = {
    "start": EVERYONE,
    "help": EVERYONE,
    "language": EVERYONE,
    "survey": frozenset({"kader"}),
    "invite": ADMIN,
    "people": ADMIN,
    "assign": ADMIN,
    "reopen": ADMIN,
    "erase": ADMIN,
    "audit": ADMIN,
    "import": ADMIN,
    "template": ADMIN,
    "export": ADMIN,
    "progress": frozenset({"admin", "coordinator"}),
    "household": frozenset({"admin", "kader"}),
    "digest": frozenset({"admin", "agency"}),
}
"""Capability → the roles that have it. Commands are named after their capability."""

VERBS: dict[str, str] = {
    "deactivate": "people", "reactivate": "people", "revoke": "people", "move": "people",
    "dialog": "start",
    "reopen": "reopen", "erase": "erase", "import": "import", "household": "household",
    "keep": "people", "pause": "survey",
}
"""Confirmable verb → the capability it needs."""

MENU: tuple[str, ...] = ("survey", "household", "invite", "people", "import", "template", "assign",
                         "progress", "export", "digest", "reopen", "erase", "audit", "language", "help")
"""The commands of the chat menu, in order; each person sees those their role may use."""


def allowed(person: Person | None, capability: str) -> bool:
    """Whether an active person's role has the capability; unknown capabilities are refused."""
    return (person is not None and person.active
            and person.role in CAPABILITIES.get(capability, frozenset()))


def verb_allowed(person: Person | None, verb: str) -> bool:
    """Whether the person may confirm (or cancel) the action ``verb``; unknown verbs are refused."""
    return allowed(person, VERBS.get(verb, ""))


Command = Callable[[Update, TangguhContext], Awaitable[None]]


def requires(capability: str, refusal: str = "not_allowed") -> Callable[[Command], Command]:
    """Refuse the command, politely and with nothing changed, to roles without ``capability``."""
    def wrap(handler: Command) -> Command:
        @functools.wraps(handler)
        async def guarded(update: Update, context: TangguhContext) -> None:
            if not allowed(context.person, capability):
                log.warning("refused /%s for person %s (%s)", capability, context.member.id,
                            context.member.role)
                assert update.effective_message is not None
                await update.effective_message.reply_text(context.svc.text(context.person, refusal))
                return
            await handler(update, context)
        return guarded
    return wrap

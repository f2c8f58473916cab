"""Who may do what: one table, checked on the server for every command and every button."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from flows.callbacks import Action
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

BUTTONS: dict[Action, str] = {
    **{action: "survey" for action in (
        Action.ANSWER, Action.TOGGLE, Action.DONE, Action.REFUSE, Action.BACK, Action.PAUSE,
        Action.EDIT, Action.SUBMIT, Action.RESUME, Action.HOUSEHOLD, Action.CONSENT, Action.LIST)},
    Action.LANGUAGE: "language",
    Action.INVITE_ROLE: "invite",
    Action.PICK: "start",
    Action.PEOPLE: "people",
    Action.PERSON: "people",
    Action.MOVE: "people",
    Action.ASK: "start",  # confirmations are checked by their verb
    Action.CONFIRM: "start",
    Action.CANCEL: "start",
}
"""Button action → the capability it needs (confirmations are checked again per verb)."""

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


def button_allowed(person: Person | None, action: Action, verb: str | None = None) -> bool:
    """Whether the person may press a button of this action (and, for confirmations, verb)."""
    if not allowed(person, BUTTONS.get(action, "")):
        return False
    return verb is None or allowed(person, VERBS.get(verb, ""))


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

"""Where every button press and every typed text goes, after the gate let the person in.

Each handler module registers its buttons beside their handlers (``@ROUTES.on(AnswerButton,
"survey")``); the capability named there is checked on the server before the handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Update

from flows.callbacks import CONFIRMATIONS, Button, decode
from handlers.context import TangguhContext
from handlers.permissions import allowed, verb_allowed
from telegram_io.screens import Notice, answer_press

log = logging.getLogger(__name__)

B = TypeVar("B", bound=Button)
Handler = Callable[[Update, TangguhContext, Any], Awaitable[Notice]]


@dataclass(frozen=True, slots=True)
class Route:
    """A kind of button: the capability it needs and the handler that serves it."""

    capability: str
    handle: Handler


class Routes(dict[type[Button], Route]):
    """A feature's buttons; merged into one table at registration."""

    def on(self, kind: type[B], capability: str) -> Callable[[Callable[[Update, TangguhContext, B],
                                                                        Awaitable[Notice]]], Handler]:
        """Register the decorated function as the handler of ``kind``."""
        def register(handle: Callable[[Update, TangguhContext, B], Awaitable[Notice]]) -> Handler:
            if kind in self:
                raise ValueError(f"{kind.__name__} is routed twice")
            self[kind] = Route(capability, handle)
            return handle
        return register


def merge(*tables: Routes) -> Routes:
    """One table of every feature's buttons; a kind routed twice is a mistake."""
    merged = Routes()
    for table in tables:
        for kind, route in table.items():
            if kind in merged:
                raise ValueError(f"{kind.__name__} is routed twice")
            merged[kind] = route
    return merged


def button_allowed(routes: Routes, person: object, button: Button) -> bool:
    """Whether the person may press this button (confirmations: also its verb)."""
    route = routes.get(type(button))
    if route is None or not allowed(person, route.capability):  # type: ignore[arg-type]
        return False
    verb = getattr(button, "verb", None) if isinstance(button, CONFIRMATIONS) else None
    return verb is None or verb_allowed(person, verb)  # type: ignore[arg-type]


def button_handler(routes: Routes) -> Callable[[Update, TangguhContext], Awaitable[None]]:
    """The one callback-query handler: parse, check the role, route, answer the query once."""
    async def on_button(update: Update, context: TangguhContext) -> None:
        query = update.callback_query
        assert query is not None
        person = context.member
        button = decode(query.data)
        if button is None:
            log.warning("refused malformed button data from person %s", person.id)
            notice = Notice(context.svc.text(person, "unknown_button"), alert=True)
        elif not button_allowed(routes, person, button):
            log.warning("refused button %s for person %s (%s)", type(button).__name__, person.id,
                        person.role)
            notice = Notice(context.svc.text(person, "not_allowed"), alert=True)
        else:
            notice = await routes[type(button)].handle(update, context, button)
        await answer_press(query, notice)  # a second answer to the same press is refused: no harm
    return on_button

"""The permission table: every button action is covered; each role gets exactly its share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import button_routes
from flows.callbacks import KINDS, ConfirmButton
from handlers.permissions import CAPABILITIES, VERBS, allowed
from handlers.routing import button_allowed
from storage.records import Person


def person(role: str, active: bool = True) -> Person:
    return Person(1, 1, "X", role, None, None, "id", active, datetime.now(UTC), None, None, None)  # type: ignore[arg-type]


def test_every_button_action_needs_a_known_capability() -> None:
    routes = button_routes()
    assert set(routes) == set(KINDS.values())
    assert {route.capability for route in routes.values()} <= set(CAPABILITIES)
    assert set(VERBS.values()) <= set(CAPABILITIES)


@pytest.mark.parametrize(("role", "may", "may_not"), [
    ("kader", {"survey", "help", "language"}, {"invite", "people", "export", "progress", "import"}),
    ("admin", {"invite", "people", "export", "progress", "import", "audit"}, {"survey"}),
    ("coordinator", {"progress", "help"}, {"survey", "invite", "export", "people"}),
    ("agency", {"help", "language"}, {"survey", "invite", "progress", "export"}),
])
def test_roles(role: str, may: set[str], may_not: set[str]) -> None:
    for capability in may:
        assert allowed(person(role), capability), capability
    for capability in may_not:
        assert not allowed(person(role), capability), capability


def test_inactive_people_and_unknown_capabilities_are_refused() -> None:
    assert not allowed(person("admin", active=False), "invite")
    assert not allowed(None, "help")
    assert not allowed(person("admin"), "no-such-thing")
    routes = button_routes()
    assert not button_allowed(routes, person("admin"), ConfirmButton("drop", 1))
    assert button_allowed(routes, person("admin"), ConfirmButton("erase", 1))
    assert not button_allowed(routes, person("kader"), ConfirmButton("erase", 1))

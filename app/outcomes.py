"""Outcomes several use cases share; each feature module adds its own where it has more to say."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was written; ``reason`` is a locale key (with its ``params``) saying why."""

    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    alert: bool = False
    """Whether a button press should be answered with an alert rather than a toast."""


UNKNOWN_BUTTON = Refused("unknown_button", alert=True)
"""A press about something that is not (or no longer) there, or not for this person."""
ALREADY_ANSWERED = Refused("already_answered")
"""A press of a step that is over (a dialog closed, a choice already made)."""
NOT_YOURS = Refused("not_yours", alert=True)
"""A press about another kader's family or interview, or data no screen could have sent."""


def not_yours(person_id: int, why: str) -> Refused:
    """Refuse, logging why; the person is only told that it is not theirs."""
    log.warning("refused a button from person %s: %s", person_id, why)
    return NOT_YOURS

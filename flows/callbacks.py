"""Button payloads: short, versioned strings that carry their own context.

``v1:<action>:<fields...>``, at most 64 bytes (Telegram's limit). Every press is parsed here and
then checked against the database before anything is written: a payload proves nothing by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "v1"
LIMIT = 64
NO_QUESTION = "-"
"""Stands for "at the review screen" where a question id would be."""

_ID = re.compile(r"^[1-9][0-9]{0,9}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
_MASK = re.compile(r"^[0-9a-f]{1,4}$")
_PAGE = re.compile(r"^[0-9]{1,4}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_ROLE = re.compile(r"^(admin|kader|agency|coordinator)$")
_VERB = re.compile(r"^[a-z]{1,10}$")


class Action(StrEnum):
    """What a button does."""

    ANSWER = "a"  # interview, question, option value
    TOGGLE = "t"  # interview, question, selection mask (a multiple-choice tick)
    DONE = "d"  # interview, question, selection mask (confirm a multiple choice)
    REFUSE = "r"  # interview, question ("Tidak ingin menjawab")
    BACK = "b"  # interview, question or "-"
    PAUSE = "p"  # interview ("Simpan & keluar")
    EDIT = "e"  # interview, question (from the review)
    SUBMIT = "s"  # interview
    RESUME = "u"  # interview
    HOUSEHOLD = "h"  # household (show its card)
    CONSENT = "c"  # household (the family agreed: start)
    LIST = "l"  # page of the household list
    LANGUAGE = "g"  # language code
    INVITE_ROLE = "I"  # role (admin: the /invite walk)
    PICK = "K"  # index of a choice the open dialog offered (kelurahan, agency, kader)
    PEOPLE = "P"  # page of the people list
    PERSON = "Q"  # person (their card)
    MOVE = "m"  # person, index of the kelurahan or agency to move them to
    ASK = "x"  # verb, subject (an admin action that needs confirming)
    CONFIRM = "y"  # verb, subject
    CANCEL = "n"  # verb, subject


_SHAPES: dict[Action, tuple[str, ...]] = {
    Action.ANSWER: ("interview", "question", "value"),
    Action.TOGGLE: ("interview", "question", "mask"),
    Action.DONE: ("interview", "question", "mask"),
    Action.REFUSE: ("interview", "question"),
    Action.BACK: ("interview", "position"),
    Action.PAUSE: ("interview",),
    Action.EDIT: ("interview", "question"),
    Action.SUBMIT: ("interview",),
    Action.RESUME: ("interview",),
    Action.HOUSEHOLD: ("household",),
    Action.CONSENT: ("household",),
    Action.LIST: ("page",),
    Action.LANGUAGE: ("language",),
    Action.INVITE_ROLE: ("role",),
    Action.PICK: ("page",),
    Action.PEOPLE: ("page",),
    Action.PERSON: ("person",),
    Action.MOVE: ("person", "page"),
    Action.ASK: ("verb", "subject"),
    Action.CONFIRM: ("verb", "subject"),
    Action.CANCEL: ("verb", "subject"),
}


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed payload; only the fields its action uses are set."""

    action: Action
    interview: int | None = None
    household: int | None = None
    question: str | None = None
    value: str | None = None
    mask: int | None = None
    page: int | None = None
    language: str | None = None
    role: str | None = None
    person: int | None = None
    verb: str | None = None
    subject: int | None = None

    def encode(self) -> str:
        """The payload string; ValueError if it would exceed Telegram's limit."""
        parts = [VERSION, self.action.value]
        for name in _SHAPES[self.action]:
            parts.append(_format(self, name))
        data = ":".join(parts)
        if len(data.encode("utf-8")) > LIMIT:
            raise ValueError(f"callback data longer than {LIMIT} bytes: {data!r}")
        return data


def _format(callback: Callback, name: str) -> str:
    if name == "position":
        return callback.question or NO_QUESTION
    if name == "mask":
        return f"{callback.mask:x}"
    return str(getattr(callback, name))


def decode(data: str | None) -> Callback | None:
    """Parse a payload; None for anything malformed, forged or from another version."""
    if not data or len(data.encode("utf-8")) > LIMIT:
        return None
    version, _, rest = data.partition(":")
    code, _, rest = rest.partition(":")
    if version != VERSION or code not in Action._value2member_map_:
        return None
    action = Action(code)
    names = _SHAPES[action]
    values = rest.split(":") if rest else []
    if len(values) != len(names):
        return None
    fields: dict[str, object] = {}
    for name, value in zip(names, values, strict=True):
        parsed = _parse(name, value)
        if parsed is None:
            return None
        if name == "position":
            fields["question"] = None if parsed == NO_QUESTION else parsed
        else:
            fields[name] = parsed
    return Callback(action, **fields)  # type: ignore[arg-type]


def _parse(name: str, value: str) -> object | None:
    if name in {"interview", "household", "person", "subject"}:
        return int(value) if _ID.match(value) else None
    if name == "page":
        return int(value) if _PAGE.match(value) else None
    if name in {"question", "value"}:
        return value if _NAME.match(value) else None
    if name == "position":
        return value if value == NO_QUESTION or _NAME.match(value) else None
    if name == "mask":
        return int(value, 16) if _MASK.match(value) else None
    if name == "language":
        return value if _LANGUAGE.match(value) else None
    if name == "role":
        return value if _ROLE.match(value) else None
    if name == "verb":
        return value if _VERB.match(value) else None
    return None

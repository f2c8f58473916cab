"""Button payloads: one small class per kind of button, encoded and decoded here.

``v1:<code>:<fields...>``, at most 64 bytes (Telegram's limit). Every field is required and has
one format, chosen by its name (``interview`` is an id, ``mask`` is hex…). A press is parsed here
and then checked against the database before anything is written: a payload proves nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

VERSION = "v1"
LIMIT = 64
NO_QUESTION = "-"
"""Stands for "at the review screen" where a question id would be."""

_ID = re.compile(r"^[1-9][0-9]{0,9}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
_MASK = re.compile(r"^[0-9a-f]{1,4}$")
_INDEX = re.compile(r"^[0-9]{1,4}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_ROLE = re.compile(r"^(admin|kader|agency|coordinator)$")
_VERB = re.compile(r"^[a-z]{1,10}$")


def _matching(pattern: re.Pattern[str], convert: Callable[[str], object] = str) -> Callable[[str], object]:
    def parse(text: str) -> object:
        return convert(text) if pattern.match(text) else None
    return parse


def _position(text: str) -> object:
    if text == NO_QUESTION:
        return None
    return text if _NAME.match(text) else _INVALID


_INVALID = object()
_PARSERS: dict[str, Callable[[str], object]] = {
    "interview": _matching(_ID, int), "household": _matching(_ID, int),
    "person": _matching(_ID, int), "subject": _matching(_ID, int),
    "page": _matching(_INDEX, int), "index": _matching(_INDEX, int),
    "question": _matching(_NAME), "value": _matching(_NAME), "position": _position,
    "mask": _matching(_MASK, lambda text: int(text, 16)),
    "language": _matching(_LANGUAGE), "role": _matching(_ROLE), "verb": _matching(_VERB),
}
"""How each field name is read back; None (or _INVALID for a position) refuses the payload."""

_FORMATTERS: dict[str, Callable[[object], str]] = {
    "position": lambda value: NO_QUESTION if value is None else str(value),
    "mask": lambda value: f"{value:x}",
}


@dataclass(frozen=True, slots=True)
class Button:
    """A kind of button; subclasses declare their ``CODE`` and their fields, all required."""

    CODE: ClassVar[str] = ""

    def encode(self) -> str:
        """The payload string; ValueError if it would exceed Telegram's limit."""
        parts = [VERSION, self.CODE]
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            parts.append(_FORMATTERS.get(field.name, str)(value))
        data = ":".join(parts)
        if len(data.encode("utf-8")) > LIMIT:
            raise ValueError(f"callback data longer than {LIMIT} bytes: {data!r}")
        return data


B = TypeVar("B", bound=type[Button])
KINDS: dict[str, type[Button]] = {}
"""Every kind of button by its code."""


def button(code: str) -> Callable[[B], B]:
    """Register a payload class under ``code`` (one letter, unique)."""
    def register(cls: B) -> B:
        if code in KINDS:
            raise ValueError(f"button code {code!r} is taken by {KINDS[code].__name__}")
        unknown = [f.name for f in dataclasses.fields(cls) if f.name not in _PARSERS]
        if unknown:
            raise ValueError(f"{cls.__name__}: no format for field(s) {unknown}")
        cls.CODE = code
        KINDS[code] = cls
        return cls
    return register


def decode(data: str | None) -> Button | None:
    """Parse a payload; None for anything malformed, forged or from another version."""
    if not data or len(data.encode("utf-8")) > LIMIT:
        return None
    version, _, rest = data.partition(":")
    code, _, rest = rest.partition(":")
    cls = KINDS.get(code)
    if version != VERSION or cls is None:
        return None
    fields = dataclasses.fields(cls)
    values = rest.split(":") if rest else []
    if len(values) != len(fields):
        return None
    parsed: dict[str, object] = {}
    for field, text in zip(fields, values, strict=True):
        value = _PARSERS[field.name](text)
        if value is _INVALID or (value is None and field.name != "position"):
            return None
        parsed[field.name] = value
    return cls(**parsed)


# --- the interview -----------------------------------------------------------------------


@button("a")
@dataclass(frozen=True, slots=True)
class AnswerButton(Button):
    """An option of a single-choice question."""

    interview: int
    question: str
    value: str


@button("t")
@dataclass(frozen=True, slots=True)
class ToggleButton(Button):
    """A tick of a multiple-choice question: the selection it leads to, as a bit mask."""

    interview: int
    question: str
    mask: int


@button("d")
@dataclass(frozen=True, slots=True)
class DoneButton(Button):
    """Confirm a multiple-choice selection."""

    interview: int
    question: str
    mask: int


@button("r")
@dataclass(frozen=True, slots=True)
class RefuseButton(Button):
    """"Tidak ingin menjawab"."""

    interview: int
    question: str


@button("b")
@dataclass(frozen=True, slots=True)
class BackButton(Button):
    """Back from a question, or from the review (``position`` None)."""

    interview: int
    position: str | None


@button("p")
@dataclass(frozen=True, slots=True)
class PauseButton(Button):
    """"Simpan & keluar"."""

    interview: int


@button("e")
@dataclass(frozen=True, slots=True)
class EditButton(Button):
    """✏️ of an answer in the review."""

    interview: int
    question: str


@button("s")
@dataclass(frozen=True, slots=True)
class SubmitButton(Button):
    """Submit from the review."""

    interview: int


@button("u")
@dataclass(frozen=True, slots=True)
class ResumeButton(Button):
    """Continue a draft."""

    interview: int


# --- the household list ------------------------------------------------------------------


@button("h")
@dataclass(frozen=True, slots=True)
class HouseholdButton(Button):
    """A family of the list: its card."""

    household: int


@button("c")
@dataclass(frozen=True, slots=True)
class ConsentButton(Button):
    """The family agreed: start the interview."""

    household: int


@button("l")
@dataclass(frozen=True, slots=True)
class ListButton(Button):
    """A page of the household list."""

    page: int


@button("g")
@dataclass(frozen=True, slots=True)
class LanguageButton(Button):
    """A language of /language."""

    language: str


# --- admins ------------------------------------------------------------------------------


@button("I")
@dataclass(frozen=True, slots=True)
class InviteRoleButton(Button):
    """The role chosen in the /invite walk."""

    role: str


@button("K")
@dataclass(frozen=True, slots=True)
class PickButton(Button):
    """The index of a choice the open dialog offered (kelurahan, agency, kader)."""

    index: int


@button("P")
@dataclass(frozen=True, slots=True)
class PeoplePageButton(Button):
    """A page of /people."""

    page: int


@button("Q")
@dataclass(frozen=True, slots=True)
class PersonButton(Button):
    """A person's card in /people."""

    person: int


@button("m")
@dataclass(frozen=True, slots=True)
class MoveButton(Button):
    """Move a person to the kelurahan or agency at ``index``."""

    person: int
    index: int


@button("x")
@dataclass(frozen=True, slots=True)
class AskButton(Button):
    """The first press of a risky action: ask to confirm."""

    verb: str
    subject: int


@button("y")
@dataclass(frozen=True, slots=True)
class ConfirmButton(Button):
    """Do the action."""

    verb: str
    subject: int


@button("n")
@dataclass(frozen=True, slots=True)
class CancelButton(Button):
    """Do not do it."""

    verb: str
    subject: int


CONFIRMATIONS: tuple[type[Button], ...] = (AskButton, ConfirmButton, CancelButton)
"""The buttons whose ``verb`` is checked again against the person's role."""

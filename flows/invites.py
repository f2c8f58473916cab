"""Invitation codes: random, URL-safe, stored only as a hash, carried by a /start deep link."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flows.areas import match_name

CODE_BYTES = 24
"""192 random bits; the code is 32 URL-safe characters, within /start's 64-character payload."""
_CODE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_code() -> str:
    """A fresh invitation code."""
    return secrets.token_urlsafe(CODE_BYTES)


def hash_code(code: str) -> str:
    """What the database keeps of a code: its SHA-256, so a stolen database yields no live links."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def looks_like_code(payload: str) -> bool:
    """Whether a /start payload has the shape of an invitation code (nothing else is looked up)."""
    return bool(_CODE.match(payload))


def deep_link(bot_username: str, code: str) -> str:
    """``https://t.me/<bot>?start=<code>``: opening it in Telegram sends /start <code> to the bot."""
    return f"https://t.me/{bot_username}?start={code}"


ROLE_WORDS = {"kader": "kader", "admin": "admin", "agency": "agency", "petugas": "agency",
              "skpd": "agency", "opd": "agency", "instansi": "agency", "koordinator": "coordinator",
              "coordinator": "coordinator"}
NAME_LIMIT = 80


@dataclass(frozen=True, slots=True)
class InviteRequest:
    """Who to invite: role, name, and the kelurahan or agency that goes with the role."""

    role: str
    name: str
    kelurahan: str | None = None
    agency: str | None = None


def clean_name(text: str) -> str | None:
    """A person's name as typed, tidied; None when empty, too long or holding control characters."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_LIMIT or any(unicodedata.category(c)[0] == "C" for c in name):
        return None
    return name


def parse_invite(text: str, kelurahan: Sequence[str], agency_codes: Sequence[str]) -> InviteRequest | str:
    """``kader Siti Aminah Guntung Manggis`` → an InviteRequest; otherwise a locale key saying why."""
    words = text.split()
    if not words:
        return "invite_usage"
    role = ROLE_WORDS.get(words[0].casefold())
    if role is None:
        return "invite_unknown_role"
    rest = words[1:]
    area: str | None = None
    agency: str | None = None
    if role in {"kader", "coordinator"}:
        for size in range(min(4, len(rest) - 1), 0, -1):
            area = match_name(" ".join(rest[-size:]), kelurahan)
            if area:
                rest = rest[:-size]
                break
        if area is None:
            return "invite_unknown_kelurahan"
    elif role == "agency":
        agency = match_name(rest[-1], agency_codes) if len(rest) > 1 else None
        if agency is None:
            return "invite_unknown_agency"
        rest = rest[:-1]
    name = clean_name(" ".join(rest))
    if name is None:
        return "invite_bad_name"
    return InviteRequest(role, name, area, agency)

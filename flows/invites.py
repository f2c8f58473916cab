"""Invitation codes: random, URL-safe, stored only as a hash, carried by a /start deep link."""

from __future__ import annotations

import hashlib
import re
import secrets

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

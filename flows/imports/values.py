"""A cell's value as an import compares it: cleaned, RT/RW numbers, identities, derived codes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Final

MAX_VALUE: Final = 200
"""Longest text accepted in any cell."""
MAX_CODE: Final = 32
"""Longest household code accepted."""
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/.\-]*$")
"""What a household code in a file may look like."""
_NUMBER: Final = re.compile(r"^(?:R[TW])?\s*[.:]?\s*(\d{1,3})$", re.IGNORECASE)
_GENERATED_HASH: Final = (10, 12, 14, 16, 20, 24)


def clean(value: str) -> str:
    """A cell's text trimmed, with inner whitespace (line breaks, non-breaking spaces) collapsed."""
    return " ".join(value.split())


def _fold(value: str) -> str:
    """Text compared without regard to case or spacing."""
    return " ".join(value.casefold().split())


def normalise_number(value: str) -> str | None:
    """An RT or RW as three digits ("1", "RT 01" → "001"); None when not 1 to 999."""
    match = _NUMBER.match(value)
    if not match or int(match[1]) == 0:
        return None
    return f"{int(match[1]):03d}"


def _area_number(value: str) -> str:
    """An RT/RW for matching: three digits when it is a number, else as folded text."""
    return normalise_number(value) or _fold(value)


def identity(kelurahan: str, rt: str, rw: str, head_name: str, address: str) -> tuple[str, ...]:
    """What makes a household without a code the same household: area, head of family, address."""
    return (_fold(kelurahan), _area_number(rt), _area_number(rw), _fold(head_name), _fold(address))


def initials(kelurahan: str) -> str:
    """The prefix of generated codes: the kelurahan's initials ("Guntung Manggis" → "GM")."""
    letters = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", kelurahan)).upper()
    return letters[:8] or "KK"


def generated_codes(kelurahan: str, key: tuple[str, ...]) -> Iterable[str]:
    """Candidate codes for a household without one, shortest first, all derived from its identity."""
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest().upper()
    prefix = initials(kelurahan)
    yield from (f"{prefix}-{digest[:length]}" for length in _GENERATED_HASH)
    yield from (f"{prefix}-{digest[:20]}-{n}" for n in range(2, 10_000))

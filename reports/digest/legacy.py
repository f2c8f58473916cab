"""TEMPORARY: the digests as ready-to-send message parts, until the callers pack blocks themselves.

Telegram's length limit and HTML-safe splitting belong to the Telegram I/O layer (``telegram_io/``),
not to reports. This module keeps ``digest_text``, ``admin_text`` and ``split_message`` working for
the callers of today (jobs/digests.py, jobs/scheduler.py, handlers/digest.py); once they call
``digest_blocks`` / ``admin_blocks`` and pack the blocks with the I/O layer, delete this module and its
re-exports in ``reports/digest/__init__.py`` (the splitter's tests move with the splitter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from flows.i18n import Catalog
from reports.digest.admin import AdminFigures
from reports.digest.figures import AgencyFigures
from reports.digest.text import BLOCK_SEPARATOR, admin_blocks, digest_blocks

TEXT_LIMIT: Final = 4096
"""Telegram's limit on a message's text, in UTF-16 code units."""


def digest_text(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                timezone: str = "Asia/Makassar", limit: int = TEXT_LIMIT) -> list[str]:
    """The digest as Telegram HTML messages, each at most ``limit`` UTF-16 units (see
    :func:`split_message`); dates shown in ``timezone``. Superseded by :func:`digest_blocks`."""
    blocks = digest_blocks(figures, catalog, language, agency_name, timezone=timezone)
    return split_message(BLOCK_SEPARATOR.join(blocks), limit)


def admin_text(figures: AdminFigures, catalog: Catalog, language: str) -> str:
    """The admin digest's index section as Telegram HTML (compose it, then :func:`split_message`).
    Superseded by :func:`admin_blocks`."""
    return BLOCK_SEPARATOR.join(admin_blocks(figures, catalog, language))


# --- splitting Telegram HTML --------------------------------------------------------------------
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|\n\n+|\n|[ \t]+|[^<&\s]+|[<&]|\s")
_TAG_NAME = re.compile(r"</?\s*([\w-]+)")
_ANY_TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True, slots=True)
class _Piece:
    """A token of Telegram HTML, its length, how good a cut before it is, and the tags open before it."""

    token: str
    units: int
    rank: int
    before: tuple[str, ...]


def split_message(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML in parts of at most ``limit`` UTF-16 units. Each cut is at the last blank line that
    fits, else the last line break, else space, else between words' pieces; never inside a tag or an
    entity; a tag open at a cut is closed there and opened again at the start of the next part."""
    if limit < 64:
        raise ValueError("limit too small to close and reopen tags")
    parts: list[str] = []
    chunk: list[_Piece] = []
    stack: tuple[str, ...] = ()
    size = reopened = 0
    for token in _tokens(text, limit // 4):
        piece = _Piece(token, _units(token), _rank(token), stack)
        after = _after(stack, token)
        while len(chunk) > reopened and size + piece.units + _closing(after) > limit:
            head, chunk, reopened = _cut(chunk, reopened, piece)
            parts.append(head)
            size = sum(p.units for p in chunk)
        stack = after
        if piece.rank and len(chunk) == reopened:
            continue  # no part starts with white space
        chunk.append(piece)
        size += piece.units
    parts.append("".join(p.token for p in chunk))
    return [part for part in (p.strip() for p in parts) if _ANY_TAG.sub("", part).strip()]


def _tokens(text: str, longest: int) -> Iterator[str]:
    """Tags, entities, breaks, spaces and words (words longer than ``longest`` in pieces)."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if len(token) <= longest or token.startswith(("<", "&")):
            yield token
        else:
            yield from (token[i:i + longest] for i in range(0, len(token), longest))


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def _rank(token: str) -> int:
    """How good a cut right before ``token`` is: blank line 3, line break 2, space 1, else 0."""
    if token.startswith("\n\n"):
        return 3
    if token == "\n":
        return 2
    return 1 if token.isspace() else 0


def _cut(chunk: list[_Piece], reopened: int, incoming: _Piece) -> tuple[str, list[_Piece], int]:
    """Split ``chunk`` at its best cut: the part before it (tags closed), the rest (tags reopened)."""
    def at(i: int) -> _Piece:
        return chunk[i] if i < len(chunk) else incoming

    best = max(range(reopened + 1, len(chunk) + 1), key=lambda i: (at(i).rank, not at(i).before, i))
    open_tags = at(best).before
    head = "".join(p.token for p in chunk[:best]).rstrip()
    head += "".join(f"</{_tag(tag)}>" for tag in reversed(open_tags))
    tail = chunk[best:]
    while tail and tail[0].rank:
        tail = tail[1:]
    again = [_Piece(tag, _units(tag), 0, open_tags[:k]) for k, tag in enumerate(open_tags)]
    return head, again + tail, len(again)


def _tag(opening: str) -> str:
    """The name of a tag (``b`` of ``<b>``, ``a`` of ``<a href="…">``)."""
    found = _TAG_NAME.match(opening)
    return found.group(1).lower() if found else ""


def _after(stack: tuple[str, ...], token: str) -> tuple[str, ...]:
    """The tags open after ``token``, given those open before it."""
    if not (token.startswith("<") and token.endswith(">")) or token.endswith("/>"):
        return stack
    if not token.startswith("</"):
        return (*stack, token)
    name = _tag(token)
    for k in range(len(stack) - 1, -1, -1):
        if _tag(stack[k]) == name:
            return stack[:k]
    return stack


def _closing(stack: tuple[str, ...]) -> int:
    """Length of the closing tags of ``stack``."""
    return sum(len(_tag(tag)) + 3 for tag in stack)



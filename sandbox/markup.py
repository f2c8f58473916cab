"""Telegram message text as safe HTML for the sandbox page: the plain text and its entities (as the
fake Bot API parsed them from the bot's HTML) serialised again with a short list of tags, everything
else escaped, newlines as ``<br>``. What comes out may go straight into ``innerHTML``."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

TAGS = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "code": "code", "pre": "pre",
        "spoiler": "tg-spoiler", "blockquote": "blockquote", "expandable_blockquote": "blockquote",
        "text_link": "a"}
LINK_SCHEMES = {"http", "https", "tg", "mailto"}


def plain_html(text: str) -> str:
    """Plain text (a person's own message) escaped, newlines as ``<br>``."""
    return escape(text).replace("\n", "<br>")


def entities_html(text: str, entities: list[dict[str, Any]]) -> str:
    """``text`` with its entities as HTML tags; entities that overlap without nesting stay plain."""
    units = text.encode("utf-16-le")
    length = len(units) // 2
    spans = sorted(((int(e["offset"]), int(e["offset"]) + int(e["length"]), e) for e in entities
                    if e.get("type") in TAGS and int(e.get("length", 0)) > 0),
                   key=lambda span: (span[0], -span[1]))
    points = sorted({0, length, *(s for s, _, _ in spans), *(end for _, end, _ in spans)})
    out: list[str] = []
    open_ends: list[tuple[int, str]] = []  # (end, closing tag) of the open tags, innermost last
    waiting = list(spans)
    for number, point in enumerate(points):
        while open_ends and open_ends[-1][0] <= point:
            out.append(open_ends.pop()[1])
        while waiting and waiting[0][0] <= point:
            start, end, entity = waiting.pop(0)
            if start < point or (open_ends and end > open_ends[-1][0]) or end > length:
                continue  # it would cross a tag already open: leave it out rather than break the HTML
            opening, closing = _tag(entity)
            if opening:
                out.append(opening)
                open_ends.append((end, closing))
        if number + 1 < len(points):
            piece = units[2 * point: 2 * points[number + 1]].decode("utf-16-le", errors="replace")
            out.append(plain_html(piece))
    out.extend(closing for _, closing in reversed(open_ends))
    return "".join(out)


def _tag(entity: dict[str, Any]) -> tuple[str, str]:
    """The opening and closing tag of one entity ('' when it has none, e.g. a link to an odd scheme)."""
    name = TAGS[entity["type"]]
    if name != "a":
        return f"<{name}>", f"</{name}>"
    url = str(entity.get("url") or "")
    if urlsplit(url).scheme.lower() not in LINK_SCHEMES:
        return "", ""
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">', "</a>"


def keyboard(markup: dict[str, Any] | None) -> list[list[dict[str, str]]] | None:
    """An inline keyboard as rows of ``{"text", "data"}`` or ``{"text", "url"}``; other buttons left out."""
    rows: list[list[dict[str, str]]] = []
    for row in (markup or {}).get("inline_keyboard", []):
        buttons = [{"text": str(b["text"]), "data": str(b["callback_data"])} if "callback_data" in b
                   else {"text": str(b["text"]), "url": str(b["url"])}
                   for b in row if "callback_data" in b or "url" in b]
        if buttons:
            rows.append(buttons)
    return rows or None

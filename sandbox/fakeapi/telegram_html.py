"""Telegram's HTML parse mode, strict as Telegram is: plain text and entities, or a refusal."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sandbox.fakeapi.model import BotApiError, utf16_len

HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
             "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
             "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
             "blockquote": "blockquote", "tg-emoji": "custom_emoji"}


class TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: ``TelegramHtml().parse(source)`` gives plain text and entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.entities, self.error = "", [], ""
        self.open: list[tuple[str, int, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Only Telegram's tags, with the attributes they need."""
        a = dict(attrs)
        if (tag not in HTML_TAGS or (tag == "span" and a.get("class") != "tg-spoiler")
                or (tag == "a" and not a.get("href")) or (tag == "tg-emoji" and not a.get("emoji-id"))):
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.open.append((tag, utf16_len(self.text), a))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open tag, which must be ``tag``."""
        if not self.open or self.open[-1][0] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
            return
        _, start, attrs = self.open.pop()
        entity: dict[str, Any] = {"type": HTML_TAGS.get(tag, tag), "offset": start,
                                  "length": utf16_len(self.text) - start}
        if tag == "a":
            entity["url"] = attrs["href"]
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attrs["emoji-id"]
        if entity["length"]:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Plain text."""
        self.text += data

    def parse(self, source: str) -> tuple[str, list[dict[str, Any]]]:
        """Plain text and entities; BotApiError if Telegram would refuse ``source``."""
        if re.search(r"<(?![a-zA-Z/])", source):
            self.error = 'Unsupported start tag "<": escape it as &lt;'
        if bad := [e for e in re.findall(r"&([a-zA-Z]+);", source) if e not in {"lt", "gt", "amp", "quot"}]:
            self.error = f'Unsupported HTML entity "&{bad[0]};"'
        self.feed(source)
        self.close()
        if self.open:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"'
        if self.error:
            raise BotApiError(f"Bad Request: can't parse entities: {self.error}")
        return self.text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))

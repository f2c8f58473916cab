"""Telegram's text limits, pure: split and fit HTML without cutting a tag or an entity; page lists
(``Page``, ``paginate``: flows/paging.py, the same for every screen).

Lengths are UTF-16 code units (Telegram's unit) of the raw HTML, which is never shorter than the text
Telegram counts after parsing the entities, so a part that fits here fits there.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

from flows.paging import Page, paginate

LIMIT = 4096
"""Telegram's longest message text."""

_MARKUP = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")
_EMPTY_PAIR = re.compile(r"<([a-zA-Z][\w-]*)(?:\s[^<>]*)?></\1\s*>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_CLUSTER_MAX = 32  # code points kept together at most (a flag, a family emoji, a letter and its marks)
_BLANK, _NEWLINE, _SPACE = 3, 2, 1  # separators, best first


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Token(NamedTuple):
    """One piece that is never cut: a tag, an entity, a character with its combining marks."""

    kind: str  # "open", "close", "text" or "space"
    raw: str
    size: int  # UTF-16 units
    name: str = ""  # the tag's name, lower case


def _marks() -> str:
    """A regex class body of the Basic Multilingual Plane's combining marks."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_CLUSTER = re.compile(  # a character and what joins it: marks, variation selectors, skin tones, ZWJ
    r"(?:[\U0001F1E6-\U0001F1FF]{2}|.)(?:[\u200d\ufe0e\ufe0f\u20e3\U0001F3FB-\U0001F3FF"
    r"\U000E0020-\U000E007F" + _marks() + r"]|(?<=\u200d)\S){0," + str(_CLUSTER_MAX - 1) + "}", re.S)


def _clusters(text: str) -> list[str]:
    """``text`` cut into user-perceived characters, near enough: never inside an emoji or a pair."""
    return _CLUSTER.findall(text)


def _tokenize(text: str) -> list[_Token]:
    """Tags, entities and characters, in order."""
    tokens: list[_Token] = []

    def plain(chunk: str) -> None:
        tokens.extend(_Token("space" if c.isspace() else "text", c, len(c) if c.isascii() else utf16_len(c))
                      for c in _clusters(chunk))

    at = 0
    for match in _MARKUP.finditer(text):
        plain(text[at:match.start()])
        raw = match.group()
        tag = _TAG.match(raw) if raw.startswith("<") else None
        if tag is None:
            tokens.append(_Token("text", raw, len(raw)))
        else:
            kind = "close" if tag.group(1) else "open"
            tokens.append(_Token(kind, raw, utf16_len(raw), tag.group(2).lower()))
        at = match.end()
    plain(text[at:])
    return tokens


class _Cut(NamedTuple):
    """Where a part ends, where the next begins (after the separator) and the tags open there."""

    end: int
    resume: int
    stack: tuple[_Token, ...]


def _closing(stack: Sequence[_Token]) -> str:
    """The end tags that close ``stack``, innermost first."""
    return "".join(f"</{tag.name}>" for tag in reversed(stack))


def _separator(tokens: Sequence[_Token], at: int) -> tuple[int, int]:
    """The kind of the whitespace run starting at ``at`` (0: none) and the index after it."""
    end = at
    while end < len(tokens) and tokens[end].kind == "space":
        end += 1
    run = "".join(token.raw for token in tokens[at:end])
    newlines = run.count("\n")
    kind = 0 if end == at else _BLANK if newlines > 1 else _NEWLINE if newlines else _SPACE
    return kind, end


def _cut(tokens: Sequence[_Token], start: int, open_tags: tuple[_Token, ...], limit: int) -> _Cut:
    """The best place to end the part that starts at ``start`` with ``open_tags`` reopened."""
    stack, frozen = list(open_tags), open_tags
    length = sum(tag.size for tag in stack)
    close = utf16_len(_closing(stack))
    best: dict[int, tuple[int, _Cut]] = {}  # the last cut found for each separator kind, with its length
    hard: tuple[int, tuple[_Token, ...]] | None = None
    content = False
    k = start
    while length + close <= limit:  # never shrinks: an end tag moves its length from close to length
        if k == len(tokens):
            return _Cut(k, k, frozen)
        token = tokens[k]
        if content:
            hard = k, frozen
            if token.kind == "space" and tokens[k - 1].kind != "space":
                kind, resume = _separator(tokens, k)
                best[kind] = (length, _Cut(k, resume, frozen))
        length += token.size
        if token.kind == "open":
            stack.append(token)
            close += len(token.name) + 3
            frozen = tuple(stack)
        elif token.kind == "close":
            if any(tag.name == token.name for tag in stack):
                while stack:
                    close -= len(stack[-1].name) + 3
                    if stack.pop().name == token.name:
                        break
                frozen = tuple(stack)
        else:
            content = True
        k += 1
    for kind in (_BLANK, _NEWLINE, _SPACE):
        if kind in best and best[kind][0] >= limit // 3:
            return best[kind][1]
    if best:
        return max(best.values(), key=lambda found: found[0])[1]
    if hard is None:
        raise ValueError(f"a limit of {limit} leaves no room for text inside the open tags")
    return _Cut(hard[0], hard[0], hard[1])


def _tidy(part: str) -> str:
    """``part`` without tag pairs that enclose nothing (left where a cut met a tag)."""
    while (tidier := _EMPTY_PAIR.sub("", part)) != part:
        part = tidier
    return part


def text_content(source: str) -> str:
    """What Telegram shows of ``source``: tags removed, entities decoded."""
    return html.unescape(_ANY_TAG.sub("", source))


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """``text`` (Telegram HTML) in parts of at most ``limit``, cut at a blank line, a newline, a space,
    else anywhere but inside a tag or an entity; tags open at a cut are closed and reopened; parts
    with nothing to show are dropped. A text that fits comes back as ``[text]``."""
    if utf16_len(text) <= limit:
        return [text]
    tokens = _tokenize(text)
    parts: list[str] = []
    start = 0
    stack: tuple[_Token, ...] = ()
    while start < len(tokens):
        cut = _cut(tokens, start, stack, limit)
        body = "".join(token.raw for token in tokens[start:cut.end])
        parts.append(_tidy("".join(tag.raw for tag in stack) + body + _closing(cut.stack)))
        start, stack = cut.resume, cut.stack
    return [part for part in parts if text_content(part).strip()]


def fit_html(text: str, limit: int = LIMIT, more: str = "\n…") -> str:
    """``text`` if it fits, else its first part shortened so that with ``more`` (HTML) appended it
    fits, its tags closed."""
    if utf16_len(text) <= limit:
        return text
    parts = split_html(text, limit - utf16_len(more))
    return (parts[0] if parts else "") + more


def pack_blocks(blocks: Sequence[str], limit: int = LIMIT, separator: str = "\n") -> list[str]:
    """Whole blocks (each valid HTML on its own) joined by ``separator`` into as few messages as
    possible, in order; a block longer than ``limit`` is split with :func:`split_html`."""
    messages: list[str] = []
    current: str | None = None
    for block in blocks:
        joined = block if current is None else current + separator + block
        if utf16_len(joined) <= limit:
            current = joined
            continue
        if current is not None:
            messages.append(current)
        pieces = split_html(block, limit)
        messages.extend(pieces[:-1])
        current = pieces[-1] if pieces else None
    if current is not None:
        messages.append(current)
    return [message for message in messages if text_content(message).strip()]


def clip(text: str, limit: int = 200) -> str:
    """Plain text (what someone typed) shortened to ``limit`` UTF-16 units, ending with "…", cut
    between characters; escape it for HTML after clipping."""
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    room = limit - 1
    for cluster in _clusters(text):
        room -= utf16_len(cluster)
        if room < 0:
            break
        kept.append(cluster)
    return "".join(kept).rstrip() + "…"

__all__ = ["LIMIT", "Page", "clip", "fit_html", "pack_blocks", "paginate", "split_html", "text_content",
           "utf16_len"]

"""Splitting and fitting Telegram HTML: every part valid, within the limit, and nothing lost."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest

from sandbox.fakeapi import TelegramHtml
from telegram_io.text import (
    LIMIT,
    clip,
    fit_html,
    pack_blocks,
    paginate,
    split_html,
    text_content,
    utf16_len,
)

TAGS = [("<b>", "</b>"), ("<strong>", "</strong>"), ("<i>", "</i>"), ("<em>", "</em>"), ("<u>", "</u>"),
        ("<ins>", "</ins>"), ("<s>", "</s>"), ("<strike>", "</strike>"), ("<del>", "</del>"),
        ('<a href="https://example.org/?q=1&amp;r=2">', "</a>"), ("<code>", "</code>"),
        ("<pre>", "</pre>"), ('<pre><code class="language-python">', "</code></pre>"),
        ("<tg-spoiler>", "</tg-spoiler>"), ('<span class="tg-spoiler">', "</span>"),
        ("<blockquote>", "</blockquote>"), ("<blockquote expandable>", "</blockquote>")]
EMOJI_TAG = '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
ATOMS = ["keluarga", "Banjarbaru", "indeks", "71,3", "&lt;", "&gt;", "&amp;", "&quot;", "&#39;",
         "&#x1F600;", "&#128512;", "😀", "👨‍👩‍👧", "🇮🇩", "𝔸𝔹", "é", "👍🏽", "1️⃣", EMOJI_TAG]
SEPARATORS = [" "] * 8 + ["\n"] * 3 + ["\n\n"]
ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
TAG = re.compile(r"<[^<>]*>")


def generate(rng: random.Random, depth: int = 0) -> str:
    """A random Telegram-HTML fragment: words, entities, emoji, long words, tags nested ≤ 3 deep."""
    pieces: list[str] = []
    for _ in range(rng.randint(1, 12)):
        roll = rng.random()
        if roll < 0.25 and depth < 3:
            start, end = rng.choice(TAGS)
            pieces.append(start + generate(rng, depth + 1) + end)
        elif roll < 0.32:
            pieces.append(rng.choice("xyzw") * rng.randint(40, 400))  # a long word without spaces
        else:
            pieces.append("".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 4))))
        pieces.append(rng.choice(SEPARATORS))
    return "".join(pieces)


class Checker(HTMLParser):
    """Fails on an unknown tag or an end tag that does not close the innermost open one."""

    def __init__(self, allowed_starts: set[str]) -> None:
        super().__init__(convert_charrefs=False)
        self.allowed, self.stack = allowed_starts, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Opened: remember it and check it was in the original, attributes and all."""
        raw = self.get_starttag_text()
        assert raw in self.allowed, f"start tag {raw!r} was not in the original"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Closed: must be the innermost."""
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def assert_valid(parts: list[str], original: str, limit: int) -> None:
    """Each part within the limit, well nested, with whole entities; together the original's text."""
    starts = set(TAG.findall(original))
    for part in parts:
        assert 0 < utf16_len(part) <= limit, (utf16_len(part), limit)
        checker = Checker(starts)
        checker.feed(part)
        checker.close()
        assert checker.stack == [], f"left open: {checker.stack} in {part!r}"
        for amp in re.finditer("&", part):
            assert ENTITY.match(part, amp.start()), f"broken entity at {part[amp.start():amp.start() + 8]!r}"
        assert all(TAG.match(part, lt.start()) for lt in re.finditer("<", part)), part
        shown, _ = TelegramHtml().parse(part)  # raises as Telegram would refuse the part
        assert shown.strip(), "an empty part"
    joined = "".join(text_content(part) for part in parts)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text_content(original))


@pytest.mark.parametrize("seed", range(200))
def test_random_html_splits_into_valid_parts(seed: int) -> None:
    """Many random texts, many limits: every part valid, nothing lost or invented."""
    rng = random.Random(seed)
    text = "".join(generate(rng) for _ in range(rng.randint(1, 4)))
    limit = rng.choice([260, 333, 500, 777, 1024, LIMIT])
    parts = split_html(text, limit)
    assert_valid(parts, text, limit)
    if utf16_len(text) <= limit:
        assert parts == [text]


@pytest.mark.parametrize("seed", range(40))
def test_random_html_fits(seed: int) -> None:
    """fit_html: unchanged when it fits, else a valid prefix followed by the marker."""
    rng = random.Random(1000 + seed)
    text = "".join(generate(rng) for _ in range(4))
    limit = rng.choice([300, 600, 1500])
    fitted = fit_html(text, limit)
    assert utf16_len(fitted) <= limit
    if utf16_len(text) <= limit:
        assert fitted == text
    else:
        assert fitted.endswith("\n…")
        TelegramHtml().parse(fitted)
        body = re.sub(r"\s", "", text_content(fitted.removesuffix("\n…")))
        assert re.sub(r"\s", "", text_content(text)).startswith(body)


def progress_text(kader: int = 60) -> str:
    """The /progress screen of issue 12: one bold name per kader."""
    lines = [f"<b>Kader Nama Panjang {n}</b>: 12 keluarga, 9 dimulai, 7 selesai, indeks 71,3"
             for n in range(1, kader + 1)]
    return "<b>Progres pendataan</b>\n\n" + "\n".join(lines)


@pytest.mark.parametrize("kader", [60, 61, 120, 400])
def test_progress_of_many_kader_never_cuts_inside_a_tag(kader: int) -> None:
    """Issue 12: the cut at 4000 landed inside ``</b`` and Telegram refused the message."""
    text = progress_text(kader)
    assert utf16_len(text) > LIMIT
    parts = split_html(text)
    assert len(parts) > 1
    assert_valid(parts, text, LIMIT)
    for part in parts:
        assert not re.search(r"</?b?$", part)
        assert all(line.startswith("<b>") for line in part.split("\n") if "Kader" in line)  # whole lines
    names = re.findall(r"Kader Nama Panjang (\d+)", "".join(parts))
    assert names == [str(n) for n in range(1, kader + 1)]


def test_fit_progress_keeps_whole_lines() -> None:
    """One message with as many whole lines as fit, then the marker."""
    fitted = fit_html(progress_text(), more="\n…")
    assert utf16_len(fitted) <= LIMIT and fitted.endswith("</b>: 12 keluarga, 9 dimulai, 7 selesai, indeks "
                                                            "71,3\n…")
    TelegramHtml().parse(fitted)


def test_prefers_blank_line_then_newline_then_space() -> None:
    """Paragraphs stay whole when they can; lines next; words next."""
    paragraph = "\n".join(" ".join(["kata"] * 10) for _ in range(4))  # 4 lines of 49 characters
    text = "\n\n".join([paragraph] * 6)
    assert split_html(text, 450) == ["\n\n".join([paragraph] * 2)] * 3
    assert split_html(paragraph, 120) == ["\n".join([paragraph.split("\n")[0]] * 2)] * 2
    words = split_html(" ".join(["kata"] * 30), 22)
    assert words == ["kata kata kata kata"] * 7 + ["kata kata"]


def test_blank_line_far_back_loses_to_a_late_newline() -> None:
    """A blank line in the first third does not leave a tiny message: the last newline wins."""
    text = "Judul\n\n" + "\n".join(f"baris {n:03}" for n in range(100))
    first = split_html(text, 200)[0]
    assert first.startswith("Judul\n\nbaris 000") and utf16_len(first) > 150


def test_long_word_is_cut_hard_but_not_inside_an_entity_or_emoji() -> None:
    """No separator at all: cut anywhere between characters, never inside ``&amp;`` or 👨‍👩‍👧."""
    assert [len(p) for p in split_html("x" * 10_000)] == [4096, 4096, 1808]
    parts = split_html("&amp;" * 2000)
    assert all(len(part) % 5 == 0 for part in parts) and "".join(parts) == "&amp;" * 2000
    family = "👨‍👩‍👧"
    parts = split_html(family * 1000, 100)
    assert all(part == family * (len(part) // len(family)) for part in parts)


def test_astral_characters_count_twice() -> None:
    """😀 is two UTF-16 units: 2048 of them fill a message, 2049 do not."""
    assert split_html("😀" * 2048) == ["😀" * 2048]
    assert [utf16_len(p) for p in split_html("😀" * 2049)] == [4096, 2]


def test_open_tags_are_closed_and_reopened_with_their_attributes() -> None:
    """A link cut in two is two links to the same place."""
    link = '<a href="https://t.me/x?a=1&amp;b=2">' + "kata " * 20 + "</a>"
    parts = split_html(f"<b>{link}</b>", 80)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith('<b><a href="https://t.me/x?a=1&amp;b=2">') and part.endswith("</a></b>")


def test_whitespace_only_parts_are_dropped() -> None:
    """A run of blank lines is no message of its own."""
    parts = split_html("a" * 50 + "\n" * 200 + "b" * 50, 60)
    assert parts == ["a" * 50, "b" * 50]


def test_tags_too_long_for_the_limit_are_refused() -> None:
    """A limit that cannot hold the open tags and one character is an error, not a loop."""
    with pytest.raises(ValueError, match="no room"):
        split_html('<a href="https://example.org/very/long/path">' + "x" * 100 + "</a>", 40)


def test_pack_blocks_keeps_blocks_whole() -> None:
    """Blocks join while they fit; a block never straddles two messages unless it is too long."""
    blocks = [f"<b>Desa {n}</b>\n" + "keluarga " * (n % 7 + 1) for n in range(50)]
    messages = pack_blocks(blocks, 300)
    assert "\n".join(messages) == "\n".join(blocks)
    assert all(utf16_len(m) <= 300 for m in messages)
    assert len(messages) == len(pack_blocks(blocks, 300, separator="\n"))
    assert all(m.startswith("<b>Desa") for m in messages)
    assert pack_blocks(["a", "b"], 10, separator="\n\n") == ["a\n\nb"]
    assert pack_blocks([], 10) == []


def test_pack_blocks_splits_a_block_over_the_limit() -> None:
    """A huge block is split; the blocks around it still join its neighbours' messages."""
    huge = "<i>" + "kata " * 100 + "</i>"
    messages = pack_blocks(["awal", huge, "akhir"], 120)
    assert messages[0] == "awal"
    assert_valid(messages, "awal" + huge + "akhir", 120)
    assert messages[-1].endswith("</i>\nakhir")


def test_clip() -> None:
    """Short text unchanged; long text cut between characters, with an ellipsis, within the limit."""
    assert clip("Siti") == "Siti"
    assert clip("a" * 200) == "a" * 200
    assert clip("a" * 201) == "a" * 199 + "…"
    clipped = clip("😀" * 150)
    assert clipped == "😀" * 99 + "…" and utf16_len(clipped) == 199
    assert clip("kata " * 10, 12) == "kata kata k…"
    assert clip("kata " * 10, 11) == "kata kata…"  # no space before the ellipsis
    clipped = clip("👨‍👩‍👧" * 50, 30)
    assert clipped.removesuffix("…") == "👨‍👩‍👧" * 3


def test_paginate() -> None:
    """Pages count from 0 and are clamped; an empty list is one empty page."""
    page = paginate(list(range(23)), 1, 10)
    assert (page.items, page.number, page.count, page.total) == (tuple(range(10, 20)), 1, 3, 23)
    assert page.has_previous and page.has_next
    last = paginate(list(range(23)), 99, 10)
    assert (last.items, last.number, last.has_next, last.has_previous) == ((20, 21, 22), 2, False, True)
    first = paginate("abc", -5, 10)
    assert (first.items, first.number, first.count) == (("a", "b", "c"), 0, 1)
    assert not first.has_previous and not first.has_next
    empty = paginate([], 3, 10)
    assert (empty.items, empty.number, empty.count, empty.total) == ((), 0, 1, 0)
    with pytest.raises(ValueError):
        paginate([1], 0, 0)

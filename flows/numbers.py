"""Parse the counts and Rupiah amounts kader type into a chat.

``parse_number`` never raises: it returns a ``ParsedNumber`` or a ``NumberProblem``.
Input is NFKC-normalised (full-width digits, non-breaking spaces), invisible format
characters are dropped, case is ignored; superscripts and vulgar fractions are refused.
Accepted: numerals, Indonesian number words (``nol`` .. ``sembilan``, ``belas``,
``puluh``, ``ratus``, ``se-`` forms, ``setengah``), scale words (``ribu/rb/k``,
``juta/jt``, ``miliar/milyar/m``, ``triliun/t``) in decreasing order, a leading
``Rp``/``IDR`` (money), a trailing ``rupiah`` (money) or a count noun like
``orang``/``anak``/``jiwa`` (integer), and ``tidak ada`` for zero.

Ambiguity rules for ``.`` and ``,`` inside a numeral:

* a separator followed by exactly three digits groups thousands: ``1.000`` and
  ``1,500`` are 1000 and 1500, ``1.500 juta`` is 1.5 billion;
* a final separator followed by one or two digits is a decimal point: ``1,5 juta``,
  ``1.5 juta``, integer ``2,5`` (``not_whole``), money ``1.500.000,00`` (zero cents
  are fine, ``1500,5`` is ``not_whole``);
* grouping must be consistent: one separator character, distinct from the decimal one,
  a first group of 1-3 digits not starting with 0, then groups of exactly three
  (``1.50.000``, ``1.2.3,4,5`` are refused); ``1 500 000`` (space-grouped) is 1500000;
* a trailing ``,-`` (money dash) is ignored;
* a bare number after a scale word must be of the next lower scale:
  ``seribu lima ratus`` is 1500 and ``2 juta 500.000`` is 2500000, but ``2 juta 500``
  (2000500 or 2500000?) is refused as ``not_a_number``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

NumberKind = Literal["integer", "money"]


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A whole, non-negative number within the parser's sanity limit."""

    value: int


@dataclass(frozen=True, slots=True)
class NumberProblem:
    """Why a text was refused: empty, negative, not_a_number, not_whole or too_large."""

    code: str


_LIMITS: dict[str, int] = {"integer": 10**6, "money": 10**13}
_ONES = ("satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_DIGITS = dict(zip(_ONES, range(1, 10), strict=True))
_COMPOUNDS = frozenset({"belas", "puluh", "ratus"})
_SCALES: dict[str, int] = {
    **dict.fromkeys(("ribu", "rb", "rbu", "rebu", "k"), 10**3),
    **dict.fromkeys(("juta", "jt", "jta"), 10**6),
    **dict.fromkeys(("miliar", "milyar", "m"), 10**9),
    **dict.fromkeys(("triliun", "t"), 10**12),
}
_SE_FORMS = {  # seratus -> satu ratus, sejuta -> satu juta, ...
    "se" + w: ("satu", w) for w in (*_COMPOUNDS, "ribu", "juta", "miliar", "milyar")
}
_TRAILING: dict[str, frozenset[str]] = {
    "integer": frozenset({"orang", "org", "anak", "jiwa", "kk", "keluarga", "kali"}),
    "money": frozenset({"rupiah", "rp"}),
}
_ZERO = {(neg, "ada") for neg in ("tidak", "tdk", "tak", "gak", "ga", "nggak", "belum")}
_CATEGORY_FIX = {"Cf": "", "No": "?"}  # drop zero-width marks; refuse ², ½, ①
_HALF = Decimal("0.5")
_HUGE = Decimal(10) ** 30  # stands in for numerals too long to be meant seriously

_TOKEN = re.compile(r"([0-9]+(?:[.,][0-9]+)*)|([a-z]+)|(\S)")
_SPACE_GROUPS = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?: [0-9]{3})+(?![0-9])")
_PREFIX = re.compile(r"^(?:rp|idr)\.? ?")
_MINUS = re.compile(r"^(?:[-\u2010-\u2013\u2212]|minus(?![a-z])) ?")


class _NotANumber(Exception):
    """Internal: the text cannot be read as a number."""


def parse_number(text: str, kind: NumberKind) -> ParsedNumber | NumberProblem:
    """Read a count (``integer``) or a Rupiah amount (``money``) typed by a kader."""
    s = _normalize(text)
    if not s:
        return NumberProblem("empty")
    if kind == "money":
        s = _PREFIX.sub("", s)
    sign = _MINUS.match(s)
    if sign:
        s = s[sign.end() :]
        if kind == "money":
            s = _PREFIX.sub("", s)
    try:
        value = _evaluate(_tokenize(s), kind)
    except _NotANumber:
        return NumberProblem("not_a_number")
    if sign:
        return NumberProblem("negative")
    if value > _LIMITS[kind]:
        return NumberProblem("too_large")
    if value != value.to_integral_value():
        return NumberProblem("not_whole")
    return ParsedNumber(int(value))


def _normalize(text: str) -> str:
    """Fold width, case and spacing; drop a money dash; join space-grouped thousands."""
    s = "".join(_CATEGORY_FIX.get(unicodedata.category(c), c) for c in text)
    s = unicodedata.normalize("NFKC", s)
    s = " ".join(s.lower().split())
    s = re.sub(r"(?<=[0-9])[.,] ?-$|(?<=\S)\.$", "", s)
    return _SPACE_GROUPS.sub(lambda m: m.group().replace(" ", "."), s)


def _tokenize(s: str) -> list[Decimal | str]:
    """Split into numerals (as Decimal) and words; any other symbol is refused."""
    tokens: list[Decimal | str] = []
    for numeral, word, other in _TOKEN.findall(s):
        if numeral:
            tokens.append(_numeral(numeral))
        elif word:
            tokens.extend(_SE_FORMS.get(word, (word,)))
        elif not (other == "." and tokens and isinstance(tokens[-1], str)):  # "jt."
            raise _NotANumber
    return tokens


def _numeral(text: str) -> Decimal:
    """Read ``1.500.000,00``-style digits by the module's separator rules."""
    groups = re.split(r"[.,]", text)
    seps = re.findall(r"[.,]", text)
    fraction, point = "", ""
    if seps and len(groups[-1]) <= 2:
        fraction, point = groups.pop(), seps.pop()
    if seps and (
        len(set(seps)) > 1
        or point in seps
        or len(groups[0]) > 3
        or groups[0].startswith("0")
        or any(len(g) != 3 for g in groups[1:])
    ):
        raise _NotANumber
    digits = "".join(groups)
    if len(digits) > 30:
        return _HUGE
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def _evaluate(tokens: list[Decimal | str], kind: NumberKind) -> Decimal:
    """The value of a whole token list, or ``_NotANumber``."""
    if tokens and tokens[-1] in _TRAILING[kind]:
        tokens = tokens[:-1]
    if tuple(tokens) in _ZERO:
        return Decimal(0)
    return _Reader(tokens).amount()


class _Reader:
    """Recursive descent over the tokens: amount = (quantity scale)* [quantity]."""

    def __init__(self, tokens: list[Decimal | str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def word(self, ahead: int = 0) -> str:
        """The word ``ahead`` tokens on, or "" (numeral or end)."""
        i = self.pos + ahead
        tok = self.tokens[i] if i < len(self.tokens) else ""
        return tok if isinstance(tok, str) else ""

    def amount(self) -> Decimal:
        """Read all tokens as one amount; leftovers or misordered scales are refused."""
        total, prev = Decimal(0), 0
        while (quantity := self.quantity()) is not None:
            scale = _SCALES.get(self.word())
            if scale is None:  # a bare quantity ends the amount
                if prev and not prev // 1000 <= quantity < prev:
                    raise _NotANumber
                total += quantity
                break
            if prev and (scale >= prev or quantity * scale >= prev):
                raise _NotANumber
            self.pos += 1
            total, prev = total + quantity * scale, scale
        if not self.tokens or self.pos != len(self.tokens):
            raise _NotANumber
        return total

    def quantity(self) -> Decimal | None:
        """A small number, optionally followed by ``setengah`` (+ 1/2)."""
        value = self.small()
        if self.word() == "setengah":
            self.pos += 1
            value = (value or 0) + _HALF
        return value

    def small(self) -> Decimal | None:
        """A numeral, ``nol``, or words below a thousand (``dua ratus lima belas``)."""
        tok = self.tokens[self.pos] if self.pos < len(self.tokens) else None
        if isinstance(tok, Decimal) and self.word(1) not in _COMPOUNDS:
            self.pos += 1
            return tok
        if tok == "nol":
            self.pos += 1
            return Decimal(0)
        start, value = self.pos, 0
        if (d := self.digit()) and self.word(1) == "ratus":
            value, self.pos = 100 * d, self.pos + 2
        d = self.digit()
        if d and self.word(1) == "puluh":
            value, self.pos = value + 10 * d, self.pos + 2
            if (d := self.digit()) and self.word(1) not in _COMPOUNDS:
                value, self.pos = value + d, self.pos + 1
        elif d and self.word(1) == "belas":
            value, self.pos = value + 10 + d, self.pos + 2
        elif d and self.word(1) not in _COMPOUNDS:
            value, self.pos = value + d, self.pos + 1
        return Decimal(value) if self.pos > start else None

    def digit(self) -> int:
        """1-9 from a digit word or a one-digit numeral (``2 ratus``); else 0."""
        if self.pos >= len(self.tokens):
            return 0
        tok = self.tokens[self.pos]
        if isinstance(tok, Decimal):
            return int(tok) if tok in range(1, 10) else 0
        return _DIGITS.get(tok, 0)

"""Tests for flows.numbers: what kader really type as counts and Rupiah amounts."""

from __future__ import annotations

import random

import pytest

from flows.numbers import NumberKind, NumberProblem, ParsedNumber, parse_number

VALID: list[tuple[NumberKind, str, int]] = [
    # money: numerals and separators
    ("money", "1.500.000", 1_500_000),
    ("money", "1500000", 1_500_000),
    ("money", "Rp2.000.000", 2_000_000),
    ("money", "Rp. 1.500.000,-", 1_500_000),
    ("money", "Rp 1.500.000,- ", 1_500_000),
    ("money", "1.500.000,00", 1_500_000),
    ("money", "1,500,000.00", 1_500_000),
    ("money", "1 500 000", 1_500_000),
    ("money", "1\u00a0500\u00a0000", 1_500_000),
    ("money", "Rp\u00a02.000.000", 2_000_000),
    ("money", "\uff11\uff0e\uff15\uff10\uff10\uff0e\uff10\uff10\uff10", 1_500_000),
    ("money", "IDR 750.000", 750_000),
    ("money", "1.000.000.000", 1_000_000_000),
    ("money", " 0 ", 0),
    ("money", "Rp 0", 0),
    ("money", "500000 rupiah", 500_000),
    ("money", "\u200b250.000", 250_000),
    ("money", "10000000000000", 10**13),
    # money: scale words and abbreviations
    ("money", "1,5 juta", 1_500_000),
    ("money", "1.5 juta", 1_500_000),
    ("money", "1,1 juta", 1_100_000),
    ("money", "1,25jt", 1_250_000),
    ("money", "Rp 2jt", 2_000_000),
    ("money", "RP 2 JT", 2_000_000),
    ("money", "3 jt", 3_000_000),
    ("money", "3 jt.", 3_000_000),
    ("money", "2 juta 500 ribu", 2_500_000),
    ("money", "2jt 500rb", 2_500_000),
    ("money", "2 juta 500.000", 2_500_000),
    ("money", "250rb", 250_000),
    ("money", "250 rb", 250_000),
    ("money", "750 ribu", 750_000),
    ("money", "750k", 750_000),
    ("money", "750K", 750_000),
    ("money", "1 M", 1_000_000_000),
    ("money", "1 miliar", 1_000_000_000),
    ("money", "1 milyar", 1_000_000_000),
    ("money", "1,5 M", 1_500_000_000),
    ("money", "1 miliar 200 juta", 1_200_000_000),
    ("money", "5 ratus ribu", 500_000),
    ("money", "2 ribu 500", 2_500),
    # money: number words
    ("money", "setengah juta", 500_000),
    ("money", "sejuta", 1_000_000),
    ("money", "seratus ribu", 100_000),
    ("money", "dua juta", 2_000_000),
    ("money", "dua setengah juta", 2_500_000),
    ("money", "satu setengah juta", 1_500_000),
    ("money", "seribu lima ratus", 1_500),
    ("money", "dua puluh lima ribu", 25_000),
    ("money", "seratus dua puluh lima ribu", 125_000),
    ("money", "sejuta dua ratus ribu", 1_200_000),
    ("money", "semiliar", 1_000_000_000),
    ("money", "tidak ada", 0),
    # integer
    ("integer", " 3 ", 3),
    ("integer", "3", 3),
    ("integer", "3.", 3),
    ("integer", "tiga", 3),
    ("integer", "TIGA", 3),
    ("integer", "nol", 0),
    ("integer", "0", 0),
    ("integer", "tidak ada", 0),
    ("integer", "tdk ada anak", 0),
    ("integer", "sepuluh", 10),
    ("integer", "sebelas", 11),
    ("integer", "dua belas", 12),
    ("integer", "sembilan belas", 19),
    ("integer", "dua puluh", 20),
    ("integer", "dua puluh tiga", 23),
    ("integer", "sembilan puluh sembilan", 99),
    ("integer", "seratus", 100),
    ("integer", "seribu", 1000),
    ("integer", "3 orang", 3),
    ("integer", "tiga orang", 3),
    ("integer", "2 anak", 2),
    ("integer", "5 jiwa", 5),
    ("integer", "1.000", 1000),
    ("integer", "2.500", 2500),
    ("integer", "2,0", 2),
    ("integer", "\uff15", 5),
    ("integer", "1000000", 10**6),
]

INVALID: list[tuple[NumberKind, str, str]] = [
    ("money", "", "empty"),
    ("money", "   ", "empty"),
    ("integer", "", "empty"),
    ("integer", "\t\n\u00a0", "empty"),
    ("money", "-5", "negative"),
    ("money", "- 5", "negative"),
    ("money", "minus 5", "negative"),
    ("money", "-Rp 5.000", "negative"),
    ("integer", "-5", "negative"),
    ("integer", "\u22123", "negative"),
    ("money", "1e9", "not_a_number"),
    ("money", "1E6", "not_a_number"),
    ("money", "abc", "not_a_number"),
    ("integer", "abc", "not_a_number"),
    ("money", "12abc", "not_a_number"),
    ("money", "1.2.3,4,5", "not_a_number"),
    ("money", "1.50.000", "not_a_number"),
    ("money", "1.500,000", "not_a_number"),
    ("money", "1500.000", "not_a_number"),
    ("money", "2 juta juta", "not_a_number"),
    ("money", "500 ribu 2 juta", "not_a_number"),
    ("money", "2 juta 500", "not_a_number"),
    ("money", "0x10", "not_a_number"),
    ("money", "\u221e", "not_a_number"),
    ("money", "NaN", "not_a_number"),
    ("money", "\U0001f44d", "not_a_number"),
    ("integer", "\U0001f600\U0001f600", "not_a_number"),
    ("integer", "dua tiga", "not_a_number"),
    ("integer", "3-4", "not_a_number"),
    ("integer", "3\u00b2", "not_a_number"),
    ("money", "2\u00bd juta", "not_a_number"),
    ("money", "Rp", "not_a_number"),
    ("money", "-", "not_a_number"),
    ("money", "juta", "not_a_number"),
    ("integer", "2,5", "not_whole"),
    ("integer", "2.5", "not_whole"),
    ("integer", "setengah", "not_whole"),
    ("money", "1500,5", "not_whole"),
    ("money", "1.500,50", "not_whole"),
    ("money", "999999999999999", "too_large"),
    ("money", "10000000000001", "too_large"),
    ("money", "100 triliun", "too_large"),
    ("integer", "5000000", "too_large"),
    ("integer", "1000001", "too_large"),
    ("integer", "9" * 5000, "too_large"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), VALID)
def test_valid(kind: NumberKind, text: str, expected: int) -> None:
    assert parse_number(text, kind) == ParsedNumber(expected)


@pytest.mark.parametrize(("kind", "text", "code"), INVALID)
def test_invalid(kind: NumberKind, text: str, code: str) -> None:
    assert parse_number(text, kind) == NumberProblem(code)


def test_tables_are_big_enough() -> None:
    assert len(VALID) >= 45
    assert len(INVALID) >= 20


_PIECES = [
    *"0123456789",
    *".,-+ ",
    *"abcdejkmrtxyz",
    "\u00a0",
    "\u200b",
    "\uff11",
    "\u2212",
    "\u221e",
    "\u00e9",
    "\u0663",
    "\u00bd",
    "\u0130",
    "\ud800",
    "\U0001f44d",
    "\U0001f468\u200d\U0001f469",
    "rp",
    "juta",
    "rb",
    "setengah",
    "se",
    "puluh",
    "belas",
    "ratus",
    "dua",
    "nol",
    "tidak ada",
    "orang",
    ",-",
    ",00",
    "000",
]
_CODES = {"empty", "negative", "not_a_number", "not_whole", "too_large"}


@pytest.mark.parametrize("kind", ["integer", "money"])
def test_random_garbage_never_raises(kind: NumberKind) -> None:
    rng = random.Random(20240615)
    limit = 10**6 if kind == "integer" else 10**13
    for _ in range(2000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
        result = parse_number(text, kind)
        if isinstance(result, ParsedNumber):
            assert type(result.value) is int
            assert 0 <= result.value <= limit, text
        else:
            assert isinstance(result, NumberProblem), text
            assert result.code in _CODES, text

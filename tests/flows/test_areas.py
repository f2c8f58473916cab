"""Forgiving matching of kelurahan names and agency codes."""

from __future__ import annotations

from flows.areas import match_name

KELURAHAN = ["Guntung Manggis", "Landasan Ulin Timur", "Landasan Ulin Tengah", "Komet"]


def test_case_spaces_and_punctuation_do_not_matter() -> None:
    assert match_name("guntung  manggis", KELURAHAN) == "Guntung Manggis"
    assert match_name("Guntung-Manggis", KELURAHAN) == "Guntung Manggis"
    assert match_name("KOMET", KELURAHAN) == "Komet"
    assert match_name("dinsos", ["DINSOS", "DINKES"]) == "DINSOS"


def test_unknown_or_empty_names_do_not_match() -> None:
    assert match_name("Landasan Ulin", KELURAHAN) is None
    assert match_name("", KELURAHAN) is None
    assert match_name("???", KELURAHAN) is None

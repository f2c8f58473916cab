"""Invitation codes: entropy, shape, hashing and the deep link."""

from __future__ import annotations

from flows.invites import deep_link, hash_code, looks_like_code, new_code


def test_codes_are_random_url_safe_and_long_enough() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        assert looks_like_code(code)
        assert len(code) == 32  # 24 bytes = 192 bits ≥ 128 required


def test_the_hash_is_stable_and_does_not_contain_the_code() -> None:
    code = new_code()
    assert hash_code(code) == hash_code(code)
    assert code not in hash_code(code)
    assert len(hash_code(code)) == 64


def test_payloads_of_another_shape_are_not_codes() -> None:
    for payload in ["", "abc", "x" * 31, "x" * 33, "a" * 31 + "!", "a" * 31 + "\u200b"]:
        assert not looks_like_code(payload)


def test_deep_link() -> None:
    assert deep_link("tangguh_bot", "abc") == "https://t.me/tangguh_bot?start=abc"


KELURAHAN = ["Guntung Manggis", "Landasan Ulin Timur", "Komet"]
AGENCIES = ["DINSOS", "DINKES"]


def test_parse_one_line_invitations() -> None:
    from flows.invites import InviteRequest, parse_invite

    assert parse_invite("kader Siti Aminah Guntung Manggis", KELURAHAN, AGENCIES) == \
        InviteRequest("kader", "Siti Aminah", "Guntung Manggis")
    assert parse_invite("koordinator Budi landasan ulin timur", KELURAHAN, AGENCIES) == \
        InviteRequest("coordinator", "Budi", "Landasan Ulin Timur")
    assert parse_invite("petugas Rahman Hadi dinsos", KELURAHAN, AGENCIES) == \
        InviteRequest("agency", "Rahman Hadi", agency="DINSOS")
    assert parse_invite("admin  Dewi   Lestari ", KELURAHAN, AGENCIES) == \
        InviteRequest("admin", "Dewi Lestari")


def test_parse_refuses_with_a_reason() -> None:
    from flows.invites import parse_invite

    assert parse_invite("", KELURAHAN, AGENCIES) == "invite_usage"
    assert parse_invite("raja Siti", KELURAHAN, AGENCIES) == "invite_unknown_role"
    assert parse_invite("kader Siti Aminah Banjarmasin", KELURAHAN, AGENCIES) == "invite_unknown_kelurahan"
    assert parse_invite("kader Komet", KELURAHAN, AGENCIES) == "invite_unknown_kelurahan"
    assert parse_invite("agency Rahman POLDA", KELURAHAN, AGENCIES) == "invite_unknown_agency"
    assert parse_invite("admin", KELURAHAN, AGENCIES) == "invite_bad_name"
    assert parse_invite("admin " + "x" * 81, KELURAHAN, AGENCIES) == "invite_bad_name"
    assert parse_invite("admin Siti\u0000", KELURAHAN, AGENCIES) == "invite_bad_name"

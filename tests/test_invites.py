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

"""Button payloads: every action round-trips, forged and malformed data is refused."""

from __future__ import annotations

import pytest

from flows.callbacks import LIMIT, Action, Callback, decode

VALID = [
    Callback(Action.ANSWER, interview=12, question="children_0_17", value="yes"),
    Callback(Action.TOGGLE, interview=9999999999, question="chronic_disability", mask=0b101),
    Callback(Action.DONE, interview=1, question="chronic_disability", mask=0),
    Callback(Action.REFUSE, interview=3, question="income_month"),
    Callback(Action.BACK, interview=3, question="members"),
    Callback(Action.BACK, interview=3, question=None),
    Callback(Action.PAUSE, interview=3),
    Callback(Action.EDIT, interview=3, question="members"),
    Callback(Action.SUBMIT, interview=3),
    Callback(Action.RESUME, interview=3),
    Callback(Action.HOUSEHOLD, household=77),
    Callback(Action.CONSENT, household=77),
    Callback(Action.LIST, page=0),
    Callback(Action.LANGUAGE, language="en"),
    Callback(Action.INVITE_ROLE, role="coordinator"),
    Callback(Action.PICK, page=19),
    Callback(Action.PEOPLE, page=2),
    Callback(Action.PERSON, person=12),
    Callback(Action.MOVE, person=12, page=3),
    Callback(Action.ASK, verb="deactivate", subject=12),
    Callback(Action.CONFIRM, verb="erase", subject=9999999999),
    Callback(Action.CANCEL, verb="import", subject=4),
]


@pytest.mark.parametrize("callback", VALID, ids=lambda c: c.encode())
def test_round_trip(callback: Callback) -> None:
    data = callback.encode()
    assert data.startswith("v1:")
    assert len(data.encode()) <= LIMIT
    assert decode(data) == callback


@pytest.mark.parametrize("data", [
    None, "", "v1", "v1:", "v2:a:1:q:yes", "v1:z:1", "v1:a:1:q", "v1:a:1:q:yes:extra",
    "v1:a:0:q:yes", "v1:a:-1:q:yes", "v1:a:01:q:yes", "v1:a:12345678901:q:yes",
    "v1:a:1:Q:yes", "v1:a:1:q:YES", "v1:a:1:q:y-s", "v1:a:1:q:' OR 1=1 --",
    "v1:t:1:q:zz", "v1:t:1:q:12345", "v1:h:abc", "v1:l:-1", "v1:g:eng", "v1:g:i1",
    "v1:s:1:extra", "v1:b:1:", "v1:I:root", "v1:I:Admin", "v1:x:DROP:1", "v1:y:deactivate:0",
    "v1:m:1:x", "v1:Q:1.0", "v1:a:1:q:" + "a" * 80, "v1:h:1\u200b", "v1:h:１", "v1:l:１",
])
def test_malformed_or_forged_data_is_refused(data: str | None) -> None:
    assert decode(data) is None


def test_a_payload_over_64_bytes_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Callback(Action.ANSWER, interview=1, question="q" * 40, value="v" * 40).encode()

"""Button payloads: every kind round-trips, forged and malformed data is refused."""

from __future__ import annotations

import dataclasses

import pytest

from flows.callbacks import (
    KINDS,
    LIMIT,
    AnswerButton,
    AskButton,
    BackButton,
    Button,
    CancelButton,
    ConfirmButton,
    ConsentButton,
    DoneButton,
    EditButton,
    HouseholdButton,
    InviteRoleButton,
    LanguageButton,
    ListButton,
    MoveButton,
    PauseButton,
    PeoplePageButton,
    PersonButton,
    PickButton,
    RefuseButton,
    ResumeButton,
    SubmitButton,
    ToggleButton,
    button,
    decode,
)

VALID = [
    AnswerButton(interview=12, question="children_0_17", value="yes"),
    ToggleButton(interview=9999999999, question="chronic_disability", mask=0b101),
    DoneButton(interview=1, question="chronic_disability", mask=0),
    RefuseButton(interview=3, question="income_month"),
    BackButton(interview=3, position="members"),
    BackButton(interview=3, position=None),
    PauseButton(interview=3),
    EditButton(interview=3, question="members"),
    SubmitButton(interview=3),
    ResumeButton(interview=3),
    HouseholdButton(household=77),
    ConsentButton(household=77),
    ListButton(page=0),
    LanguageButton(language="en"),
    InviteRoleButton(role="coordinator"),
    PickButton(index=19),
    PeoplePageButton(page=2),
    PersonButton(person=12),
    MoveButton(person=12, index=3),
    AskButton(verb="deactivate", subject=12),
    ConfirmButton(verb="erase", subject=9999999999),
    CancelButton(verb="import", subject=4),
]


@pytest.mark.parametrize("callback", VALID, ids=lambda c: c.encode())
def test_round_trip(callback: Button) -> None:
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
        AnswerButton(interview=1, question="q" * 40, value="v" * 40).encode()


def test_every_kind_is_covered_and_every_field_is_required() -> None:
    assert {type(callback) for callback in VALID} == set(KINDS.values())
    for kind in KINDS.values():
        assert all(field.default is dataclasses.MISSING for field in dataclasses.fields(kind)), kind
        with pytest.raises(TypeError):
            kind()


def test_a_code_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="taken"):
        button("a")(type("Again", (Button,), {}))

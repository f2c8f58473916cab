"""Values between Python and the database: times, booleans, JSON and rows to records, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from flows.answers import Answer
from storage.convert import (
    answer_of,
    answer_value,
    dumps,
    from_db_bool,
    from_db_time,
    from_db_time_or_none,
    loads,
    record,
    to_db_bool,
    to_db_time,
    to_db_time_or_none,
)
from storage.records import InstrumentRef, Interview

WITA = timezone(timedelta(hours=8))


def test_times_are_stored_as_fixed_width_utc_text_and_read_back_aware() -> None:
    local = datetime(2026, 11, 27, 10, 0, tzinfo=WITA)
    text = to_db_time(local)
    assert text == "2026-11-27T02:00:00.000000+00:00"
    assert from_db_time(text) == local and from_db_time(text).tzinfo == UTC
    second = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert to_db_time(datetime(2026, 1, 1, tzinfo=UTC)) < to_db_time(second)
    assert to_db_time_or_none(None) is None and from_db_time_or_none(None) is None
    assert from_db_time_or_none(text) == local


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        to_db_time(datetime(2026, 11, 27, 2, 0))


def test_booleans_are_stored_as_one_and_zero() -> None:
    assert (to_db_bool(True), to_db_bool(False)) == (1, 0)
    assert (from_db_bool(1), from_db_bool(0), from_db_bool(True)) == (True, False, True)


def test_json_keeps_indonesian_text_readable_and_lists_become_tuples() -> None:
    assert dumps({"nama": "Siti Nurhaliza é"}) == '{"nama":"Siti Nurhaliza é"}'
    assert loads('{"a":[1,2]}') == {"a": [1, 2]}
    assert answer_value('["a","b"]') == ("a", "b") and answer_value("3") == 3 and answer_value(None) is None


def test_an_answers_row_becomes_an_answer() -> None:
    assert answer_of({"question_id": "q1", "value_json": '["x"]', "refused": 0}) == Answer("q1", ("x",))
    assert answer_of({"question_id": "q2", "value_json": None, "refused": 1}) == Answer.refusal("q2")


@dataclass(frozen=True, slots=True)
class _Sample:
    id: int
    when: datetime
    maybe: datetime | None
    flag: bool
    detail: dict[str, Any] | None


def test_a_row_maps_onto_a_record_by_field_name_and_type() -> None:
    row = {"id": 7, "when": "2026-11-27T02:00:00.000000+00:00", "maybe": None, "flag": 1,
           "detail_json": '{"k":1}'}
    assert record(_Sample, row) == _Sample(7, datetime(2026, 11, 27, 2, 0, tzinfo=UTC), None, True, {"k": 1})
    assert record(_Sample, row | {"detail_json": None}).detail is None


def test_a_nested_record_gathers_its_prefixed_columns() -> None:
    now = "2026-11-27T02:00:00.000000+00:00"
    row = {"id": 1, "household_id": 2, "kader_id": 3, "instrument_id": "kk", "instrument_version": "1",
           "instrument_hash": "sha256:x", "survey_round": "2026-1", "status": "draft",
           "current_question": "q1", "consent_at": None, "started_at": now, "updated_at": now,
           "submitted_at": None, "message_id": None, "last_text_message_id": None}
    interview = record(Interview, row)
    assert interview.instrument == InstrumentRef("kk", "1", "sha256:x")
    assert interview.started_at == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

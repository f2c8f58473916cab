"""Logs: one line per event, JSON on request, and never a family's personal data or an answer."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

import logs
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import TYPED, answer_whole_interview

KADER = 870001


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, as the bot's JSON handler writes it; restored after."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in [*logs.LIBRARY_FLOORS, ""]}
    stream = io.StringIO()
    handler = logs.configure("DEBUG", "json", stream)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def parse(stream: io.StringIO) -> list[dict[str, object]]:
    """Every line as JSON (failing on the first that is not), with the four fields every line has."""
    events = []
    for line in stream.getvalue().splitlines():
        event = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(event), line
        assert str(event["time"]).endswith("Z") and datetime.fromisoformat(str(event["time"]))
        events.append(event)
    return events


async def test_a_whole_interview_logs_json_lines_without_personal_data(
        running: RunningBot, json_log: io.StringIO) -> None:
    user, kader, [household, *_] = await running.kader(KADER)
    interview = await answer_whole_interview(running, user, kader)
    await user.press("Kirim")
    await user.press_data("v1:a:999999:marriage_registered:yes")  # refused: logged with ids only
    await running.restart()
    events = parse(json_log)
    messages = [str(e["message"]) for e in events]
    assert f"interview {interview.id} submitted" in messages
    assert "database closed" in messages and any("another kader" in m for m in messages)
    assert all("\n" not in line for line in json_log.getvalue().splitlines())
    text = json_log.getvalue()
    income = TYPED["income_month"]
    personal = [household.head_name, household.address, household.code, kader.name, "Siti",
                income, "3500000", "3.500.000", "3,5"]
    assert income == "Rp 3,5 juta"
    for value in personal:
        assert value not in text, f"{value!r} was logged"

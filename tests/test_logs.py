"""The log formatters: one line per event, as text or JSON; libraries held back at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

import logs


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The bot's JSON handler at DEBUG; the logging set-up restored after."""
    levels = {name: logging.getLogger(name).level for name in [*logs.LIBRARY_FLOORS, ""]}
    stream = io.StringIO()
    handler = logs.configure("DEBUG", "json", stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_json_lines_carry_extras_and_exceptions_on_one_line() -> None:
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        record = logging.getLogger("tangguh.test").makeRecord(
            "tangguh.test", logging.ERROR, __file__, 1, "backup %s failed", ("x.db",), sys.exc_info(),
            extra={"event": "backup_failed", "bytes": 12})
    line = formatter.format(record)
    assert "\n" not in line
    event = json.loads(line)
    assert event["message"] == "backup x.db failed" and event["level"] == "ERROR"
    assert event["logger"] == "tangguh.test" and event["event"] == "backup_failed" and event["bytes"] == 12
    assert "ValueError: broken\nacross lines" in event["exception"]


def test_text_lines_stay_one_line_with_a_traceback() -> None:
    record = logging.LogRecord("tangguh", logging.WARNING, __file__, 1, "a\nforged line", None, None)
    line = logs.TextFormatter().format(record)
    assert "\n" not in line and line.endswith("WARNING tangguh: a\\nforged line")


def test_library_loggers_that_would_log_message_contents_stay_quiet_at_debug(
        json_log: io.StringIO) -> None:
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("telegram.Bot").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("aiosqlite").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_configuring_again_replaces_the_handler(json_log: io.StringIO) -> None:
    logging.getLogger("tangguh.test").info("first")
    second = io.StringIO()
    handler = logs.configure("INFO", "text", second)
    try:
        logging.getLogger("tangguh.test").info("second")
        assert sum(isinstance(h, type(handler)) for h in logging.getLogger().handlers) == 1
    finally:
        logging.getLogger().removeHandler(handler)
    assert json.loads(json_log.getvalue())["message"] == "first"
    assert second.getvalue().rstrip().endswith("INFO tangguh.test: second")

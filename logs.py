"""Log lines: one per event, as plain text or as one JSON object, never with personal data.

Beside ``settings.py`` rather than in ``jobs/``: like the settings it is set up once by the composition
root (``bot.py``) before anything runs, and every layer logs through it; ``jobs/`` is scheduled work.

Privacy: the project's own messages name people, households and interviews by their numeric ids only.
The libraries' debug lines are another matter (python-telegram-bot logs every update and every API
call with its text, aiosqlite every statement with its values), so their loggers stay at INFO or above
whatever level the bot runs at.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LIBRARY_FLOORS = {
    "telegram": logging.INFO,  # its DEBUG lines carry the updates and the messages sent, in full
    "aiosqlite": logging.INFO,  # its DEBUG lines carry every statement's parameters
    "httpx": logging.WARNING,  # a line per HTTP request
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,  # two lines per scheduler tick
    "tornado.access": logging.WARNING,  # the webhook server's request lines
}
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _one_line(text: str) -> str:
    """Line breaks escaped, so a message or a traceback stays one line (and cannot forge another)."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, a traceback appended to the same line."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text."""
        return _one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, the record's extra
    fields (``log.info(..., extra={"event": "backup"})``), and a traceback as one ``exception`` string."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(style: LogFormat) -> logging.Formatter:
    """The formatter for ``logging.format`` in the config."""
    return JsonFormatter() if style == "json" else TextFormatter()


class _TangguhHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler :func:`configure` installs (so a second call replaces it, not adds one)."""


def configure(level: str = "INFO", style: LogFormat = "text",
              stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record at ``level`` or above to ``stream`` (stderr), one line each; returns
    the handler. Libraries that would log message contents are held at INFO or above."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _TangguhHandler)]:
        root.removeHandler(old)
    handler = _TangguhHandler(stream or sys.stderr)
    handler.setFormatter(formatter(style))
    root.addHandler(handler)
    root.setLevel(level)
    numeric = root.getEffectiveLevel()
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
    return handler

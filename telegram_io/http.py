"""The HTTP client the bot talks to Telegram with: python-telegram-bot's own, minus one noisy log."""

from __future__ import annotations

import json
from typing import Any

from telegram.error import TelegramError
from telegram.request import HTTPXRequest


class TelegramRequest(HTTPXRequest):
    """PTB's HTTPX client, except that a reply that is not JSON (a proxy's HTML 502 page) raises the
    same error without PTB logging it at ERROR with a traceback first: a 502 becomes the usual
    NetworkError, which the error handler logs once, as a warning."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The JSON of a reply; TelegramError("Invalid server response") if it is not JSON."""
        try:
            return json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            raise TelegramError("Invalid server response") from error

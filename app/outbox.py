"""Messages sent in bulk: what an outbox row says to send (one pydantic model per kind of message,
stored as the row's JSON payload), ``enqueue`` to queue one, the ``Packer`` the channel hands in to cut
text into messages, and the admins' notice when someone cannot be reached.

Use cases queue rows (rows first, messages second); the sender in ``jobs/`` reads them back with
:func:`parse_payload` and makes the Bot API call each names. Nothing here imports Telegram.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from flows.schedule import day_period
from storage.interface import OutboxStore

if TYPE_CHECKING:
    from app.services import Services

BASE64 = "base64:"


class _Message(BaseModel):
    """What every message may carry besides its content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reply_markup: dict[str, Any] | None = None
    parse_mode: Literal["HTML", "MarkdownV2", "Markdown"] | None = None  # None: the bot's default
    disable_notification: bool | None = None

    @field_validator("reply_markup")
    @classmethod
    def _inline_keyboard(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not isinstance(value.get("inline_keyboard"), list):
            raise ValueError("reply_markup must be an inline keyboard: {'inline_keyboard': [[button, …]]}")
        return value


class TextMessage(_Message):
    """A ``sendMessage``."""

    method: Literal["sendMessage"] = "sendMessage"
    text: str = Field(min_length=1)


class _FileMessage(_Message):
    """A message with a file: stored (``file``: a path, or ``base64:`` and the data) or rendered at
    send time by the sender's renderer from ``ref`` (what to render: agency, period…)."""

    file: str | None = None
    ref: dict[str, Any] | None = None
    caption: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _FileMessage:
        if (self.file is None) == (self.ref is None):
            raise ValueError("give exactly one of file (a path or base64:…) and ref (for the renderer)")
        return self


class PhotoMessage(_FileMessage):
    """A ``sendPhoto`` (a chart)."""

    method: Literal["sendPhoto"] = "sendPhoto"


class DocumentMessage(_FileMessage):
    """A ``sendDocument`` (an Excel workbook)."""

    method: Literal["sendDocument"] = "sendDocument"
    filename: str = Field(min_length=1)


FileMessage = PhotoMessage | DocumentMessage
Message = TextMessage | PhotoMessage | DocumentMessage
Payload = Annotated[Message, Field(discriminator="method")]
_PAYLOAD: TypeAdapter[Message] = TypeAdapter(Payload)
Renderer = Callable[[str, FileMessage], bytes | Awaitable[bytes]]


class Packer(Protocol):
    """How the channel packs HTML blocks into messages under its length limit, blocks kept whole
    where they fit (``telegram_io.text.pack_blocks``); handed in by the caller, so use cases know
    blocks and never the channel's limit."""

    def __call__(self, blocks: Sequence[str], *, separator: str) -> list[str]:
        """The messages, in order."""
        ...


def parse_payload(data: dict[str, Any]) -> Message:
    """A stored payload, validated; pydantic.ValidationError if it is not one the sender knows."""
    return _PAYLOAD.validate_python(data)


def file_data(data: bytes) -> str:
    """File content to store in a payload's ``file`` (base64; keep it small, or use a path or ``ref``)."""
    return BASE64 + base64.b64encode(data).decode("ascii")


async def enqueue(outbox: OutboxStore, kind: str, period: str, recipient_id: int, chat_id: int,
                  payload: Message) -> bool:
    """Queue one message, due now; False if this kind, period and recipient is already queued."""
    return await outbox.enqueue(kind, period, recipient_id, chat_id,
                                payload.model_dump(mode="json", exclude_none=True))


async def notify_unreachable(svc: Services, person_id: int, now: datetime) -> int:
    """Telegram refused a message to ``person_id`` (blocked, deactivated, never started): queue a
    notice to every other active admin, once a day; how many were newly queued."""
    repo, catalog = svc.repository, svc.catalog
    person = await repo.people.get(person_id)
    if person is None:
        return 0
    period = day_period(now, svc.zone)
    queued = 0
    for admin in await repo.people.list("admin"):
        if admin.active and admin.telegram_user_id is not None and admin.id != person_id:
            text = catalog.text(admin.language, "unreachable_notice", name=escape(person.name),
                                role=catalog.text(admin.language, f"role_{person.role}"))
            queued += await enqueue(repo.outbox, f"notice:unreachable:{person_id}", period, admin.id,
                                    admin.telegram_user_id, TextMessage(text=text))
    return queued

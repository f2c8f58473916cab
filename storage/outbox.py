"""Deprecated: the outbox is ``repo.outbox`` (``storage.sqlite.outbox.Outbox``), its result types are in
``storage.records``. Kept so ``OutboxQueue(db)`` and these imports keep working meanwhile."""

from __future__ import annotations

from storage.records import (
    INTERRUPTED,
    OUTBOX_STATUSES,
    UNREACHABLE,
    Claim,
    DeliveryReport,
    Recipient,
)
from storage.sqlite.outbox import Outbox

STATUSES = OUTBOX_STATUSES


class OutboxQueue(Outbox):
    """Deprecated alias: ``OutboxQueue(repo.db)`` is ``repo.outbox``; use that."""


__all__ = ["INTERRUPTED", "STATUSES", "UNREACHABLE", "Claim", "DeliveryReport", "OutboxQueue", "Recipient"]

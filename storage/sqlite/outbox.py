"""The outbox (SQLite): queueing, and the sender's claim, complete, retry, give up, unreachable
recipients, crash recovery and delivery reports.

Every method is one statement or one ``Database.atomically`` transaction. A row moves
``pending → sending`` when claimed just before its HTTP call (attempts + 1), then to ``sent``,
back to ``pending`` (a retry), ``failed`` or ``inactive``. Rows still ``sending`` at start-up were
interrupted by a crash: :meth:`Outbox.recover_interrupted` fails them instead of sending them again.

Parts of one broadcast (a digest's text, chart and workbook) are rows of kinds sharing a prefix before
``:`` (``digest:text``, ``digest:chart``…); :meth:`Outbox.report` of kind ``digest`` covers them all.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage.convert import dumps, from_db_time_or_none, record, to_db_time, to_db_time_or_none
from storage.records import (
    INTERRUPTED,
    OUTBOX_STATUSES,
    UNREACHABLE,
    Claim,
    DeliveryReport,
    OutboxItem,
    OutboxStatus,
    Recipient,
)
from storage.sqlite.table import Table

_HEADS = "SELECT min(id) FROM outbox WHERE status = 'pending' GROUP BY chat_id"
_KIND = "(kind = ?1 OR (kind >= ?1 || ':' AND kind < ?1 || ';'))"  # the kind or its parts ("digest:…")


class Outbox(Table):
    """Messages sent in bulk, at most one per kind, period and recipient, and their delivery."""

    async def enqueue(
        self, kind: str, period: str, recipient_id: int, chat_id: int, payload: dict[str, Any]
    ) -> bool:
        """Queue a message due now; False if this kind/period/recipient is already queued."""
        now = self._now()
        sql = """INSERT INTO outbox (kind, period, recipient_id, chat_id, payload_json,
                     next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (kind, period, recipient_id) DO NOTHING"""
        params = (kind, period, recipient_id, chat_id, dumps(payload), now, now)
        return await self._write(sql, params) == 1

    async def due(self, now: datetime | None = None, limit: int = 500) -> list[OutboxItem]:
        """The oldest pending row of each chat, if it is due at ``now`` (default: the database clock's
        now): a chat's messages go out in queue order. The longest waiting first."""
        at = self._now() if now is None else to_db_time(now)
        sql = f"""SELECT * FROM outbox WHERE id IN ({_HEADS}) AND next_attempt_at <= ?
                  ORDER BY next_attempt_at, id LIMIT ?"""
        return await self._all(OutboxItem, sql, (at, limit))

    async def next_attempt_at(self) -> datetime | None:
        """When the earliest pending row at the head of its chat is due; None when nothing is pending."""
        sql = f"SELECT min(next_attempt_at) AS at FROM outbox WHERE id IN ({_HEADS})"
        rows = await self._db.conn.execute_fetchall(sql)
        return from_db_time_or_none(rows[0]["at"]) if rows else None

    async def pending(self) -> int:
        """Rows still waiting to be sent."""
        rows = await self._db.conn.execute_fetchall("SELECT count(*) FROM outbox WHERE status = 'pending'")
        return int(rows[0][0])

    async def get(self, item_id: int) -> OutboxItem | None:
        """The row with this id."""
        return await self._one(OutboxItem, "SELECT * FROM outbox WHERE id = ?", (item_id,))

    async def claim(self, item_id: int, attempts: int) -> Claim:
        """Take a pending row as read (``attempts`` unchanged) for sending: 'sending' and attempts + 1.

        'inactive' if its recipient is unreachable (the row is retired), 'gone' if it changed meanwhile.
        """
        def work(raw: sqlite3.Connection) -> Claim:
            row = raw.execute(
                """SELECT p.unreachable_at FROM outbox o JOIN people p ON p.id = o.recipient_id
                   WHERE o.id = ? AND o.status = 'pending' AND o.attempts = ?""",
                (item_id, attempts)).fetchone()
            if row is None:
                return "gone"
            if row["unreachable_at"] is not None:
                raw.execute("""UPDATE outbox SET status = 'inactive', last_error = ?, next_attempt_at = NULL
                               WHERE id = ?""", (UNREACHABLE, item_id))
                return "inactive"
            raw.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                        (item_id,))
            return "claimed"

        return await self._db.atomically(work)

    async def complete(self, item_id: int, now: datetime) -> bool:
        """A claimed row was delivered."""
        sql = """UPDATE outbox SET status = 'sent', sent_at = ?, next_attempt_at = NULL
                 WHERE id = ? AND status = 'sending'"""
        return await self._write(sql, (to_db_time(now), item_id)) == 1

    async def retry(self, item_id: int, error: str, at: datetime) -> bool:
        """A claimed row failed and is tried again at ``at`` (the attempt counts)."""
        sql = """UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ?
                 WHERE id = ? AND status = 'sending'"""
        return await self._write(sql, (error, to_db_time(at), item_id)) == 1

    async def throttle(self, item_id: int, error: str, at: datetime, cap: int) -> bool:
        """A claimed row got a 429: tried again at ``at`` without counting the attempt, while it has
        had fewer than ``cap`` 429s; False (nothing changed) once over the cap."""
        sql = """UPDATE outbox SET status = 'pending', attempts = attempts - 1, throttled = throttled + 1,
                     last_error = ?, next_attempt_at = ?
                 WHERE id = ? AND status = 'sending' AND throttled < ?"""
        return await self._write(sql, (error, to_db_time(at), item_id, cap)) == 1

    async def give_up(self, item_id: int, error: str) -> bool:
        """A claimed row will not be tried again: 'failed' with its last error."""
        sql = """UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL
                 WHERE id = ? AND status = 'sending'"""
        return await self._write(sql, (error, item_id)) == 1

    async def mark_sent(self, item_id: int) -> None:
        """Record a successful send of a row not claimed first (``complete`` is the sender's way)."""
        sql = """UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,
                     next_attempt_at = NULL WHERE id = ?"""
        await self._write(sql, (self._now(), item_id))

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed send of a row not claimed first: retry at `retry_at`, or give up ('failed')
        if None (``retry`` and ``give_up`` are the sender's way)."""
        sql = """UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
                     next_attempt_at = ?2,
                     status = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END
                 WHERE id = ?3"""
        await self._write(sql, (error, to_db_time_or_none(retry_at), item_id))

    async def mark_unreachable(self, item_id: int, error: str, now: datetime) -> tuple[bool, int]:
        """Telegram refused the recipient of a claimed row for good: the row and the recipient's other
        pending rows become 'inactive', the person unreachable. Returns (newly unreachable, rows retired)."""
        def work(raw: sqlite3.Connection) -> tuple[bool, int]:
            row = raw.execute("SELECT recipient_id FROM outbox WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return False, 0
            retire = "UPDATE outbox SET status = 'inactive', last_error = ?, next_attempt_at = NULL WHERE "
            mine = raw.execute(retire + "id = ? AND status = 'sending'", (error, item_id)).rowcount
            others = raw.execute(retire + "recipient_id = ? AND status = 'pending'",
                                 (UNREACHABLE, row["recipient_id"])).rowcount
            mark = "UPDATE people SET unreachable_at = ? WHERE id = ? AND unreachable_at IS NULL"
            newly = raw.execute(mark, (to_db_time(now), row["recipient_id"])).rowcount
            return newly == 1, mine + others

        return await self._db.atomically(work)

    async def retire_unreachable(self) -> int:
        """Pending rows queued for unreachable people become 'inactive'; how many."""
        sql = """UPDATE outbox SET status = 'inactive', last_error = ?, next_attempt_at = NULL
                 WHERE status = 'pending'
                   AND recipient_id IN (SELECT id FROM people WHERE unreachable_at IS NOT NULL)"""
        return await self._write(sql, (UNREACHABLE,))

    async def mark_reachable(self, person_id: int) -> bool:
        """The person can be written to again (they pressed Start): later rows will be sent."""
        sql = "UPDATE people SET unreachable_at = NULL WHERE id = ? AND unreachable_at IS NOT NULL"
        return await self._write(sql, (person_id,)) == 1

    async def unreachable_since(self, person_id: int) -> datetime | None:
        """When the person became unreachable, or None."""
        rows = await self._db.conn.execute_fetchall("SELECT unreachable_at FROM people WHERE id = ?",
                                                    (person_id,))
        return from_db_time_or_none(rows[0][0]) if rows else None

    async def recover_interrupted(self) -> int:
        """At start-up, before any send: rows a crash left 'sending' become 'failed' (delivery unknown),
        never sent again; how many."""
        sql = """UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = NULL
                 WHERE status = 'sending'"""
        return await self._write(sql, (INTERRUPTED,))

    async def last_period(self, kind: str) -> str | None:
        """The period of the latest row of ``kind`` (or its parts), for "the last broadcast"."""
        sql = f"SELECT period FROM outbox WHERE {_KIND} ORDER BY created_at DESC, id DESC LIMIT 1"
        rows = await self._db.conn.execute_fetchall(sql, (kind,))
        return str(rows[0][0]) if rows else None

    async def report(self, kind: str, period: str) -> DeliveryReport:
        """The delivery report of ``kind`` (or its parts) in ``period``: counts by status, then who was
        unreachable and who had a message fail, by name. One trip to the database thread."""
        def read(raw: sqlite3.Connection) -> DeliveryReport:
            where = f"{_KIND} AND period = ?2"
            counts = dict.fromkeys(OUTBOX_STATUSES, 0) | {
                r[0]: r[1] for r in raw.execute(
                    f"SELECT status, count(*) FROM outbox WHERE {where} GROUP BY status", (kind, period))}
            return DeliveryReport(kind, period, counts, _recipients(raw, where, kind, period, "inactive"),
                                  _recipients(raw, where, kind, period, "failed"))

        return await self._db.run(read)


def _recipients(raw: sqlite3.Connection, where: str, kind: str, period: str,
                status: OutboxStatus) -> list[Recipient]:
    """The people with a row of ``status`` in the broadcast, once each, by name."""
    sql = f"""SELECT p.id AS person_id, p.name, p.role, o.chat_id, o.last_error, p.unreachable_at,
                     max(o.id) AS latest  -- the bare columns come from the person's latest row
              FROM (SELECT * FROM outbox WHERE {where}) o JOIN people p ON p.id = o.recipient_id
              WHERE o.status = ?3 GROUP BY p.id ORDER BY p.name, p.id"""
    return [record(Recipient, row) for row in raw.execute(sql, (kind, period, status))]

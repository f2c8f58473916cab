"""Household imports (SQLite): what a plan is compared with, pending plans, applying one in a transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import aiosqlite

from flows.imports import (
    ExistingHousehold,
    ImportPlan,
    KaderRef,
    PlannedHousehold,
    plan_from_data,
    plan_to_data,
    summarise,
)
from storage.convert import dumps, loads, to_db_bool, to_db_time
from storage.records import ApplyResult, ImportRecord
from storage.sqlite.table import Table, insertion

MAX_FILE_NAME = 255

_RECORD_COLUMNS = ("id, person_id, file_name, file_sha256, status, counts_json, created_at, applied_at, "
                   "cancelled_at")
_ADD = """INSERT INTO households (code, head_name, address, rt, rw, kelurahan, kader_id, created_at,
              updated_at)
          VALUES (:code, :head_name, :address, :rt, :rw, :kelurahan, :kader_id, :now, :now)
          ON CONFLICT (code) DO NOTHING"""
_UPDATE = """UPDATE households SET head_name = :head_name, address = :address, rt = :rt, rw = :rw,
                 kelurahan = :kelurahan,
                 kader_id = CASE WHEN :set_kader THEN :kader_id ELSE kader_id END,
                 updated_at = :now
             WHERE code = :code
               AND (head_name IS NOT :head_name OR address IS NOT :address OR rt IS NOT :rt
                    OR rw IS NOT :rw OR kelurahan IS NOT :kelurahan
                    OR (:set_kader AND kader_id IS NOT :kader_id))"""


class Imports(Table):
    """Pending and applied household imports."""

    async def existing_households(self) -> dict[str, ExistingHousehold]:
        """Every household by code, as `plan_import` compares them."""
        sql = "SELECT code, head_name, address, rt, rw, kelurahan, kader_id FROM households"
        rows = await self._db.conn.execute_fetchall(sql)
        return {row[0]: ExistingHousehold(*row) for row in rows}

    async def kader_refs(self) -> list[KaderRef]:
        """The active kader a file may name, by id."""
        sql = "SELECT id, name, kelurahan FROM people WHERE role = 'kader' AND active = 1 ORDER BY id"
        rows = await self._db.conn.execute_fetchall(sql)
        return [KaderRef(*row) for row in rows]

    async def save_plan(self, person_id: int | None, file_name: str, sha256: str, plan: ImportPlan) -> int:
        """Keep a plan for confirmation; the person's earlier pending plans are cancelled. Its id."""
        if plan.refused:
            raise ValueError("a refused plan (file-level problems) cannot be saved")
        now = self._now()
        async with self._db.transaction() as conn:
            if person_id is not None:
                await conn.execute(
                    """UPDATE imports SET status = 'cancelled', cancelled_at = ?, plan_json = NULL
                       WHERE person_id = ? AND status = 'pending'""", (now, person_id))
            cursor = await conn.execute(*insertion("imports", dict(
                person_id=person_id, file_name=file_name[:MAX_FILE_NAME], file_sha256=sha256,
                plan_json=dumps(plan_to_data(plan)), counts_json=dumps(summarise(plan)), created_at=now,
            )))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, import_id: int) -> ImportRecord | None:
        """The import with this id (without its plan)."""
        sql = f"SELECT {_RECORD_COLUMNS} FROM imports WHERE id = ?"
        return await self._one(ImportRecord, sql, (import_id,))

    async def latest(self, limit: int = 10) -> list[ImportRecord]:
        """The most recent imports, newest first."""
        sql = f"SELECT {_RECORD_COLUMNS} FROM imports ORDER BY id DESC LIMIT ?"
        return await self._all(ImportRecord, sql, (limit,))

    async def pending_plan(self, import_id: int) -> ImportPlan | None:
        """The plan of a pending import (None once applied, cancelled, or unknown)."""
        sql = "SELECT plan_json FROM imports WHERE id = ? AND status = 'pending'"
        rows = list(await self._db.conn.execute_fetchall(sql, (import_id,)))
        return plan_from_data(loads(rows[0][0])) if rows else None

    async def apply(self, import_id: int, actor_id: int | None = None,
                    owner_id: int | None = None) -> ApplyResult | None:
        """Apply a pending import's adds and updates in one transaction and mark it applied;
        None when it is not pending (applied already, cancelled, unknown) or, with `owner_id`, not
        that person's preview: nothing is written.

        The audit log gets an ``import.apply`` entry by `actor_id` (default: who sent the file).
        """
        now = self._now()
        async with self._db.transaction() as conn:
            sql = """SELECT person_id, file_name, plan_json FROM imports
                     WHERE id = ?1 AND status = 'pending' AND (?2 IS NULL OR person_id = ?2)"""
            rows = list(await conn.execute_fetchall(sql, (import_id, owner_id)))
            if not rows:
                return None
            person_id, file_name, plan_json = rows[0]
            plan = plan_from_data(loads(plan_json))
            result = await self._write_households(conn, import_id, plan, now)
            cursor = await conn.execute(
                """UPDATE imports SET status = 'applied', applied_at = ?, plan_json = NULL, counts_json = ?
                   WHERE id = ? AND status = 'pending'""",
                (now, dumps(self._counts(plan, result)), import_id))
            assert cursor.rowcount == 1  # under the write lock nothing else can have moved it
            await self._audit(conn, actor_id if actor_id is not None else person_id, file_name, result, now)
        return result

    async def apply_plan(
        self, plan: ImportPlan, *, file_name: str, sha256: str, person_id: int | None = None
    ) -> ApplyResult:
        """Apply a plan at once (the server's import command) and record it as an applied import."""
        if plan.refused:
            raise ValueError("a refused plan (file-level problems) cannot be applied")
        now = self._now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(*insertion("imports", dict(
                person_id=person_id, file_name=file_name[:MAX_FILE_NAME], file_sha256=sha256,
                plan_json=None, counts_json=dumps(summarise(plan)), status="applied", created_at=now,
                applied_at=now,
            )))
            import_id = cursor.lastrowid
            assert import_id is not None
            result = await self._write_households(conn, import_id, plan, now)
            await conn.execute("UPDATE imports SET counts_json = ? WHERE id = ?",
                               (dumps(self._counts(plan, result)), import_id))
            await self._audit(conn, person_id, file_name, result, now)
        return result

    async def cancel(self, import_id: int, owner_id: int | None = None) -> bool:
        """Cancel a pending import (its plan is dropped); False if it was not pending or, with
        `owner_id`, not that person's preview."""
        sql = """UPDATE imports SET status = 'cancelled', cancelled_at = ?1, plan_json = NULL
                 WHERE id = ?2 AND status = 'pending' AND (?3 IS NULL OR person_id = ?3)"""
        return await self._write(sql, (self._now(), import_id, owner_id)) == 1

    async def cancel_stale(self, before: datetime) -> int:
        """Cancel the pending imports made before `before` (previews nobody confirmed); how many."""
        sql = """UPDATE imports SET status = 'cancelled', cancelled_at = ?1, plan_json = NULL
                 WHERE status = 'pending' AND created_at < ?2"""
        return await self._write(sql, (self._now(), to_db_time(before)))

    async def _write_households(
        self, conn: aiosqlite.Connection, import_id: int, plan: ImportPlan, now: str
    ) -> ApplyResult:
        """Insert the adds and update the updates (bulk), assigning only kader still active."""
        rows = await conn.execute_fetchall("SELECT id FROM people WHERE role = 'kader' AND active = 1")
        active = {row[0] for row in rows}
        cursor = await conn.executemany(_ADD, _parameters(plan.adds, active, now))
        added = cursor.rowcount
        cursor = await conn.executemany(_UPDATE, _parameters(plan.updates, active, now))
        updated = cursor.rowcount
        skipped = len(plan.adds) + len(plan.updates) - added - updated
        return ApplyResult(import_id, added, updated, skipped)

    @staticmethod
    def _counts(plan: ImportPlan, result: ApplyResult) -> dict[str, int]:
        """The plan's counts with what applying it wrote."""
        return {**summarise(plan), "added": result.added, "updated": result.updated,
                "skipped": result.skipped}

    @staticmethod
    async def _audit(
        conn: aiosqlite.Connection, actor_id: int | None, file_name: str, result: ApplyResult, now: str
    ) -> None:
        """An ``import.apply`` line in the audit log, inside the applying transaction."""
        detail = {"file": file_name, "added": result.added, "updated": result.updated,
                  "skipped": result.skipped}
        await conn.execute(*insertion("audit_log", dict(
            at=now, actor_id=actor_id, action="import.apply", subject=f"import:{result.import_id}",
            detail_json=dumps(detail),
        )))


def _parameters(
    households: Iterable[PlannedHousehold], active: set[int], now: str
) -> Iterable[dict[str, Any]]:
    """Named parameters of the household statements (a kader no longer active is not assigned)."""
    for h in households:
        kader_id = h.kader_id if h.kader_id in active else None
        yield {"code": h.code, "head_name": h.head_name, "address": h.address, "rt": h.rt, "rw": h.rw,
               "kelurahan": h.kelurahan, "kader_id": kader_id, "set_kader": to_db_bool(h.set_kader),
               "now": now}

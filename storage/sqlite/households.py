"""Households, their assignment to kader, and survey progress (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.convert import to_db_bool
from storage.records import Household, ProgressRow
from storage.sqlite.table import Table


class Households(Table):
    """The families (KK) to interview."""

    async def add(
        self,
        code: str,
        head_name: str,
        address: str,
        rt: str,
        rw: str,
        kelurahan: str,
        kader_id: int | None = None,
    ) -> Household:
        """Register a household, optionally assigned to a kader."""
        now = self._now()
        return await self._insert(
            Household,
            "households",
            code=code,
            head_name=head_name,
            address=address,
            rt=rt,
            rw=rw,
            kelurahan=kelurahan,
            kader_id=kader_id,
            created_at=now,
            updated_at=now,
        )

    async def get(self, household_id: int) -> Household | None:
        """The household with this id."""
        sql = "SELECT * FROM households WHERE id = ?"
        return await self._one(Household, sql, (household_id,))

    async def by_code(self, code: str) -> Household | None:
        """The household with this code."""
        sql = "SELECT * FROM households WHERE code = ?"
        return await self._one(Household, sql, (code,))

    async def for_kader(self, kader_id: int) -> list[Household]:
        """The households assigned to a kader, by code."""
        sql = "SELECT * FROM households WHERE kader_id = ? ORDER BY code"
        return await self._all(Household, sql, (kader_id,))

    async def assign(self, household_ids: Sequence[int], kader_id: int) -> int:
        """Give households to a kader; how many changed hands."""
        async with self._db.transaction() as conn:
            cursor = await conn.executemany(
                "UPDATE households SET kader_id = ?, updated_at = ? WHERE id = ? AND kader_id IS NOT ?",
                [(kader_id, self._now(), hid, kader_id) for hid in household_ids])
        return cursor.rowcount

    async def set_review(self, household_id: int, needs_review: bool) -> bool:
        """Flag a household added by a kader for an admin's review, or clear the flag."""
        sql = "UPDATE households SET needs_review = ?, updated_at = ? WHERE id = ? AND needs_review <> ?"
        return await self._write(sql, (to_db_bool(needs_review), self._now(), household_id,
                                           to_db_bool(needs_review))) == 1

    async def delete_with_data(self, household_id: int) -> bool:
        """Erase a household and everything recorded about it (a request under UU 27/2022)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """UPDATE people SET focus_interview_id = NULL WHERE focus_interview_id IN
                       (SELECT id FROM interviews WHERE household_id = ?)""", (household_id,))
            await conn.execute("DELETE FROM interviews WHERE household_id = ?", (household_id,))
            cursor = await conn.execute("DELETE FROM households WHERE id = ?", (household_id,))
        return cursor.rowcount == 1

    async def progress(self, survey_round: str) -> list[ProgressRow]:
        """Per kelurahan and kader: households assigned, started, submitted; mean index of the
        complete submitted ones. One scan, grouped in SQL."""
        sql = """SELECT h.kelurahan, h.kader_id, p.name AS kader_name, count(*) AS assigned,
                        count(i.id) AS started,
                        sum(i.status = 'submitted') AS submitted,
                        avg(CASE WHEN s.complete = 1 THEN s.index_value END) AS mean_index
                 FROM households h
                 LEFT JOIN people p ON p.id = h.kader_id
                 LEFT JOIN interviews i ON i.household_id = h.id AND i.survey_round = ?
                 LEFT JOIN scores s ON s.interview_id = i.id
                 GROUP BY h.kelurahan, h.kader_id ORDER BY h.kelurahan, p.name"""
        rows = await self._db.conn.execute_fetchall(sql, (survey_round,))
        return [ProgressRow(r["kelurahan"], r["kader_id"], r["kader_name"], r["assigned"],
                            r["started"], r["submitted"] or 0, r["mean_index"]) for r in rows]

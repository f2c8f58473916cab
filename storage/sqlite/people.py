"""People and their one-time join codes (SQLite)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.convert import record, to_db_bool, to_db_time
from storage.records import Invite, Person, RedeemResult, Role
from storage.sqlite.table import Table


class People(Table):
    """Admins, kader, agency staff and coordinators."""

    async def add(
        self,
        name: str,
        role: Role,
        *,
        kelurahan: str | None = None,
        agency_code: str | None = None,
        language: str = "id",
    ) -> Person:
        """Create a person who has not joined on Telegram yet."""
        return await self._insert(
            Person,
            "people",
            name=name,
            role=role,
            kelurahan=kelurahan,
            agency_code=agency_code,
            language=language,
            created_at=self._now(),
        )

    async def get(self, person_id: int) -> Person | None:
        """The person with this id."""
        return await self._one(Person, "SELECT * FROM people WHERE id = ?", (person_id,))

    async def by_telegram_id(self, telegram_user_id: int) -> Person | None:
        """The person bound to this Telegram account, active or not (read on the loop: every update
        asks this first)."""
        def read(raw: sqlite3.Connection) -> Person | None:
            found = raw.execute("SELECT * FROM people WHERE telegram_user_id = ?",
                                (telegram_user_id,)).fetchone()
            return None if found is None else record(Person, found)

        return await self._db.read_now(read)

    async def set_language(self, person_id: int, language: str) -> None:
        """Change the language the bot speaks to this person."""
        sql = "UPDATE people SET language = ? WHERE id = ?"
        await self._write(sql, (language, person_id))

    async def set_focus(self, person_id: int, interview_id: int | None) -> None:
        """Open an interview for the kader's typed answers (None: close it)."""
        sql = "UPDATE people SET focus_interview_id = ? WHERE id = ?"
        await self._write(sql, (interview_id, person_id))

    async def set_active(self, person_id: int, active: bool) -> bool:
        """Deactivate (treated as a stranger from then on) or reactivate; False if unchanged."""
        sql = "UPDATE people SET active = ?, focus_interview_id = NULL WHERE id = ? AND active <> ?"
        return await self._write(sql, (to_db_bool(active), person_id, to_db_bool(active))) == 1

    async def pause_reminders(self, person_id: int, until: datetime) -> None:
        """No reminders for this kader until ``until``."""
        sql = "UPDATE people SET reminders_paused_until = ? WHERE id = ?"
        await self._write(sql, (to_db_time(until), person_id))

    async def move(self, person_id: int, *, kelurahan: str | None = None,
                   agency_code: str | None = None) -> None:
        """Move a kader or coordinator to another kelurahan, or an official to another agency."""
        sql = """UPDATE people SET kelurahan = coalesce(?, kelurahan),
                     agency_code = coalesce(?, agency_code) WHERE id = ?"""
        await self._write(sql, (kelurahan, agency_code, person_id))

    async def list(self, role: Role | None = None) -> list[Person]:
        """Everyone, or everyone with `role`, in creation order."""
        sql = "SELECT * FROM people WHERE ?1 IS NULL OR role = ?1 ORDER BY id"
        return await self._all(Person, sql, (role,))


class Invites(Table):
    """One-time join codes, stored only as hashes."""

    async def create(
        self, person_id: int, code_hash: str, expires_at: datetime, created_by: int | None = None
    ) -> Invite:
        """Store an invite for `person_id`, valid until `expires_at`."""
        return await self._insert(
            Invite,
            "invites",
            code_hash=code_hash,
            person_id=person_id,
            created_by=created_by,
            created_at=self._now(),
            expires_at=to_db_time(expires_at),
        )

    async def redeem(self, code_hash: str, telegram_user_id: int) -> RedeemResult:
        """Bind a Telegram account to the invite's person: checks and writes in one transaction.

        Redeeming again from the account that used the code is 'ok' (a replayed /start).
        An account bound to an *inactive* person is released and bound anew.
        """
        person_sql = "SELECT * FROM people WHERE id = ?"
        async with self._db.transaction() as conn:
            sql = "SELECT * FROM invites WHERE code_hash = ?"
            invite = await self._one(Invite, sql, (code_hash,))
            if invite is None:
                return RedeemResult("unknown")
            if invite.used_at is not None:
                person = await self._one(Person, person_sql, (invite.person_id,))
                replay = invite.used_by_telegram_id == telegram_user_id
                if replay and person and person.telegram_user_id == telegram_user_id:
                    return RedeemResult("ok", person)
                return RedeemResult("used")
            now = self._db.now()
            if invite.expires_at <= now:
                return RedeemResult("expired")
            holder = await self._one(
                Person, "SELECT * FROM people WHERE telegram_user_id = ?", (telegram_user_id,)
            )
            if holder is not None and holder.id != invite.person_id:
                if holder.active:
                    return RedeemResult("already_bound")
                sql = "UPDATE people SET telegram_user_id = NULL WHERE id = ?"
                await conn.execute(sql, (holder.id,))
            sql = "UPDATE invites SET used_at = ?, used_by_telegram_id = ? WHERE id = ?"
            await conn.execute(sql, (to_db_time(now), telegram_user_id, invite.id))
            sql = "UPDATE people SET telegram_user_id = ? WHERE id = ?"
            await conn.execute(sql, (telegram_user_id, invite.person_id))
            return RedeemResult("ok", await self._one(Person, person_sql, (invite.person_id,)))

    async def pending(self) -> list[Invite]:
        """Invitations not used yet and not expired, oldest first."""
        sql = "SELECT * FROM invites WHERE used_at IS NULL AND expires_at > ? ORDER BY id"
        return await self._all(Invite, sql, (self._now(),))

    async def revoke_for(self, person_id: int) -> int:
        """Make the person's unused invitations expire now; how many were revoked."""
        sql = """UPDATE invites SET expires_at = ?1
                 WHERE person_id = ?2 AND used_at IS NULL AND expires_at > ?1"""
        return await self._write(sql, (self._now(), person_id))

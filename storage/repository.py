"""The repository facade `repo.<table family>.<method>()`: the project's only SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from flows.answers import Answer
from storage.base import Table, answer_of, dumps, insertion, record
from storage.database import Database, to_db_time
from storage.dialogs import Dialogs
from storage.digests import Digests
from storage.exports import Exports
from storage.imports import Imports
from storage.records import (
    AuditEntry,
    Household,
    InstrumentRef,
    Interview,
    Invite,
    OutboxItem,
    Person,
    ProgressRow,
    RedeemResult,
    Role,
    ScoreRecord,
    StoredScore,
)


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
        return await self._write(sql, (int(active), person_id, int(active))) == 1

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
        return await self._write(sql, (int(needs_review), self._now(), household_id, int(needs_review))) == 1

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


class Interviews(Table):
    """Interviews and their answers; every move is a compare-and-set on current_question."""

    async def start(
        self,
        household_id: int,
        kader_id: int,
        instrument: InstrumentRef,
        survey_round: str,
        first_question: str | None,
    ) -> Interview:
        """Start the household's interview for the round, or return the one that exists."""
        now = self._now()
        async with self._db.transaction() as conn:
            sql, params = insertion(
                "interviews",
                dict(
                    household_id=household_id,
                    kader_id=kader_id,
                    instrument_id=instrument.id,
                    instrument_version=instrument.version,
                    instrument_hash=instrument.hash,
                    survey_round=survey_round,
                    current_question=first_question,
                    started_at=now,
                    updated_at=now,
                ),
            )
            await conn.execute(f"{sql} ON CONFLICT (household_id, survey_round) DO NOTHING", params)
            sql = "SELECT * FROM interviews WHERE household_id = ? AND survey_round = ?"
            interview = await self._one(Interview, sql, (household_id, survey_round))
        assert interview is not None
        return interview

    async def get(self, interview_id: int) -> Interview | None:
        """The interview with this id."""
        sql = "SELECT * FROM interviews WHERE id = ?"
        return await self._one(Interview, sql, (interview_id,))

    async def for_kader(self, kader_id: int, survey_round: str) -> list[Interview]:
        """A kader's interviews in one survey round, oldest first."""
        sql = """SELECT * FROM interviews WHERE kader_id = ? AND survey_round = ?
                 ORDER BY id"""
        return await self._all(Interview, sql, (kader_id, survey_round))

    async def for_household(self, household_id: int, survey_round: str) -> Interview | None:
        """The household's interview in a survey round, if one was started."""
        sql = "SELECT * FROM interviews WHERE household_id = ? AND survey_round = ?"
        return await self._one(Interview, sql, (household_id, survey_round))

    async def answers(self, interview_id: int) -> dict[str, Answer]:
        """The interview's answers by question id, in the order they were given."""
        sql = """SELECT * FROM answers WHERE interview_id = ?
                 ORDER BY answered_at, question_id"""
        rows = await self._db.conn.execute_fetchall(sql, (interview_id,))
        return {row["question_id"]: answer_of(row) for row in rows}

    @staticmethod
    async def _advance(
        conn: aiosqlite.Connection,
        interview_id: int,
        expected_current: str | None,
        now: str,
        assignments: str,
        values: Sequence[Any],
        source_message_id: int | None = None,
    ) -> bool:
        """Apply `assignments` only to a draft whose current_question is `expected_current`
        and, for a typed answer, whose last applied message is older than `source_message_id`."""
        cursor = await conn.execute(
            f"""UPDATE interviews SET {assignments}, updated_at = ?,
                    last_text_message_id = coalesce(?, last_text_message_id)
                WHERE id = ? AND status = 'draft' AND current_question IS ?
                  AND (? IS NULL OR last_text_message_id IS NULL OR last_text_message_id < ?)""",
            (*values, now, source_message_id, interview_id, expected_current, source_message_id,
             source_message_id),
        )
        return cursor.rowcount == 1

    async def record_answer(
        self,
        interview_id: int,
        answer: Answer,
        *,
        expected_current: str | None,
        next_question: str | None,
        drop: Sequence[str] = (),
        source_message_id: int | None = None,
    ) -> bool:
        """Save an answer, drop the ones it made irrelevant, move on; False if stale.

        ``source_message_id`` is the typed message the answer came from: a message id not newer
        than the last one applied (the same message delivered twice) is stale too, and the
        interview's ``message_id`` is cleared until the next question has been shown (see
        ``set_message``). One transaction, one trip to the database thread.
        """
        now = self._now()
        value = None if answer.refused else dumps(answer.value)

        def write(raw: sqlite3.Connection) -> bool:
            cursor = raw.execute(
                """UPDATE interviews SET current_question = ?, updated_at = ?,
                       last_text_message_id = coalesce(?, last_text_message_id),
                       message_id = CASE WHEN ? IS NULL THEN message_id END
                   WHERE id = ? AND status = 'draft' AND current_question IS ?
                     AND (? IS NULL OR last_text_message_id IS NULL OR last_text_message_id < ?)""",
                (next_question, now, source_message_id, source_message_id, interview_id,
                 expected_current, source_message_id, source_message_id))
            if cursor.rowcount != 1:
                return False
            raw.executemany("DELETE FROM answers WHERE interview_id = ? AND question_id = ?",
                            [(interview_id, question_id) for question_id in drop])
            raw.execute(
                """INSERT INTO answers (interview_id, question_id, value_json, refused, answered_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (interview_id, question_id) DO UPDATE SET
                       value_json = excluded.value_json, refused = excluded.refused,
                       answered_at = excluded.answered_at""",
                (interview_id, answer.question_id, value, int(answer.refused), now))
            return True

        return await self._db.atomically(write)

    async def load(self, interview_id: int) -> tuple[Interview, Household, dict[str, Answer]] | None:
        """An interview with its household and answers, read together in one trip."""
        def read(raw: sqlite3.Connection) -> tuple[Interview, Household, dict[str, Answer]] | None:
            found = raw.execute("SELECT * FROM interviews WHERE id = ?", (interview_id,)).fetchone()
            if found is None:
                return None
            interview = record(Interview, found)
            household = record(Household, raw.execute(
                "SELECT * FROM households WHERE id = ?", (interview.household_id,)).fetchone())
            rows = raw.execute("SELECT * FROM answers WHERE interview_id = ? ORDER BY answered_at, "
                               "question_id", (interview_id,)).fetchall()
            return interview, household, {row["question_id"]: answer_of(row) for row in rows}

        return await self._db.read_now(read)

    async def move_to(
        self, interview_id: int, *, expected_current: str | None, question_id: str | None
    ) -> bool:
        """Move a draft to `question_id` (None: the review) for back/edit; False if stale."""
        async with self._db.transaction() as conn:
            return await self._advance(
                conn, interview_id, expected_current, self._now(), "current_question = ?", (question_id,)
            )

    async def set_message(self, interview_id: int, message_id: int) -> None:
        """Remember the chat message that shows the interview."""
        sql = "UPDATE interviews SET message_id = ? WHERE id = ?"
        await self._write(sql, (message_id, interview_id))

    async def record_consent(self, interview_id: int) -> bool:
        """Record the family's consent (the first time counts); False if not a draft."""
        now = self._now()
        sql = """UPDATE interviews SET consent_at = coalesce(consent_at, ?), updated_at = ?
                 WHERE id = ? AND status = 'draft'"""
        return await self._write(sql, (now, now, interview_id)) == 1

    async def reopen(self, interview_id: int) -> bool:
        """Make a submitted interview a draft again, at its review, without its score."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE interviews SET status = 'draft', submitted_at = NULL, current_question = NULL,
                       updated_at = ? WHERE id = ? AND status = 'submitted'""",
                (self._now(), interview_id))
            if cursor.rowcount != 1:
                return False
            await conn.execute("DELETE FROM scores WHERE interview_id = ?", (interview_id,))
        return True

    async def submit(self, interview_id: int, *, expected_current: str | None, score: ScoreRecord) -> bool:
        """Submit a draft with its score in one transaction; False if done or stale."""
        now = self._now()
        async with self._db.transaction() as conn:
            if not await self._advance(
                conn, interview_id, expected_current, now, "status = 'submitted', submitted_at = ?", (now,)
            ):
                return False
            await conn.execute(
                *insertion(
                    "scores",
                    dict(
                        interview_id=interview_id,
                        instrument_version=score.instrument_version,
                        rubric_version=score.rubric_version,
                        index_value=score.index_value,
                        category=score.category,
                        complete=int(score.complete),
                        detail_json=dumps(score.detail),
                        scored_at=now,
                    ),
                )
            )
        return True


class Scores(Table):
    """Scores saved at submission."""

    async def get(self, interview_id: int) -> StoredScore | None:
        """The score of a submitted interview."""
        sql = "SELECT * FROM scores WHERE interview_id = ?"
        return await self._one(StoredScore, sql, (interview_id,))


class Outbox(Table):
    """Messages sent in bulk, at most one per kind, period and recipient."""

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

    async def due(self, limit: int) -> list[OutboxItem]:
        """Pending messages whose next attempt is due, the longest waiting first."""
        sql = """SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                 ORDER BY next_attempt_at, id LIMIT ?"""
        return await self._all(OutboxItem, sql, (self._now(), limit))

    async def get(self, item_id: int) -> OutboxItem | None:
        """The outbox row with this id."""
        return await self._one(OutboxItem, "SELECT * FROM outbox WHERE id = ?", (item_id,))

    async def mark_sent(self, item_id: int) -> None:
        """Record a successful send."""
        sql = """UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,
                     next_attempt_at = NULL WHERE id = ?"""
        await self._write(sql, (self._now(), item_id))

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed send: retry at `retry_at`, or give up ('failed') if None."""
        sql = """UPDATE outbox SET attempts = attempts + 1, last_error = ?1,
                     next_attempt_at = ?2,
                     status = CASE WHEN ?2 IS NULL THEN 'failed' ELSE 'pending' END
                 WHERE id = ?3"""
        retry = None if retry_at is None else to_db_time(retry_at)
        await self._write(sql, (error, retry, item_id))


class Audit(Table):
    """The append-only audit log."""

    async def log(
        self, actor_id: int | None, action: str, subject: str, detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Append an entry: `actor_id` did `action` to `subject`."""
        return await self._insert(
            AuditEntry,
            "audit_log",
            at=self._now(),
            actor_id=actor_id,
            action=action,
            subject=subject,
            detail_json=None if detail is None else dumps(detail),
        )

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        """The most recent entries, newest first."""
        sql = "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?"
        return await self._all(AuditEntry, sql, (limit,))


class Repository:
    """The storage facade handlers and jobs use: one attribute per table family."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.people = People(db)
        self.invites = Invites(db)
        self.households = Households(db)
        self.interviews = Interviews(db)
        self.scores = Scores(db)
        self.outbox = Outbox(db)
        self.audit = Audit(db)
        self.imports = Imports(db)
        self.dialogs = Dialogs(db)
        self.digests = Digests(db)
        self.exports = Exports(db)

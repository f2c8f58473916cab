"""Interviews, their answers and scores (SQLite): every move a compare-and-set on current_question."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

from flows.answers import Answer
from storage.convert import answer_of, dumps, record, to_db_bool
from storage.records import Household, InstrumentRef, Interview, ScoreRecord, StoredScore
from storage.sqlite.table import Table, insertion


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

    async def open_with_consent(self, household_id: int, kader_id: int, instrument: InstrumentRef,
                                survey_round: str, first_question: str | None) -> Interview:
        """The family agreed: start the round's interview (or find it), record the consent (the
        first time counts) and open it for the kader's typed answers, in one transaction. Consent
        and focus are written only when the interview is this kader's draft."""
        now = self._now()
        async with self._db.transaction() as conn:
            sql, params = insertion("interviews", dict(
                household_id=household_id, kader_id=kader_id, instrument_id=instrument.id,
                instrument_version=instrument.version, instrument_hash=instrument.hash,
                survey_round=survey_round, current_question=first_question, started_at=now,
                updated_at=now))
            await conn.execute(f"{sql} ON CONFLICT (household_id, survey_round) DO NOTHING", params)
            found = "SELECT * FROM interviews WHERE household_id = ? AND survey_round = ?"
            interview = await self._one(Interview, found, (household_id, survey_round))
            assert interview is not None
            if interview.kader_id == kader_id and interview.status == "draft":
                await conn.execute("""UPDATE interviews SET consent_at = coalesce(consent_at, ?),
                                          updated_at = ? WHERE id = ?""", (now, now, interview.id))
                await conn.execute("UPDATE people SET focus_interview_id = ? WHERE id = ?",
                                   (interview.id, kader_id))
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
                (interview_id, answer.question_id, value, to_db_bool(answer.refused), now))
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
                        complete=to_db_bool(score.complete),
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

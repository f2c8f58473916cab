"""Repository: every table family through the facade, with the database's constraints."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from flows.answers import Answer
from storage.convert import to_db_time
from storage.records import Interview, ScoreRecord
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.storage.factories import INSTRUMENT, ROUND, FakeClock, new_interview

SCORE = ScoreRecord("1.0", "r1", 62.5, "Berkembang", True, {"dimensions": {"1": 0.75}, "indicators": {}})


# people --------------------------------------------------------------------------------------------


async def test_people(repo: Repository, clock: FakeClock) -> None:
    admin = await repo.people.add("Admin", "admin", language="en")
    kader = await repo.people.add("Siti", "kader", kelurahan="Komet")
    agency = await repo.people.add("Dinkes", "agency", agency_code="DINKES")
    assert kader.role == "kader" and kader.kelurahan == "Komet" and kader.telegram_user_id is None
    assert kader.active is True and kader.language == "id" and kader.created_at == clock.now
    assert agency.agency_code == "DINKES"
    assert await repo.people.get(admin.id) == admin
    assert await repo.people.get(999) is None
    await repo.people.set_language(kader.id, "en")
    assert (await repo.people.get(kader.id)).language == "en"  # type: ignore[union-attr]
    assert [p.id for p in await repo.people.list()] == [admin.id, kader.id, agency.id]
    assert [p.id for p in await repo.people.list("kader")] == [kader.id]


async def test_role_is_checked(repo: Repository) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await repo.people.add("X", "king")  # type: ignore[arg-type]


# invites -------------------------------------------------------------------------------------------


async def test_invite_redeem_outcomes(repo: Repository, clock: FakeClock) -> None:
    admin = await repo.people.add("Admin", "admin")
    siti = await repo.people.add("Siti", "kader")
    rina = await repo.people.add("Rina", "kader")
    in_a_day = clock.now + timedelta(days=1)
    invite = await repo.invites.create(siti.id, "hash-siti", in_a_day, created_by=admin.id)
    assert invite.used_at is None and invite.expires_at == in_a_day and invite.created_by == admin.id
    await repo.invites.create(rina.id, "hash-rina", in_a_day)
    await repo.invites.create(rina.id, "hash-rina-2", in_a_day)

    assert (await repo.invites.redeem("no-such-hash", 111)).outcome == "unknown"

    result = await repo.invites.redeem("hash-siti", 111)
    assert result.outcome == "ok" and result.person == replace(siti, telegram_user_id=111)
    assert await repo.people.by_telegram_id(111) == result.person

    again = await repo.invites.redeem("hash-siti", 111)  # a replayed /start
    assert again.outcome == "ok" and again.person == result.person
    assert (await repo.invites.redeem("hash-siti", 222)).outcome == "used"

    assert (await repo.invites.redeem("hash-rina", 111)).outcome == "already_bound"
    assert (await repo.people.get(rina.id)).telegram_user_id is None  # type: ignore[union-attr]

    clock.advance(days=1)
    assert (await repo.invites.redeem("hash-rina-2", 333)).outcome == "expired"
    assert await repo.people.by_telegram_id(333) is None


async def test_redeem_releases_an_account_bound_to_an_inactive_person(repo: Repository, db: Database) -> None:
    expires = db.now() + timedelta(hours=1)
    old = await repo.people.add("Old", "kader")
    new = await repo.people.add("New", "kader")
    await repo.invites.create(old.id, "h-old", expires)
    await repo.invites.create(new.id, "h-new", expires)
    assert (await repo.invites.redeem("h-old", 5)).outcome == "ok"
    async with db.transaction() as conn:
        await conn.execute("UPDATE people SET active = 0 WHERE id = ?", (old.id,))
    result = await repo.invites.redeem("h-new", 5)
    assert result.outcome == "ok" and result.person is not None and result.person.id == new.id
    assert (await repo.people.get(old.id)).telegram_user_id is None  # type: ignore[union-attr]


# households and interviews -------------------------------------------------------------------------


async def test_households(repo: Repository) -> None:
    kader = await repo.people.add("Siti", "kader")
    b = await repo.households.add("KK-002", "B", "Jl. B", "001", "001", "Komet", kader_id=kader.id)
    a = await repo.households.add("KK-001", "A", "Jl. A", "001", "001", "Komet", kader_id=kader.id)
    await repo.households.add("KK-003", "C", "Jl. C", "002", "001", "Komet")
    assert await repo.households.get(a.id) == a
    assert await repo.households.by_code("KK-002") == b
    assert await repo.households.by_code("KK-404") is None
    assert [h.code for h in await repo.households.for_kader(kader.id)] == ["KK-001", "KK-002"]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await repo.households.add("KK-001", "Again", "Jl. A", "001", "001", "Komet")


async def test_start_is_idempotent(repo: Repository, interview: Interview) -> None:
    assert interview.status == "draft" and interview.current_question == "q1"
    assert interview.instrument == INSTRUMENT and interview.survey_round == ROUND
    again = await repo.interviews.start(
        interview.household_id, interview.kader_id, INSTRUMENT, ROUND, "other"
    )
    assert again == interview
    assert await repo.interviews.for_kader(interview.kader_id, ROUND) == [interview]
    assert await repo.interviews.for_kader(interview.kader_id, "2027-1") == []
    next_round = await repo.interviews.start(
        interview.household_id, interview.kader_id, INSTRUMENT, "2027-1", "q1"
    )
    assert next_round.id != interview.id


async def test_answers_survive_close_and_reopen(db_path: Path) -> None:
    given = [Answer("q1", 3), Answer("q2", "ya"), Answer("q3", ("bank", "arisan")), Answer.refusal("q4")]
    db = await Database.open(db_path)
    repo = Repository(db)
    interview = await new_interview(repo)
    for n, answer in enumerate(given, start=1):
        assert await repo.interviews.record_answer(
            interview.id, answer, expected_current=f"q{n}", next_question=f"q{n + 1}"
        )
    await db.close()

    db = await Database.open(db_path)
    try:
        repo = Repository(db)
        answers = await repo.interviews.answers(interview.id)
        assert answers == {a.question_id: a for a in given}
        assert answers["q3"].value == ("bank", "arisan") and answers["q4"].refused
        assert (await repo.interviews.get(interview.id)).current_question == "q5"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_record_answer_is_compare_and_set(
    repo: Repository, interview: Interview, clock: FakeClock
) -> None:
    first = Answer("q1", "ya")
    assert await repo.interviews.record_answer(interview.id, first, expected_current="q1", next_question="q2")
    before = await repo.interviews.get(interview.id)
    clock.advance(seconds=5)

    replay = Answer("q1", "tidak")  # the same button again, or an old message's button
    assert not await repo.interviews.record_answer(
        interview.id, replay, expected_current="q1", next_question="q2"
    )
    assert await repo.interviews.get(interview.id) == before
    assert await repo.interviews.answers(interview.id) == {"q1": first}
    assert not await repo.interviews.record_answer(999, first, expected_current="q1", next_question="q2")


async def test_edit_replaces_the_answer_and_drops_irrelevant_ones(
    repo: Repository, interview: Interview
) -> None:
    chain = [("q1", "q2", "ya"), ("q2", "q3", 2), ("q3", None, "tiga")]
    for current, nxt, value in chain:
        assert await repo.interviews.record_answer(
            interview.id, Answer(current, value), expected_current=current, next_question=nxt
        )
    assert not await repo.interviews.move_to(interview.id, expected_current="q2", question_id="q1")
    assert await repo.interviews.move_to(interview.id, expected_current=None, question_id="q1")
    assert (await repo.interviews.get(interview.id)).current_question == "q1"  # type: ignore[union-attr]

    changed = Answer("q1", "tidak")
    assert await repo.interviews.record_answer(
        interview.id, changed, expected_current="q1", next_question=None, drop=("q2", "q3", "q1")
    )
    assert await repo.interviews.answers(interview.id) == {"q1": changed}


async def test_consent_is_recorded_once(repo: Repository, interview: Interview, clock: FakeClock) -> None:
    assert interview.consent_at is None
    assert await repo.interviews.record_consent(interview.id)
    given_at = clock.now
    clock.advance(minutes=1)
    assert await repo.interviews.record_consent(interview.id)
    assert (await repo.interviews.get(interview.id)).consent_at == given_at  # type: ignore[union-attr]


async def test_opening_with_consent_is_one_transaction_for_the_kaders_draft_only(
        repo: Repository, clock: FakeClock) -> None:
    kader = await repo.people.add("Siti", "kader", kelurahan="Guntung Manggis")
    other = await repo.people.add("Dewi", "kader", kelurahan="Guntung Manggis")
    household = await repo.households.add("GM-009", "Budi", "Jl. 1", "001", "002", "Guntung Manggis",
                                          kader_id=kader.id)
    opened = await repo.interviews.open_with_consent(household.id, kader.id, INSTRUMENT, ROUND, "q1")
    stored = await repo.interviews.get(opened.id)
    assert stored is not None and stored.consent_at == clock.now and stored.current_question == "q1"
    assert (await repo.people.get(kader.id)).focus_interview_id == opened.id  # type: ignore[union-attr]
    clock.advance(minutes=1)
    again = await repo.interviews.open_with_consent(household.id, kader.id, INSTRUMENT, ROUND, "q2")
    assert again.id == opened.id and again.current_question == "q1"
    assert (await repo.interviews.get(opened.id)).consent_at == stored.consent_at  # type: ignore[union-attr]
    foreign = await repo.interviews.open_with_consent(household.id, other.id, INSTRUMENT, ROUND, "q1")
    assert foreign.kader_id == kader.id  # someone else's: nothing of theirs was written
    assert (await repo.people.get(other.id)).focus_interview_id is None  # type: ignore[union-attr]


async def test_submit_is_single_shot(repo: Repository, interview: Interview, clock: FakeClock) -> None:
    await repo.interviews.record_answer(
        interview.id, Answer("q1", 1), expected_current="q1", next_question=None
    )
    assert not await repo.interviews.submit(interview.id, expected_current="q1", score=SCORE)  # stale
    assert await repo.scores.get(interview.id) is None

    clock.advance(minutes=3)
    assert await repo.interviews.submit(interview.id, expected_current=None, score=SCORE)
    assert not await repo.interviews.submit(interview.id, expected_current=None, score=SCORE)
    done = await repo.interviews.get(interview.id)
    assert done is not None and done.status == "submitted" and done.submitted_at == clock.now

    stored = await repo.scores.get(interview.id)
    assert stored is not None and stored.scored_at == clock.now
    assert (stored.index_value, stored.category, stored.complete, stored.detail) == (
        62.5,
        "Berkembang",
        True,
        SCORE.detail,
    )
    # a submitted interview takes no more answers or moves
    late = Answer("q1", 2)
    assert not await repo.interviews.record_answer(
        interview.id, late, expected_current=None, next_question=None
    )
    assert not await repo.interviews.move_to(interview.id, expected_current=None, question_id="q1")
    assert not await repo.interviews.record_consent(interview.id)


async def test_foreign_keys_are_enforced(repo: Repository, db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO answers (interview_id, question_id, value_json, refused, answered_at)"
                " VALUES (4242, 'q1', '1', 0, ?)",
                (to_db_time(db.now()),),
            )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await repo.households.add("KK-1", "A", "Jl. A", "001", "001", "Komet", kader_id=4242)
    assert await repo.households.by_code("KK-1") is None


# outbox and audit ----------------------------------------------------------------------------------


async def test_outbox(repo: Repository, clock: FakeClock) -> None:
    kader = await repo.people.add("Siti", "kader")
    assert await repo.outbox.enqueue("reminder", "2026-W48", kader.id, 111, {"pending": 3})
    assert not await repo.outbox.enqueue("reminder", "2026-W48", kader.id, 111, {"pending": 4})
    assert await repo.outbox.enqueue("reminder", "2026-W49", kader.id, 112, {"pending": 1})

    first, second = await repo.outbox.due(limit=10)  # due now on the database's clock
    assert (first.period, first.payload, first.status, first.attempts) == (
        "2026-W48",
        {"pending": 3},
        "pending",
        0,
    )
    assert first.next_attempt_at == clock.now and first.sent_at is None

    await repo.outbox.mark_failed(first.id, "429 Too Many Requests", clock.now + timedelta(seconds=30))
    assert [item.id for item in await repo.outbox.due(limit=10)] == [second.id]
    assert [item.id for item in await repo.outbox.due(clock.now + timedelta(seconds=30))] == [
        second.id, first.id]  # at a later moment; the longest due first
    clock.advance(seconds=30)
    assert [item.id for item in await repo.outbox.due(limit=10)] == [second.id, first.id]
    assert len(await repo.outbox.due(limit=1)) == 1

    await repo.outbox.mark_sent(first.id)
    await repo.outbox.mark_failed(second.id, "403 Forbidden", None)
    assert await repo.outbox.due(limit=10) == []
    sent, failed = await repo.outbox.get(first.id), await repo.outbox.get(second.id)
    assert sent is not None and sent.status == "sent" and sent.attempts == 2 and sent.sent_at == clock.now
    assert failed is not None and failed.status == "failed" and failed.last_error == "403 Forbidden"
    assert failed.next_attempt_at is None


async def test_outbox_due_is_each_chats_oldest_row(repo: Repository) -> None:
    kader = await repo.people.add("Siti", "kader")
    for period in ("2026-W48", "2026-W49"):
        assert await repo.outbox.enqueue("reminder", period, kader.id, 111, {})
    first, second = [await repo.outbox.get(item_id) for item_id in (1, 2)]
    assert first is not None and second is not None
    assert [item.id for item in await repo.outbox.due()] == [first.id]  # the chat's next in line only
    await repo.outbox.mark_sent(first.id)
    assert [item.id for item in await repo.outbox.due()] == [second.id]
    assert await repo.outbox.pending() == 1 and await repo.outbox.next_attempt_at() == second.next_attempt_at


async def test_audit_log(repo: Repository, clock: FakeClock) -> None:
    admin = await repo.people.add("Admin", "admin")
    await repo.audit.log(admin.id, "invite.create", "person:2", {"expires": "2026-12-01"})
    clock.advance(seconds=1)
    await repo.audit.log(None, "backup", "tangguh.db")
    newest, oldest = await repo.audit.latest()
    assert (newest.actor_id, newest.action, newest.subject, newest.detail) == (
        None,
        "backup",
        "tangguh.db",
        None,
    )
    assert oldest.detail == {"expires": "2026-12-01"} and oldest.at == clock.now - timedelta(seconds=1)
    assert len(await repo.audit.latest(limit=1)) == 1


async def test_a_typed_message_delivered_twice_answers_only_once(
    repo: Repository, interview: Interview
) -> None:
    """The kader types "3" once; Telegram delivers it twice: the second must not answer q2."""
    assert await repo.interviews.record_answer(
        interview.id, Answer("q1", 3), expected_current="q1", next_question="q2", source_message_id=41
    )
    assert not await repo.interviews.record_answer(
        interview.id, Answer("q2", 3), expected_current="q2", next_question="q3", source_message_id=41
    )
    stored = await repo.interviews.get(interview.id)
    assert stored is not None
    assert (stored.current_question, stored.last_text_message_id) == ("q2", 41)
    assert await repo.interviews.answers(interview.id) == {"q1": Answer("q1", 3)}
    assert await repo.interviews.record_answer(
        interview.id, Answer("q2", 5), expected_current="q2", next_question="q3", source_message_id=42
    )


async def test_a_stale_typed_answer_does_not_consume_its_message_id(
    repo: Repository, interview: Interview
) -> None:
    assert not await repo.interviews.record_answer(
        interview.id, Answer("q9", 1), expected_current="q9", next_question=None, source_message_id=7
    )
    stored = await repo.interviews.get(interview.id)
    assert stored is not None and stored.last_text_message_id is None


async def test_focus_and_message_are_remembered(repo: Repository, interview: Interview) -> None:
    await repo.people.set_focus(interview.kader_id, interview.id)
    await repo.interviews.set_message(interview.id, 314)
    kader = await repo.people.get(interview.kader_id)
    stored = await repo.interviews.get(interview.id)
    assert kader is not None and kader.focus_interview_id == interview.id
    assert stored is not None and stored.message_id == 314
    await repo.people.set_focus(interview.kader_id, None)
    kader = await repo.people.get(interview.kader_id)
    assert kader is not None and kader.focus_interview_id is None


async def test_load_reads_the_interview_its_household_and_answers_together(
    repo: Repository, interview: Interview
) -> None:
    await repo.interviews.record_answer(interview.id, Answer("q1", ("a", "b")), expected_current="q1",
                                        next_question="q2")
    loaded = await repo.interviews.load(interview.id)
    assert loaded is not None
    stored, household, answers = loaded
    assert stored == await repo.interviews.get(interview.id)
    assert household == await repo.households.get(interview.household_id)
    assert answers == {"q1": Answer("q1", ("a", "b"))}
    assert await repo.interviews.load(999) is None


async def test_a_failing_atomic_write_leaves_nothing_behind(repo: Repository, interview: Interview) -> None:
    def half_then_fail(raw: object) -> None:
        raw.execute("UPDATE interviews SET current_question = 'zz' WHERE id = ?", (interview.id,))  # type: ignore[attr-defined]
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await repo.db.atomically(half_then_fail)
    stored = await repo.interviews.get(interview.id)
    assert stored is not None and stored.current_question == "q1"
    assert await repo.interviews.record_answer(interview.id, Answer("q1", 1), expected_current="q1",
                                               next_question="q2")  # the lock was released

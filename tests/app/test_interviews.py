"""The kader's interview use cases without Telegram: each outcome, and nothing written twice or by
the wrong person."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app import interviews
from app.interviews import (
    AlreadySubmitted,
    CannotSubmit,
    Moved,
    NeedsButton,
    NoOpenInterview,
    NotShownYet,
    Paused,
    Refused,
    Shown,
    Stale,
    Submitted,
)
from app.services import Services
from flows import resume as events
from flows.answers import Answer
from storage.records import Household, Person
from storage.repository import Repository
from tests.app.admin_world import services
from tests.storage.factories import FakeClock


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def kader_with_family(repo: Repository, name: str = "Siti", code: str = "GM-001"
                            ) -> tuple[Person, Household]:
    kader = await repo.people.add(name, "kader", kelurahan="Guntung Manggis")
    household = await repo.households.add(code, "Budi", "Jl. Mawar 1", "001", "002", "Guntung Manggis",
                                          kader_id=kader.id)
    return kader, household


async def fresh(repo: Repository, person: Person) -> Person:
    found = await repo.people.get(person.id)
    assert found is not None
    return found


async def started(svc: Services, kader: Person, household: Household) -> tuple[Person, interviews.Screen]:
    outcome = await interviews.start(svc, kader, household.id)
    assert isinstance(outcome, Shown) and outcome.adopt
    return await fresh(svc.repository, kader), outcome.screen


async def test_start_opens_the_first_question_and_records_consent(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    kader, screen = await started(svc, kader, household)
    assert screen.interview.current_question == svc.engine.first_question.id
    assert kader.focus_interview_id == screen.interview.id
    stored = await repo.interviews.get(screen.interview.id)
    assert stored is not None and stored.consent_at is not None


async def test_another_kaders_family_or_interview_is_refused_and_nothing_is_written(
        svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    other, _ = await kader_with_family(repo, "Dewi", "GM-002")
    assert isinstance(await interviews.start(svc, other, household.id), Refused)
    assert await repo.interviews.for_household(household.id, svc.settings.survey_round) is None
    kader, screen = await started(svc, kader, household)
    first = screen.interview.current_question or ""
    outcome = await interviews.press(svc, other, screen.interview.id, events.Choose(first, "yes"))
    assert isinstance(outcome, Refused)
    assert await repo.interviews.answers(screen.interview.id) == {}
    assert (await fresh(repo, other)).focus_interview_id is None


async def test_an_answer_moves_on_once_and_the_same_press_again_is_stale(
        svc: Services, repo: Repository, clock: FakeClock) -> None:
    kader, household = await kader_with_family(repo)
    kader, screen = await started(svc, kader, household)
    first = svc.engine.first_question.id
    moved = await interviews.press(svc, kader, screen.interview.id, events.Choose(first, "yes"))
    assert isinstance(moved, Moved) and moved.screen.interview.current_question != first
    stored = await repo.interviews.answers(screen.interview.id)
    assert stored == {first: Answer(first, "yes")}
    clock.advance(seconds=5)
    again = await interviews.press(svc, kader, screen.interview.id, events.Choose(first, "unregistered"))
    assert isinstance(again, Stale)
    assert await repo.interviews.answers(screen.interview.id) == stored


async def test_typed_answers_follow_the_open_interview(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    assert isinstance(await interviews.type_answer(svc, kader, "3", 10), NoOpenInterview)
    kader, screen = await started(svc, kader, household)
    interview_id = screen.interview.id
    assert isinstance(await interviews.type_answer(svc, kader, "3", 11), NeedsButton)
    first = svc.engine.first_question.id
    await interviews.press(svc, kader, interview_id, events.Choose(first, "yes"))
    number = (await repo.interviews.get(interview_id)).current_question  # type: ignore[union-attr]
    assert number == "children_0_17"
    assert isinstance(await interviews.type_answer(svc, kader, "3", 12), NotShownYet)  # never shown
    await interviews.remember_message(svc, screen.interview, 500)
    typed = await interviews.type_answer(svc, kader, "3", 13)
    assert isinstance(typed, Moved)
    assert (await repo.interviews.answers(interview_id))[number] == Answer(number, 3)
    after = await repo.interviews.get(interview_id)
    assert after is not None and after.message_id is None  # until the next question is shown
    await interviews.remember_message(svc, after, 501)
    assert isinstance(await interviews.type_answer(svc, kader, "3", 13), Stale)  # delivered twice


async def test_submit_needs_every_answer_then_happens_once(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    kader, screen = await started(svc, kader, household)
    interview_id = screen.interview.id
    assert isinstance(await interviews.press(svc, kader, interview_id, events.Submit()), Stale)
    answers: dict[str, Answer] = {}
    engine = svc.engine
    while (question := engine.next_question(answers)) is not None:
        value = question.options[0].value if question.is_choice else (question.min or 0)
        if question.type == "multiple":
            value = (question.options[-1].value,)
        answers, _ = engine.apply(answers, Answer(question.id, value))
        stored = await repo.interviews.get(interview_id)
        assert stored is not None
        following = engine.next_question(answers, after=question.id)
        assert await repo.interviews.record_answer(
            interview_id, answers[question.id], expected_current=stored.current_question,
            next_question=following.id if following else None)
    await repo.interviews.move_to(interview_id, expected_current=None, question_id=engine.order[0].id)
    assert isinstance(await interviews.press(svc, kader, interview_id, events.Submit()), Stale)
    await repo.interviews.move_to(interview_id, expected_current=engine.order[0].id, question_id=None)
    submitted = await interviews.press(svc, kader, interview_id, events.Submit())
    assert isinstance(submitted, Submitted) and submitted.result.detail["index"] is not None
    assert (await fresh(repo, kader)).focus_interview_id is None
    again = await interviews.press(svc, kader, interview_id, events.Submit())
    assert isinstance(again, AlreadySubmitted) and again.result is not None
    score = await repo.scores.get(interview_id)
    assert score is not None and score.detail == submitted.result.detail


async def test_an_incomplete_review_cannot_be_submitted(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    kader, screen = await started(svc, kader, household)
    await repo.interviews.move_to(screen.interview.id, expected_current=svc.engine.first_question.id,
                                  question_id=None)
    assert isinstance(await interviews.press(svc, kader, screen.interview.id, events.Submit()), CannotSubmit)
    assert await repo.scores.get(screen.interview.id) is None


async def test_pause_closes_the_interview_for_typed_answers(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    kader, screen = await started(svc, kader, household)
    paused = await interviews.pause(svc, kader, screen.interview.id)
    assert isinstance(paused, Paused) and paused.answered == 0 and paused.total == 24
    kader = await fresh(repo, kader)
    assert kader.focus_interview_id is None
    assert isinstance(await interviews.type_answer(svc, kader, "3", 20), NoOpenInterview)
    resumed = await interviews.resume(svc, kader, screen.interview.id)
    assert isinstance(resumed, Shown) and (await fresh(repo, kader)).focus_interview_id == screen.interview.id


async def test_the_message_is_written_only_when_it_changed(svc: Services, repo: Repository) -> None:
    kader, household = await kader_with_family(repo)
    _, screen = await started(svc, kader, household)
    await interviews.remember_message(svc, screen.interview, 77)
    stored = await repo.interviews.get(screen.interview.id)
    assert stored is not None and stored.message_id == 77
    writes: list[object] = []
    original = repo.interviews.set_message

    async def counting(*args: object) -> None:
        writes.append(args)
        await original(*args)  # type: ignore[arg-type]

    repo.interviews.set_message = counting  # type: ignore[method-assign]
    await interviews.remember_message(svc, replace(screen.interview, message_id=77), 77)
    assert writes == []

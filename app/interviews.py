"""The kader's interview: start, answer, tick, back, edit, pause, resume, submit, typed answers.

Each use case loads the interview, lets the engine decide (flows/resume.py), writes what it decided
with its compare-and-set guard, and returns what the channel should show. A double tap, an old
message's button or an update delivered twice writes nothing a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.outcomes import Refused, not_yours
from app.services import Services
from flows import resume as engine_step
from flows.answers import Answer
from flows.interview import InterviewEngine, Problem
from flows.scoring import stored_detail
from storage.records import Household, Interview, Person, ScoreRecord

log = logging.getLogger(__name__)


# --- what the channel shows ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screen:
    """An open interview at its current question, or at the review when it is at none."""

    interview: Interview
    household: Household
    engine: InterviewEngine
    answers: Mapping[str, Answer]
    selection: tuple[str, ...] | None = None
    """A multiple choice's ticks not yet confirmed."""


@dataclass(frozen=True, slots=True)
class ResultCard:
    """A submitted interview's result, from its stored score."""

    household: Household
    engine: InterviewEngine
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Moved:
    """Written: show the next screen."""

    screen: Screen


@dataclass(frozen=True, slots=True)
class Shown:
    """Nothing written (a tick, a resume): show this screen; ``adopt`` the pressed message."""

    screen: Screen
    adopt: bool = False


@dataclass(frozen=True, slots=True)
class Stale:
    """The press no longer applies: show where the interview is now."""

    screen: Screen


@dataclass(frozen=True, slots=True)
class Invalid:
    """Not an acceptable answer: say why, and show the question again."""

    problem: Problem
    screen: Screen


@dataclass(frozen=True, slots=True)
class NeedsButton:
    """Text where a button is expected (``at_review``: at the review)."""

    screen: Screen
    at_review: bool


@dataclass(frozen=True, slots=True)
class NotShownYet:
    """Text while the current question never reached the chat: show it, file nothing."""

    screen: Screen


@dataclass(frozen=True, slots=True)
class Submitted:
    """Submitted now, with its result."""

    result: ResultCard


@dataclass(frozen=True, slots=True)
class AlreadySubmitted:
    """Submitted before (the result, when it was scored)."""

    result: ResultCard | None


@dataclass(frozen=True, slots=True)
class CannotSubmit:
    """Some relevant question is still unanswered."""


@dataclass(frozen=True, slots=True)
class Paused:
    """Saved and closed: the family and how far it got."""

    household: Household
    answered: int
    total: int


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Nothing to do (back on the first question)."""


@dataclass(frozen=True, slots=True)
class NoOpenInterview:
    """Typed text with no draft open: the channel treats it as a search."""


Outcome = (Moved | Shown | Stale | Invalid | NeedsButton | NotShownYet | Submitted | AlreadySubmitted
           | CannotSubmit | Paused | Unchanged | Refused | NoOpenInterview)


# --- use cases ----------------------------------------------------------------------------


async def start(svc: Services, kader: Person, household_id: int) -> Outcome:
    """The family agreed: start (or find) the round's interview and open it at its question."""
    repo = svc.repository
    household = await repo.households.get(household_id)
    if household is None or household.kader_id != kader.id:
        return not_yours(kader.id, "household not assigned")
    interview = await repo.interviews.open_with_consent(
        household.id, kader.id, svc.instrument_ref, svc.settings.survey_round, svc.engine.first_question.id)
    if interview.kader_id != kader.id:
        return not_yours(kader.id, "interview started by another kader")
    return await resume(svc, replace(kader, focus_interview_id=interview.id), interview.id)


async def resume(svc: Services, kader: Person, interview_id: int) -> Outcome:
    """Continue a draft where it stands (its message becomes the pressed one)."""
    loaded = await _load(svc, kader, interview_id)
    if not isinstance(loaded, Screen):
        return loaded
    if kader.focus_interview_id != interview_id:
        await svc.repository.people.set_focus(kader.id, interview_id)
    return Shown(loaded, adopt=True)


async def pause(svc: Services, kader: Person, interview_id: int) -> Outcome:
    """"Simpan & keluar": the answers are already stored; typed text no longer answers it."""
    loaded = await _load(svc, kader, interview_id)
    if not isinstance(loaded, Screen):
        return loaded
    await svc.repository.people.set_focus(kader.id, None)
    return Paused(loaded.household, loaded.engine.answered_indicators(loaded.answers),
                  loaded.engine.total)


async def press(svc: Services, kader: Person, interview_id: int, event: engine_step.Event) -> Outcome:
    """A button of the interview's screen: answer, tick, refuse, back, edit or submit."""
    loaded = await _load(svc, kader, interview_id)
    if not isinstance(loaded, Screen):
        return loaded
    if kader.focus_interview_id != interview_id:  # typed answers follow the interview last touched
        await svc.repository.people.set_focus(kader.id, interview_id)
    return await _carry_out(svc, kader, loaded, event)


async def type_answer(svc: Services, kader: Person, text: str, message_id: int) -> Outcome:
    """Typed text: the answer to the open interview's number question (``message_id`` guards
    against the same message delivered twice)."""
    if kader.focus_interview_id is None:
        return NoOpenInterview()
    loaded = await _load(svc, kader, kader.focus_interview_id)
    if not isinstance(loaded, Screen):
        return NoOpenInterview()
    return await _carry_out(svc, kader, loaded, engine_step.Type(text), source_message_id=message_id)


async def remember_message(svc: Services, interview: Interview, message_id: int) -> None:
    """The chat message that shows the interview now (written only when it changed)."""
    if interview.message_id != message_id:
        await svc.repository.interviews.set_message(interview.id, message_id)


async def result_of(svc: Services, interview: Interview, household: Household) -> ResultCard | None:
    """The result card of a submitted interview (None if it has no score)."""
    score = await svc.repository.scores.get(interview.id)
    if score is None:
        return None
    return ResultCard(household, svc.engine_for(interview), score.detail)


# --- steps ------------------------------------------------------------------------------


async def _carry_out(svc: Services, kader: Person, loaded: Screen, event: engine_step.Event, *,
                     source_message_id: int | None = None) -> Outcome:
    interview, engine = loaded.interview, loaded.engine
    state = engine_step.Snapshot(interview.kader_id, interview.status == "submitted",
                                 interview.current_question, loaded.answers,
                                 question_shown=interview.message_id is not None)
    decision = engine_step.resume(engine, state, kader.id, event)
    repo = svc.repository
    match decision:
        case engine_step.Record(answer, dropped, following, expected, answers):
            written = await repo.interviews.record_answer(
                interview.id, answer, expected_current=expected, next_question=following,
                drop=dropped, source_message_id=source_message_id)
            if not written:
                return await _stale(svc, interview.id)
            # The old message id stays in hand: the channel retires that message.
            moved = replace(interview, current_question=following)
            return Moved(replace(loaded, interview=moved, answers=answers))
        case engine_step.Move(to, expected):
            if not await repo.interviews.move_to(interview.id, expected_current=expected, question_id=to):
                return await _stale(svc, interview.id)
            return Moved(replace(loaded, interview=replace(interview, current_question=to)))
        case engine_step.Complete(score, flags):
            return await _submit(svc, kader, loaded, score, flags)
        case engine_step.Select(selection):
            return Shown(replace(loaded, selection=selection))
        case engine_step.Invalid(problem):
            log.info("refused an invalid answer for interview %s", interview.id)
            return Invalid(problem, loaded)
        case engine_step.NeedsButton(at_review):
            return NeedsButton(loaded, at_review)
        case engine_step.NotShownYet():
            return NotShownYet(loaded)
        case engine_step.Stale():
            return Stale(loaded)
        case engine_step.Stay():
            return Unchanged()
        case engine_step.Incomplete():
            return CannotSubmit()
        case engine_step.Closed():
            return AlreadySubmitted(await result_of(svc, interview, loaded.household))
        case engine_step.Forged(reason):
            return not_yours(kader.id, reason)
    raise AssertionError(f"unhandled decision {decision!r}")


async def _submit(svc: Services, kader: Person, loaded: Screen, score: Any,
                  flags: tuple[str, ...]) -> Outcome:
    """Store the interview as submitted with its score, in one transaction."""
    engine = loaded.engine
    detail = stored_detail(score, flags)
    record = ScoreRecord(instrument_version=engine.instrument.version,
                         rubric_version=score.rubric_version, index_value=score.index,
                         category=score.category, complete=score.complete, detail=detail)
    repo = svc.repository
    if not await repo.interviews.submit(loaded.interview.id, expected_current=None, score=record):
        return await _stale(svc, loaded.interview.id)
    await repo.people.set_focus(kader.id, None)
    log.info("interview %s submitted", loaded.interview.id)
    return Submitted(ResultCard(loaded.household, engine, detail))


async def _load(svc: Services, kader: Person, interview_id: int) -> Screen | Outcome:
    """The interview if it is this kader's draft; a submitted one is its result."""
    found = await svc.repository.interviews.load(interview_id)
    if found is None or found[0].kader_id != kader.id:
        return not_yours(kader.id, "interview of another kader")
    interview, household, answers = found
    if interview.status == "submitted":
        return AlreadySubmitted(await result_of(svc, interview, household))
    return Screen(interview, household, svc.engine_for(interview), answers)


async def _stale(svc: Services, interview_id: int) -> Outcome:
    """A write that lost its compare-and-set: where the interview is now."""
    repo = svc.repository
    found = await repo.interviews.load(interview_id)
    assert found is not None
    interview, household, answers = found
    if interview.status == "submitted":
        return AlreadySubmitted(await result_of(svc, interview, household))
    return Stale(Screen(interview, household, svc.engine_for(interview), answers))

"""The engine's resume step: ownership, staleness, validation, apply/next and the guard of each
write, decided for every kind of event without Telegram or a database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from flows import resume
from flows.answers import Answer
from flows.instrument import parse_instrument
from flows.interview import InterviewEngine

ROOT = Path(__file__).resolve().parents[2]
KADER = 7


@pytest.fixture(scope="module")
def engine() -> InterviewEngine:
    path = ROOT / "instruments" / "ketahanan-keluarga-24.yaml"
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    codes = [agency["code"] for agency in config["agencies"]]
    return InterviewEngine(parse_instrument(path.read_text(encoding="utf-8"), path.name, codes))


def at(engine: InterviewEngine, current: str | None, answers: Mapping[str, Answer] | None = None, *,
       submitted: bool = False, shown: bool = True) -> resume.Snapshot:
    return resume.Snapshot(KADER, submitted, current, answers or {}, question_shown=shown)


def answered_all(engine: InterviewEngine) -> dict[str, Answer]:
    """Every relevant question answered with its first option or its smallest number (no
    children: their follow-up is skipped)."""
    answers: dict[str, Answer] = {}
    while (question := engine.next_question(answers)) is not None:
        value = question.options[0].value if question.is_choice else (question.min or 0)
        if question.type == "multiple":
            value = (question.options[-1].value,)
        answers, _ = engine.apply(answers, Answer(question.id, value))
    return answers


def test_another_kaders_interview_is_forged_whatever_the_event(engine: InterviewEngine) -> None:
    first = engine.first_question.id
    state = resume.Snapshot(KADER + 1, False, first, {})
    for event in (resume.Choose(first, "yes"), resume.Submit(), resume.Type("3"), resume.Back(first)):
        assert isinstance(resume.resume(engine, state, KADER, event), resume.Forged)


def test_a_submitted_interview_is_closed(engine: InterviewEngine) -> None:
    decision = resume.resume(engine, at(engine, None, submitted=True), KADER, resume.Submit())
    assert decision == resume.Closed()


def test_a_choice_records_and_moves_on_guarded_by_the_current_question(engine: InterviewEngine) -> None:
    first = engine.first_question
    decision = resume.resume(engine, at(engine, first.id), KADER, resume.Choose(first.id, "yes"))
    assert isinstance(decision, resume.Record)
    assert decision.answer == Answer(first.id, "yes") and decision.expected == first.id
    assert decision.next_question == engine.next_question(decision.answers, after=first.id).id  # type: ignore[union-attr]


def test_a_press_for_another_question_is_stale(engine: InterviewEngine) -> None:
    first, second = engine.order[0], engine.order[1]
    assert resume.resume(engine, at(engine, second.id), KADER,
                         resume.Choose(first.id, "yes")) == resume.Stale()
    assert resume.resume(engine, at(engine, second.id), KADER, resume.Back(first.id)) == resume.Stale()
    assert resume.resume(engine, at(engine, second.id), KADER, resume.Submit()) == resume.Stale()


def test_unknown_options_and_options_for_typed_questions_are_refused(engine: InterviewEngine) -> None:
    first = engine.first_question
    assert isinstance(resume.resume(engine, at(engine, first.id), KADER, resume.Choose(first.id, "zz")),
                      resume.Invalid)
    typed = next(q for q in engine.order if not q.is_choice)
    decision = resume.resume(engine, at(engine, typed.id), KADER, resume.Choose(typed.id, "yes"))
    assert isinstance(decision, resume.Forged)


def test_ticks_select_without_writing_and_masks_beyond_the_options_are_forged(
        engine: InterviewEngine) -> None:
    multiple = next(q for q in engine.order if q.type == "multiple")
    state = at(engine, multiple.id)
    assert resume.resume(engine, state, KADER, resume.Tick(multiple.id, 0b1)) == \
        resume.Select((multiple.options[0].value,))
    too_far = 1 << len(multiple.options)
    assert isinstance(resume.resume(engine, state, KADER, resume.Tick(multiple.id, too_far)), resume.Forged)
    assert isinstance(resume.resume(engine, state, KADER, resume.ChooseMany(multiple.id, too_far)),
                      resume.Forged)


def test_typed_text_needs_a_number_question_that_reached_the_chat(engine: InterviewEngine) -> None:
    choice = engine.first_question
    typed = next(q for q in engine.order if not q.is_choice)
    assert resume.resume(engine, at(engine, choice.id), KADER, resume.Type("3")) == \
        resume.NeedsButton(at_review=False)
    assert resume.resume(engine, at(engine, None), KADER, resume.Type("3")) == \
        resume.NeedsButton(at_review=True)
    assert resume.resume(engine, at(engine, typed.id, shown=False), KADER, resume.Type("3")) == \
        resume.NotShownYet()
    assert isinstance(resume.resume(engine, at(engine, typed.id), KADER, resume.Type("banyak sekali")),
                      resume.Invalid)


def test_back_on_the_first_question_stays_and_back_from_the_review_goes_to_the_last(
        engine: InterviewEngine) -> None:
    first = engine.first_question.id
    assert resume.resume(engine, at(engine, first), KADER, resume.Back(first)) == resume.Stay()
    answers = answered_all(engine)
    last = engine.relevant_questions(answers)[-1].id
    assert resume.resume(engine, at(engine, None, answers), KADER, resume.Back(None)) == \
        resume.Move(last, expected=None)


def test_edit_from_the_review_only_for_questions_that_were_asked(engine: InterviewEngine) -> None:
    answers = answered_all(engine)
    asked = engine.relevant_questions(answers)[0].id
    assert resume.resume(engine, at(engine, None, answers), KADER, resume.Edit(asked)) == \
        resume.Move(asked, expected=None)
    asked_ids = {r.id for r in engine.relevant_questions(answers)}
    skipped = next(q.id for q in engine.order if q.id not in asked_ids)
    assert isinstance(resume.resume(engine, at(engine, None, answers), KADER, resume.Edit(skipped)),
                      resume.Forged)


def test_submit_needs_every_relevant_answer(engine: InterviewEngine) -> None:
    assert resume.resume(engine, at(engine, None, {}), KADER, resume.Submit()) == resume.Incomplete()
    decision = resume.resume(engine, at(engine, None, answered_all(engine)), KADER, resume.Submit())
    assert isinstance(decision, resume.Complete) and decision.score.index is not None

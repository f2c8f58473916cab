"""Resuming an interview with one event, decided in one place without knowing the channel.

Ownership (is it this kader's), staleness (is the event for the question the interview is at now),
validation, apply/next and the compare-and-set guard each storage write must carry: the engine
says what should happen; the use case writes it and the channel shows it. See ``interview.mmd``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flows.answers import Answer
from flows.instrument import Question
from flows.interview import InterviewEngine, Problem
from flows.scoring import FamilyScore


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the engine needs to know of an interview as it is stored now."""

    kader_id: int
    submitted: bool
    current: str | None
    """The question it is at; None at the review."""
    answers: Mapping[str, Answer]
    question_shown: bool = True
    """Whether the current question reached the chat (a typed answer clears it until then)."""


# --- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choose:
    """An option of a single-choice question."""

    question: str
    value: str


@dataclass(frozen=True, slots=True)
class ChooseMany:
    """A confirmed multiple-choice selection, as the bit mask of its options."""

    question: str
    mask: int


@dataclass(frozen=True, slots=True)
class Tick:
    """A tick of a multiple choice: only what is shown changes."""

    question: str
    mask: int


@dataclass(frozen=True, slots=True)
class Refuse:
    """"Tidak ingin menjawab"."""

    question: str


@dataclass(frozen=True, slots=True)
class Type:
    """A typed answer to the current (number) question."""

    text: str


@dataclass(frozen=True, slots=True)
class Back:
    """Back from ``position`` (None: from the review)."""

    position: str | None


@dataclass(frozen=True, slots=True)
class Edit:
    """Change an answer from the review."""

    question: str


@dataclass(frozen=True, slots=True)
class Submit:
    """Submit from the review."""


Event = Choose | ChooseMany | Tick | Refuse | Type | Back | Edit | Submit


# --- decisions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Forged:
    """Not this kader's interview, or data no screen could have sent: refuse, change nothing."""

    reason: str


@dataclass(frozen=True, slots=True)
class Closed:
    """The interview was submitted meanwhile: show its result."""


@dataclass(frozen=True, slots=True)
class Stale:
    """The event is for another point of the interview (a double tap, an old message)."""


@dataclass(frozen=True, slots=True)
class Invalid:
    """Not an acceptable answer: say why, ask again."""

    problem: Problem


@dataclass(frozen=True, slots=True)
class NeedsButton:
    """Text typed where a button is expected (``at_review``: at the review)."""

    at_review: bool


@dataclass(frozen=True, slots=True)
class NotShownYet:
    """Text typed while the current question never reached the chat: most likely the last answer
    typed again, so show the question instead of filing the text under it."""


@dataclass(frozen=True, slots=True)
class Record:
    """Write ``answer``, drop what it made irrelevant, move to ``next_question`` (None: review);
    only if the interview is still at ``expected``."""

    answer: Answer
    dropped: tuple[str, ...]
    next_question: str | None
    expected: str | None
    answers: Mapping[str, Answer]
    """The answers once written."""


@dataclass(frozen=True, slots=True)
class Move:
    """Go to ``to`` (None: the review); only if the interview is still at ``expected``."""

    to: str | None
    expected: str | None


@dataclass(frozen=True, slots=True)
class Select:
    """Show the current question with this selection ticked (nothing is written)."""

    selection: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Stay:
    """Nothing to do (back on the first question)."""


@dataclass(frozen=True, slots=True)
class Complete:
    """Submit with this score, only if the interview is still at the review."""

    score: FamilyScore
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Incomplete:
    """Some relevant question is still unanswered: cannot submit."""


Decision = (Forged | Closed | Stale | Invalid | NeedsButton | NotShownYet | Record | Move | Select
            | Stay | Complete | Incomplete)


def resume(engine: InterviewEngine, state: Snapshot, kader_id: int, event: Event) -> Decision:
    """What ``event`` by ``kader_id`` does to the interview in ``state``."""
    if state.kader_id != kader_id:
        return Forged("interview of another kader")
    if state.submitted:
        return Closed()
    if isinstance(event, Type):
        return _typed(engine, state, event)
    if isinstance(event, Choose | ChooseMany | Tick | Refuse):
        return _at_question(engine, state, event)
    if isinstance(event, Back):
        if state.current != event.position:
            return Stale()
        previous = engine.previous_question(state.answers, state.current)
        return Stay() if previous is None else Move(previous.id, expected=state.current)
    if state.current is not None:  # Edit and Submit come from the review
        return Stale()
    if isinstance(event, Edit):
        if event.question not in {q.id for q in engine.relevant_questions(state.answers)}:
            return Forged("edit of a question not asked")
        return Move(event.question, expected=None)
    if not engine.can_submit(state.answers):
        return Incomplete()
    return Complete(engine.score(state.answers), engine.flags(state.answers))


def selection_of(question: Question, mask: int) -> tuple[str, ...] | None:
    """The options a mask selects, in order; None for a mask with bits beyond the options."""
    if mask >> len(question.options):
        return None
    return tuple(o.value for i, o in enumerate(question.options) if mask & (1 << i))


def _at_question(engine: InterviewEngine, state: Snapshot,
                 event: Choose | ChooseMany | Tick | Refuse) -> Decision:
    if state.current != event.question:
        return Stale()
    question = engine.questions[event.question]
    if isinstance(event, Tick | ChooseMany):
        selection = selection_of(question, event.mask)
        if selection is None:
            return Forged("selection mask")
        if isinstance(event, Tick):
            return Select(selection)
        return _apply(engine, state, engine.validate(question, selection, state.answers))
    if isinstance(event, Refuse):
        return _apply(engine, state, engine.refuse(question))
    if not question.is_choice:  # no button answers a typed question: "lima" must be typed
        return Forged("option for a typed question")
    return _apply(engine, state, engine.validate(question, event.value, state.answers))


def _typed(engine: InterviewEngine, state: Snapshot, event: Type) -> Decision:
    question = engine.questions.get(state.current or "")
    if question is None or question.is_choice:
        return NeedsButton(at_review=question is None)
    if not state.question_shown:
        return NotShownYet()
    return _apply(engine, state, engine.validate(question, event.text, state.answers))


def _apply(engine: InterviewEngine, state: Snapshot, result: Answer | Problem) -> Decision:
    if isinstance(result, Problem):
        return Invalid(result)
    answers, dropped = engine.apply(state.answers, result)
    following = engine.next_question(answers, after=result.question_id)
    return Record(result, dropped, following.id if following else None, state.current, answers)

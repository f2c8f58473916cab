"""The interview engine: given an instrument and the answers so far, what comes next.

Pure functions over immutable data. Channels (Telegram today) render what it returns and
storage records the answers; neither lives here. Answers are a mapping question id → Answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from flows.answers import Answer, AnswerValue
from flows.expressions import Expression
from flows.instrument import (
    NUMBER_TYPES,
    Dimension,
    Indicator,
    Instrument,
    Question,
    as_indicator_score,
    option_score,
)
from flows.numbers import NumberProblem, parse_number
from flows.scoring import FamilyScore, IndicatorScore, Rubric, score_family

Answers = Mapping[str, Answer]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an input was not accepted: a message key of the locale files and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    message: Mapping[str, str] | None = None
    """The instrument's own message (a constraint_message), which takes precedence over ``key``."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a question stands: ``position``/``total`` indicators, and its dimension."""

    position: int
    total: int
    dimension: Dimension
    indicator: Indicator


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One question and its answer in the review summary."""

    question: Question
    indicator: Indicator
    answer: Answer | None


@dataclass(frozen=True, slots=True)
class ReviewSection:
    """The answers of one dimension."""

    dimension: Dimension
    items: tuple[ReviewItem, ...]


class InterviewEngine:
    """Walks one instrument; one engine serves every interview that uses it."""

    def __init__(self, instrument: Instrument, rubric: Rubric | None = None) -> None:
        self.instrument = instrument
        self.rubric = rubric or instrument.rubric
        self.order: tuple[Question, ...] = tuple(q for _, q in instrument.ask_order)
        self._position = {q.id: i for i, q in enumerate(self.order)}
        self._indicator_of = {q.id: ind for ind, q in instrument.ask_order}
        indicators_in_order = list(dict.fromkeys(ind.code for ind, _ in instrument.ask_order))
        self._indicator_position = {code: i + 1 for i, code in enumerate(indicators_in_order)}
        self._dimension_of = {ind.code: dim for dim, _, ind in instrument.indicators()}
        self._relevance = {q.id: Expression.parse(q.relevant) for q in self.order if q.relevant}
        self._constraint = {q.id: Expression.parse(q.constraint) for q in self.order if q.constraint}
        self._rules = {
            ind.code: tuple((Expression.parse(r.when), as_indicator_score(r.score)) for r in ind.rules)
            for _, _, ind in instrument.indicators()
        }

    @cached_property
    def questions(self) -> dict[str, Question]:
        """Every question by id."""
        return {q.id: q for q in self.order}

    @property
    def total(self) -> int:
        """How many indicators the instrument has."""
        return len(self._indicator_position)

    @property
    def first_question(self) -> Question:
        """The question every interview starts with."""
        return self.order[0]

    # --- walking -------------------------------------------------------------------------

    def environment(self, answers: Answers) -> dict[str, object]:
        """Names an expression may read: every question (None unless answered) and the params."""
        env: dict[str, object] = dict(self.rubric.params)
        for question in self.order:
            answer = answers.get(question.id)
            env[question.id] = answer.value if answer else None
        return env

    def is_relevant(self, question: Question, answers: Answers) -> bool:
        """Whether the question is asked, given the answers so far."""
        expression = self._relevance.get(question.id)
        return expression is None or expression.holds(self.environment(answers))

    def relevant_questions(self, answers: Answers) -> list[Question]:
        """The questions asked of this family, in order."""
        env = self.environment(answers)
        return [q for q in self.order
                if (e := self._relevance.get(q.id)) is None or e.holds(env)]

    def next_question(self, answers: Answers, after: str | None = None) -> Question | None:
        """The first unanswered relevant question after ``after`` (then from the start);
        None when everything is answered and the interview is at review."""
        pending = [q for q in self.relevant_questions(answers) if q.id not in answers]
        if after is not None:
            later = [q for q in pending if self._position[q.id] > self._position[after]]
            if later:
                return later[0]
        return pending[0] if pending else None

    def previous_question(self, answers: Answers, current: str | None) -> Question | None:
        """Where "back" goes: the relevant question before ``current`` (at review: the last one)."""
        relevant = self.relevant_questions(answers)
        if current is None:
            return relevant[-1] if relevant else None
        earlier = [q for q in relevant if self._position[q.id] < self._position[current]]
        return earlier[-1] if earlier else None

    def progress(self, question: Question) -> Progress:
        """``7/24 · Ketahanan Fisik`` for a question."""
        indicator = self._indicator_of[question.id]
        return Progress(self._indicator_position[indicator.code], self.total,
                        self._dimension_of[indicator.code], indicator)

    def answered_indicators(self, answers: Answers) -> int:
        """Indicators whose relevant questions are all answered (the ``7`` of ``7/24``)."""
        relevant = self.relevant_questions(answers)
        done = 0
        for _, _, indicator in self.instrument.indicators():
            ids = {q.id for q in indicator.questions} & {q.id for q in relevant}
            if ids and all(qid in answers for qid in ids):
                done += 1
        return done

    # --- answering -----------------------------------------------------------------------

    def validate(self, question: Question, raw: str | tuple[str, ...],
                 answers: Answers) -> Answer | Problem:
        """Turn what the kader typed or tapped into an Answer, or say what is wrong."""
        if question.type in NUMBER_TYPES:
            if not isinstance(raw, str):
                return Problem("number_expected", self._number_params(question))
            return self._validate_number(question, raw, answers)
        values = (raw,) if isinstance(raw, str) else raw
        if not values or any(question.option(v) is None for v in values):
            return Problem("unknown_option")
        if question.type != "multiple":
            if len(values) != 1:
                return Problem("unknown_option")
            return self._check_constraint(question, Answer(question.id, values[0]), answers)
        exclusive = [v for v in values if question.option(v).exclusive]  # type: ignore[union-attr]
        if exclusive and len(values) > 1:
            return Problem("exclusive_option", {"option": exclusive[0]})
        if len(set(values)) != len(values):
            return Problem("unknown_option")
        return self._check_constraint(question, Answer(question.id, tuple(values)), answers)

    def refuse(self, question: Question) -> Answer | Problem:
        """The answer "Tidak ingin menjawab", where the instrument allows it."""
        if not question.allow_refuse:
            return Problem("refusal_not_allowed")
        return Answer.refusal(question.id)

    def toggle(self, question: Question, selected: tuple[str, ...], value: str) -> tuple[str, ...]:
        """A multiple-choice selection after tapping ``value``; an exclusive option clears the rest."""
        option = question.option(value)
        if option is None:
            return selected
        if value in selected:
            return tuple(v for v in selected if v != value)
        if option.exclusive:
            return (value,)
        kept = tuple(v for v in selected if not question.option(v).exclusive)  # type: ignore[union-attr]
        return tuple(o.value for o in question.options if o.value in {*kept, value})

    def apply(self, answers: Answers, answer: Answer) -> tuple[dict[str, Answer], tuple[str, ...]]:
        """The answers after recording ``answer``, and the ids dropped because they are no longer
        relevant (an edit of "children 0–17" to 0 drops "children with akta")."""
        updated = {**answers, answer.question_id: answer}
        dropped: list[str] = []
        while True:
            relevant = {q.id for q in self.relevant_questions(updated)}
            stale = [qid for qid in updated if qid not in relevant]
            if not stale:
                return updated, tuple(dropped)
            for qid in stale:
                del updated[qid]
            dropped.extend(stale)

    def _validate_number(self, question: Question, raw: str, answers: Answers) -> Answer | Problem:
        parsed = parse_number(raw, "money" if question.type == "money" else "integer")
        params = self._number_params(question)
        if isinstance(parsed, NumberProblem):
            return Problem(f"number_{parsed.code}", params)
        if question.min is not None and parsed.value < question.min:
            return Problem("number_too_small", params)
        if question.max is not None and parsed.value > question.max:
            return Problem("number_too_large", params)
        return self._check_constraint(question, Answer(question.id, parsed.value), answers)

    def _check_constraint(self, question: Question, answer: Answer, answers: Answers) -> Answer | Problem:
        expression = self._constraint.get(question.id)
        if expression is None:
            return answer
        env = {**self.environment(answers), "value": answer.value}
        if expression.holds(env):
            return answer
        return Problem("constraint", self._number_params(question), question.constraint_message)

    @staticmethod
    def _number_params(question: Question) -> dict[str, object]:
        return {"min": question.min, "max": question.max, "example": question.example or "",
                "money": question.type == "money"}

    # --- review and scoring --------------------------------------------------------------

    def review(self, answers: Answers) -> tuple[ReviewSection, ...]:
        """Every relevant question with its answer, grouped by dimension in instrument order."""
        relevant = {q.id for q in self.relevant_questions(answers)}
        sections = []
        for dimension in self.instrument.dimensions:
            items = tuple(
                ReviewItem(question, indicator, answers.get(question.id))
                for variable in dimension.variables
                for indicator in variable.indicators
                for question in indicator.questions
                if question.id in relevant
            )
            sections.append(ReviewSection(dimension, items))
        return tuple(sections)

    def unanswered(self, answers: Answers) -> list[Question]:
        """Relevant questions still without an answer (a refusal counts as an answer)."""
        return [q for q in self.relevant_questions(answers) if q.id not in answers]

    def can_submit(self, answers: Answers) -> bool:
        """Every relevant question is answered or refused."""
        return not self.unanswered(answers)

    def indicator_scores(self, answers: Answers) -> dict[str, IndicatorScore]:
        """Each indicator's 1 / 0 / N/A / missing for this family."""
        env = self.environment(answers)
        relevant = {q.id for q in self.relevant_questions(answers)}
        return {indicator.code: self._indicator_score(indicator, answers, env, relevant)
                for _, _, indicator in self.instrument.indicators()}

    def _indicator_score(self, indicator: Indicator, answers: Answers, env: Mapping[str, object],
                         relevant: set[str]) -> IndicatorScore:
        if not indicator.rules:
            question = indicator.questions[0]
            answer = answers.get(question.id)
            if answer is None or answer.value is None:
                return IndicatorScore.MISSING
            return option_score(question, _choices(answer.value))
        for expression, score in self._rules[indicator.code]:
            if expression.holds(env):
                return score
        needed = [q.id for q in indicator.questions if q.id in relevant]
        complete = all(qid in answers and not answers[qid].refused for qid in needed)
        if indicator.otherwise is not None and complete:
            return as_indicator_score(indicator.otherwise)
        return IndicatorScore.MISSING

    def flags(self, answers: Answers) -> tuple[str, ...]:
        """Follow-up flags raised by chosen options (e.g. "cek Posyandu")."""
        raised: list[str] = []
        for question in self.order:
            answer = answers.get(question.id)
            if answer is None or answer.value is None or not question.is_choice:
                continue
            for value in _choices(answer.value):
                option = question.option(value)
                if option and option.flag and option.flag not in raised:
                    raised.append(option.flag)
        return tuple(raised)

    def score(self, answers: Answers) -> FamilyScore:
        """The family's index, category and the rest, under this engine's rubric."""
        return score_family(self.instrument.structure, self.rubric, self.indicator_scores(answers))


def _choices(value: AnswerValue) -> tuple[str, ...]:
    """The option values of a choice answer, one or several."""
    return value if isinstance(value, tuple) else (str(value),)

"""The questionnaire as data: the pydantic models of an instrument file, and what its scores mean.

Dimensions → variables → indicators → questions → options, each text in every language the file
declares, the scoring rule of every indicator, the agencies responsible for it, and the rubric.
Loading and checking a file is :mod:`flows.instrument.parse` and :mod:`flows.instrument.checks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from flows.scoring import DimensionSpec, IndicatorScore, Rubric, VariableSpec

Text = dict[str, str]
"""A text in every language of the instrument, e.g. ``{"id": "Ya", "en": "Yes"}``."""

QuestionType = Literal["single", "multiple", "integer", "money", "yes_no"]
CHOICE_TYPES: frozenset[str] = frozenset({"single", "multiple", "yes_no"})
NUMBER_TYPES: frozenset[str] = frozenset({"integer", "money"})
ScoreValue = Literal[1, 0, "na", "missing"]

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
Code = Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$", max_length=16)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Model):
    """One answer a kader can tap."""

    value: Identifier
    label: Text
    score: ScoreValue | None = None
    flag: Identifier | None = None
    exclusive: bool = False


class Question(_Model):
    """One question read aloud; number questions take typed text."""

    id: Identifier
    type: QuestionType
    label: Text
    short: Text | None = None
    hint: Text | None = None
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    example: str | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text | None = None
    allow_refuse: bool = False

    @property
    def is_choice(self) -> bool:
        """Answered by tapping options."""
        return self.type in CHOICE_TYPES

    def option(self, value: str) -> Option | None:
        """The option with this value, if any."""
        return next((option for option in self.options if option.value == value), None)


class ScoreRule(_Model):
    """``when`` holds → the indicator scores ``score``; rules are tried in order."""

    when: str
    score: ScoreValue


class Indicator(_Model):
    """One of the instrument's indicators, with its questions and its scoring rule."""

    number: int
    code: Code
    name: Text
    sensitive: bool = False
    lead: tuple[str, ...]
    support: tuple[str, ...] = ()
    questions: tuple[Question, ...]
    rules: tuple[ScoreRule, ...] = ()
    otherwise: ScoreValue | None = None


class Variable(_Model):
    """A group of indicators, scored as their mean."""

    code: Code
    name: Text
    weight: float = Field(default=1.0, gt=0)
    indicators: tuple[Indicator, ...]


class Dimension(_Model):
    """A group of variables, scored as their weighted mean."""

    code: Code
    name: Text
    weight: float = Field(default=1.0, gt=0)
    variables: tuple[Variable, ...]


class Instrument(_Model):
    """A whole questionnaire with its rubric."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
    version: str
    name: Text
    languages: tuple[str, ...] = Field(min_length=1)
    rubric: Rubric
    flags: dict[str, Text] = {}
    dimensions: tuple[Dimension, ...]
    content_hash: str = ""

    def indicators(self) -> Iterator[tuple[Dimension, Variable, Indicator]]:
        """Every indicator with its dimension and variable, in file order."""
        for dimension in self.dimensions:
            for variable in dimension.variables:
                for indicator in variable.indicators:
                    yield dimension, variable, indicator

    @cached_property
    def structure(self) -> tuple[DimensionSpec, ...]:
        """The shape the scorer needs: codes and weights only."""
        return tuple(
            DimensionSpec(
                dimension.code,
                dimension.weight,
                tuple(
                    VariableSpec(variable.code, variable.weight,
                                 tuple(indicator.code for indicator in variable.indicators))
                    for variable in dimension.variables
                ),
            )
            for dimension in self.dimensions
        )

    @cached_property
    def ask_order(self) -> tuple[tuple[Indicator, Question], ...]:
        """Questions in the order they are asked: sensitive indicators last, otherwise file order."""
        indicators = [indicator for _, _, indicator in self.indicators()]
        ordered = [i for i in indicators if not i.sensitive] + [i for i in indicators if i.sensitive]
        return tuple((indicator, question) for indicator in ordered for question in indicator.questions)

    @property
    def language(self) -> str:
        """The default language: the first one the file declares."""
        return self.languages[0]


def option_score(question: Question, values: tuple[str, ...]) -> IndicatorScore:
    """The score of a choice answer: the option's own, or for a multiple answer the worst of them."""
    scores = [question.option(v).score for v in values]  # type: ignore[union-attr]
    if 0 in scores:
        return IndicatorScore.NOT_MET
    if "missing" in scores:
        return IndicatorScore.MISSING
    if 1 in scores:
        return IndicatorScore.MET
    return IndicatorScore.NOT_APPLICABLE


def as_indicator_score(value: ScoreValue) -> IndicatorScore:
    """Map a score written in an instrument file to the scorer's enum."""
    return IndicatorScore(str(value))

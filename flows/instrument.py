"""The questionnaire as data: pydantic models, and the checks a loaded file must pass.

An instrument file (``instruments/*.yaml``) holds dimensions → variables → indicators →
questions → options, each text in every language the file declares, the scoring rule of every
indicator, the agencies responsible for it, and the rubric. ``parse_instrument`` turns the text
of such a file into an :class:`Instrument`, or raises :class:`InstrumentError` whose issues name
the file, the line, the path inside the file and the problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flows.expressions import Expression, ExpressionError
from flows.scoring import DimensionSpec, IndicatorScore, Rubric, VariableSpec

Text = dict[str, str]
"""A text in every language of the instrument, e.g. ``{"id": "Ya", "en": "Yes"}``."""

QuestionType = Literal["single", "multiple", "integer", "money", "yes_no"]
CHOICE_TYPES: frozenset[str] = frozenset({"single", "multiple", "yes_no"})
NUMBER_TYPES: frozenset[str] = frozenset({"integer", "money"})
ScoreValue = Literal[1, 0, "na", "missing"]

CALLBACK_LIMIT = 64
"""Telegram's limit on ``callback_data``, in bytes."""
LONGEST_CALLBACK = "v1:a:{interview}:{question}:{option}"
"""The longest payload a button of a question carries; the interview id takes 10 digits."""
MAX_OPTIONS = 12

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


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an instrument file."""

    path: str
    message: str
    line: int | None = None


class InstrumentError(ValueError):
    """An instrument file that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(self.describe(issues[0]) if issues else source)

    def describe(self, issue: Issue) -> str:
        """``file:line: path: problem``, the form editors and terminals understand."""
        where = f"{self.source}:{issue.line}" if issue.line else self.source
        return f"{where}: {issue.path or '(top)'}: {issue.message}"

    def lines(self) -> list[str]:
        """Every issue, one line each."""
        return [self.describe(issue) for issue in self.issues]


class _InstrumentLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false are booleans, so ``value: yes`` stays the string "yes"."""


_InstrumentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_InstrumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_instrument(text: str, source: str, agency_codes: Collection[str]) -> Instrument:
    """Validate the YAML ``text`` of an instrument; ``source`` names it in error messages."""
    try:
        raw = yaml.load(text, Loader=_InstrumentLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InstrumentError(source, [Issue("", f"not valid YAML ({error})", line)]) from None
    if not isinstance(raw, dict):
        raise InstrumentError(source, [Issue("", "the file must hold a mapping (id, version, ...)")])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        instrument = Instrument.model_validate({**raw, "content_hash": digest})
    except ValidationError as error:
        issues = [Issue(_dotted(item["loc"]), item["msg"]) for item in error.errors()]
        raise InstrumentError(source, _with_lines(text, issues)) from None
    issues = list(_InstrumentChecks(instrument, agency_codes).run())
    if issues:
        raise InstrumentError(source, _with_lines(text, issues))
    return instrument


def _dotted(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _with_lines(text: str, issues: list[Issue]) -> list[Issue]:
    """Attach the line of the deepest YAML node each path reaches."""
    try:
        root = yaml.compose(text, Loader=_InstrumentLoader)
    except yaml.YAMLError:
        return issues
    return [Issue(issue.path, issue.message, _line_of(root, issue.path)) for issue in issues]


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _line_of(node: yaml.Node | None, path: str) -> int | None:
    line = node.start_mark.line + 1 if node else None
    for name, index in _PATH_PART.findall(path):
        child = None
        if isinstance(node, yaml.MappingNode) and name:
            child = next((value for key, value in node.value if key.value == name), None)
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            child = node.value[int(index)]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


class _InstrumentChecks:
    """Cross-field checks pydantic cannot express; each yields Issues with their paths."""

    def __init__(self, instrument: Instrument, agency_codes: Collection[str]) -> None:
        self.instrument = instrument
        self.agencies = set(agency_codes)
        self.question_order: dict[str, int] = {}
        self.params = set(instrument.rubric.params)

    def run(self) -> Iterator[Issue]:
        """Every problem found, in file order."""
        instrument = self.instrument
        yield from self._texts("name", instrument.name)
        yield from self._unique("dimensions", [d.code for d in instrument.dimensions], "code")
        for flag, label in instrument.flags.items():
            yield from self._texts(f"flags.{flag}", label)
        for category_list in ("categories", "area_classes"):
            for i, category in enumerate(getattr(instrument.rubric, category_list)):
                yield from self._texts(f"rubric.{category_list}[{i}].label", category.label)
        seen_variables: list[str] = []
        seen_indicators: list[str] = []
        seen_numbers: list[str] = []
        for d, dimension in enumerate(instrument.dimensions):
            dpath = f"dimensions[{d}]"
            yield from self._texts(f"{dpath}.name", dimension.name)
            for v, variable in enumerate(dimension.variables):
                vpath = f"{dpath}.variables[{v}]"
                yield from self._texts(f"{vpath}.name", variable.name)
                yield from self._seen(seen_variables, variable.code, f"{vpath}.code", "variable")
                for i, indicator in enumerate(variable.indicators):
                    ipath = f"{vpath}.indicators[{i}]"
                    yield from self._seen(seen_indicators, indicator.code, f"{ipath}.code", "indicator")
                    yield from self._seen(seen_numbers, str(indicator.number), f"{ipath}.number",
                                          "indicator number")
                    yield from self._indicator(ipath, indicator)
        for q_path, question in self._questions():
            yield from self._expressions(q_path, question)

    def _questions(self) -> Iterator[tuple[str, Question]]:
        for d, dimension in enumerate(self.instrument.dimensions):
            for v, variable in enumerate(dimension.variables):
                for i, indicator in enumerate(variable.indicators):
                    for q, question in enumerate(indicator.questions):
                        yield (f"dimensions[{d}].variables[{v}].indicators[{i}].questions[{q}]",
                               question)

    def _indicator(self, path: str, indicator: Indicator) -> Iterator[Issue]:
        yield from self._texts(f"{path}.name", indicator.name)
        if not indicator.lead:
            yield Issue(f"{path}.lead", "every indicator needs at least one lead agency")
        for field in ("lead", "support"):
            for a, code in enumerate(getattr(indicator, field)):
                if code not in self.agencies:
                    known = ", ".join(sorted(self.agencies)) or "none configured"
                    yield Issue(f"{path}.{field}[{a}]",
                                f"unknown agency {code!r} (agencies in the config: {known})")
        if not indicator.questions:
            yield Issue(f"{path}.questions", "every indicator needs at least one question")
        for q, question in enumerate(indicator.questions):
            qpath = f"{path}.questions[{q}]"
            yield from self._seen_question(question, qpath)
            yield from self._question(qpath, question, scored_by_options=not indicator.rules)
        if not indicator.rules:
            choice = [q for q in indicator.questions if q.is_choice]
            if len(indicator.questions) != 1 or not choice:
                yield Issue(f"{path}.rules", "an indicator with several questions or a number "
                            "question needs scoring rules")
        if indicator.otherwise is not None and not indicator.rules:
            yield Issue(f"{path}.otherwise", "otherwise is only used together with rules")
        for r, rule in enumerate(indicator.rules):
            yield from self._expression(f"{path}.rules[{r}].when", rule.when,
                                        {q.id for q in indicator.questions} | self.params)

    def _seen_question(self, question: Question, path: str) -> Iterator[Issue]:
        if question.id in self.params or question.id == "value":
            yield Issue(f"{path}.id", f"question id {question.id!r} is taken by a rubric parameter "
                        "or the name 'value'")
        if question.id in self.question_order:
            yield Issue(f"{path}.id", f"duplicate question id {question.id!r}")
        else:
            self.question_order[question.id] = len(self.question_order)

    def _question(self, path: str, question: Question, *, scored_by_options: bool) -> Iterator[Issue]:
        yield from self._texts(f"{path}.label", question.label)
        for field in ("short", "hint", "constraint_message"):
            if (text := getattr(question, field)) is not None:
                yield from self._texts(f"{path}.{field}", text)
        options = question.options
        if question.is_choice:
            if question.type == "yes_no" and sorted(o.value for o in options) != ["no", "yes"]:
                yield Issue(f"{path}.options", "a yes_no question has exactly the options yes and no")
            elif len(options) < 2:
                yield Issue(f"{path}.options", "a choice question needs at least two options")
            if len(options) > MAX_OPTIONS:
                yield Issue(f"{path}.options", f"at most {MAX_OPTIONS} options fit on the keyboard")
        elif options:
            yield Issue(f"{path}.options", f"a {question.type} question has no options")
        if question.type in NUMBER_TYPES:
            if question.min is not None and question.max is not None and question.min > question.max:
                yield Issue(f"{path}.min", "min is larger than max")
            if question.example is None:
                yield Issue(f"{path}.example", "a number question needs an example answer")
        yield from self._unique(f"{path}.options", [o.value for o in options], "value")
        for o, option in enumerate(options):
            opath = f"{path}.options[{o}]"
            yield from self._texts(f"{opath}.label", option.label)
            if scored_by_options and option.score is None:
                yield Issue(f"{opath}.score", "option has no score (give 1, 0, na or missing)")
            if option.flag is not None and option.flag not in self.instrument.flags:
                yield Issue(f"{opath}.flag", f"unknown flag {option.flag!r} (declare it under flags)")
            if option.exclusive and question.type != "multiple":
                yield Issue(f"{opath}.exclusive", "only options of a multiple question are exclusive")
            payload = LONGEST_CALLBACK.format(interview="9" * 10, question=question.id,
                                              option=option.value)
            if len(payload.encode("utf-8")) > CALLBACK_LIMIT:
                yield Issue(f"{opath}.value", f"button payload {payload!r} would exceed "
                            f"{CALLBACK_LIMIT} bytes: shorten the question id or option value")

    def _expressions(self, path: str, question: Question) -> Iterator[Issue]:
        asked = [q.id for _, q in self.instrument.ask_order]
        earlier = set(asked[: asked.index(question.id)])
        if question.relevant:
            yield from self._expression(f"{path}.relevant", question.relevant,
                                        earlier | self.params)
        if question.constraint:
            yield from self._expression(f"{path}.constraint", question.constraint,
                                        earlier | self.params | {"value"})
            if question.constraint_message is None:
                yield Issue(f"{path}.constraint_message", "a constraint needs a constraint_message")

    def _expression(self, path: str, source: str, known: set[str]) -> Iterator[Issue]:
        try:
            expression = Expression.parse(source)
        except ExpressionError as error:
            yield Issue(path, str(error))
            return
        for name in sorted(expression.names - known):
            yield Issue(path, f"{name!r} is not a question asked earlier (in rules: a question "
                        "of this indicator), a rubric parameter or 'value'")

    def _texts(self, path: str, text: Text) -> Iterator[Issue]:
        for language in self.instrument.languages:
            if not text.get(language, "").strip():
                yield Issue(f"{path}.{language}", f"missing translation ({language})")
        for language in sorted(set(text) - set(self.instrument.languages)):
            yield Issue(f"{path}.{language}", f"language {language!r} is not declared in languages")

    @staticmethod
    def _unique(path: str, values: list[str], field: str) -> Iterator[Issue]:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                yield Issue(f"{path}[{index}].{field}", f"duplicate {field} {value!r}")
            seen.add(value)

    @staticmethod
    def _seen(seen: list[str], value: str, path: str, what: str) -> Iterator[Issue]:
        if value in seen:
            yield Issue(path, f"duplicate {what} {value!r}")
        seen.append(value)


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

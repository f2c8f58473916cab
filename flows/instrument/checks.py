"""The cross-checks a loaded instrument must pass beyond what its pydantic model expresses.

Translations in every declared language, unique codes and ids, known agencies and flags, options
that fit on a Telegram keyboard and in ``callback_data``, and expressions (rules, ``relevant``,
``constraint``) that name only questions asked earlier, rubric parameters or ``value``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from flows.expressions import Expression, ExpressionError
from flows.instrument.errors import Issue
from flows.instrument.model import NUMBER_TYPES, Indicator, Instrument, Question, Text

CALLBACK_LIMIT = 64
"""Telegram's limit on ``callback_data``, in bytes."""
LONGEST_CALLBACK = "v1:a:{interview}:{question}:{option}"
"""The longest payload a button of a question carries; the interview id takes 10 digits."""
MAX_OPTIONS = 12


class InstrumentChecks:
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


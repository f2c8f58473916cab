"""The export's tables: households, answers, scores, summary, instrument and rubric, and the CSV's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from flows.instrument import Indicator, Instrument, Question
from flows.scoring import Rubric
from reports.export.common import NOT_STARTED, Row, Sheet
from reports.export.rows import ExportRows

if TYPE_CHECKING:
    from storage.records import InterviewRow


class Export(ExportRows):
    """One export: the snapshot joined by id (``ExportRows``), and the sheets built from it."""

    def sheets(self) -> Iterator[Sheet]:
        """Every sheet of the workbook, in order."""
        yield self.households_sheet()
        yield self.answers_sheet()
        yield self.scores_sheet()
        yield self.summary_sheet()
        yield self.instrument_sheet()
        yield self.rubric_sheet()

    def households_sheet(self) -> Sheet:
        """Every household, with the status of its interview in the round."""
        keys = ["interview_id", "status", "instrument_id", "instrument_version"]
        headers = [self.text("export_col_round"), *self.household_headers(),
                   *(self.text(f"export_col_{key}") for key in keys)]
        return Sheet(self.text("export_sheet_households"), headers, self._household_rows())

    def _household_rows(self) -> Iterator[Row]:
        """A row per household: round, household, its interview in the round."""
        for h in self.data.households:
            i = self.interview_of.get(h.id)
            status: Row = ([None, NOT_STARTED, None, None] if i is None
                           else [i.id, i.status, i.instrument_id, i.instrument_version])
            yield [self.data.survey_round, *self.household_part(h), *status]

    def interview_key_headers(self) -> list[str]:
        """Round, interview id, household code and kelurahan: the first columns of a data row."""
        keys = ["round", "interview_id", "code", "kelurahan"]
        return [self.text(f"export_col_{key}") for key in keys]

    def interview_key(self, i: InterviewRow) -> Row:
        """The cells of :meth:`interview_key_headers`."""
        h = self.households.get(i.household_id)
        return [i.survey_round, i.id, h.code if h else None, h.kelurahan if h else None]

    def answers_sheet(self) -> Sheet:
        """One row per interview of the round: who, when, which instrument, every answer."""
        headers = [*self.interview_key_headers(), *self.interview_headers(), *self.answer_headers()]
        rows = ([*self.interview_key(i), *self.interview_part(i), *self.answer_part(i)]
                for i in self.data.interviews)
        return Sheet(self.text("export_sheet_answers"), headers, rows)

    def scores_sheet(self) -> Sheet:
        """One row per scored interview: index, category, dimensions and indicators."""
        fixed = [*self.interview_key_headers(), self.text("export_col_instrument_id"),
                 self.text("export_col_instrument_version")]
        index_col = len(fixed) + 1
        return Sheet(self.text("export_sheet_scores"), [*fixed, *self.score_headers()],
                     self._score_rows(), {index_col: "0.00"})

    def _score_rows(self) -> Iterator[Row]:
        """A row per interview with a stored score."""
        for i in self.data.interviews:
            s = self.scores.get(i.id)
            if s is not None:
                yield [*self.interview_key(i), i.instrument_id, s.instrument_version,
                       *self.score_part(s, self.instrument_of(i))]

    def wide(self) -> Sheet:
        """The CSV's one table: household, interview, score and answers on each interview's row."""
        headers = [self.text("export_col_round"), self.text("export_col_interview_id"),
                   *self.household_headers(), *self.interview_headers(), *self.score_headers(),
                   *self.answer_headers()]
        rows = ([i.survey_round, i.id, *self.household_part(self.households.get(i.household_id)),
                 *self.interview_part(i), *self.score_part(self.scores.get(i.id), self.instrument_of(i)),
                 *self.answer_part(i)] for i in self.data.interviews)
        return Sheet("csv", headers, rows)

    def summary_sheet(self) -> Sheet:
        """Per kelurahan and instrument: families, submitted, complete, mean index, area class,
        share of families failing each indicator (reports.aggregate.area_summary)."""
        from reports.export.summary import Summary  # pandas and numpy, only when exporting

        return Summary(self).sheet()

    def instrument_sheet(self) -> Sheet:
        """Every question of every instrument with its indicator, options, rules and conditions."""
        languages = list(dict.fromkeys(lang for i in self.instruments for lang in i.languages))
        keys = ["dimension_code", "dimension_name", "variable_code", "variable_name", "indicator_number",
                "indicator_code", "indicator_name", "sensitive", "lead", "support", "ask_order",
                "question_id", "type"]
        headers = [*self.instrument_headers(), *(self.text(f"export_col_{k}") for k in keys),
                   *(self.text("export_col_label", language=lang) for lang in languages),
                   *(self.text(f"export_col_{k}") for k in ("options", "rules", "relevant", "constraint",
                                                             "min", "max", "allow_refuse"))]
        rows = (row for i in self.instruments for row in self._question_rows(i, languages))
        return Sheet(self.text("export_sheet_instrument"), headers, rows)

    def instrument_headers(self) -> list[str]:
        """Round and the instrument's id, version, hash and rubric version."""
        keys = ["round", "instrument_id", "instrument_version", "instrument_hash", "rubric_version"]
        return [self.text(f"export_col_{key}") for key in keys]

    def instrument_cells(self, instrument: Instrument) -> Row:
        """The cells of :meth:`instrument_headers`."""
        return [self.data.survey_round, instrument.id, instrument.version, instrument.content_hash,
                instrument.rubric.version]

    def _question_rows(self, instrument: Instrument, languages: Sequence[str]) -> Iterator[Row]:
        """A row per question of one instrument, in ask order."""
        places = self.places[id(instrument)]
        for order, (indicator, question) in enumerate(instrument.ask_order, start=1):
            place = places[indicator.code]
            yield [*self.instrument_cells(instrument), place.dimension.code, self.label(place.dimension.name),
                   place.variable.code, self.label(place.variable.name), indicator.number, indicator.code,
                   self.label(indicator.name), indicator.sensitive, ", ".join(indicator.lead),
                   ", ".join(indicator.support) or None, order, question.id, question.type,
                   *(question.label.get(lang) for lang in languages),
                   self.options_text(question) or None, self.rules_text(indicator) or None,
                   question.relevant, question.constraint, question.min, question.max,
                   question.allow_refuse]

    def options_text(self, question: Question) -> str:
        """``value = score: label`` per option, one a line; a flag in brackets."""
        lines = []
        for option in question.options:
            score = "" if option.score is None else f" = {option.score}"
            flag = f" [{option.flag}]" if option.flag else ""
            lines.append(f"{option.value}{score}: {self.label(option.label)}{flag}")
        return "\n".join(lines)

    def rules_text(self, indicator: Indicator) -> str:
        """``when → score`` per rule, one a line, then the ``otherwise`` score."""
        lines = [f"{rule.when} → {rule.score}" for rule in indicator.rules]
        if indicator.otherwise is not None:
            lines.append(f"{self.text('export_otherwise')} → {indicator.otherwise}")
        return "\n".join(lines)

    def rubric_sheet(self) -> Sheet:
        """Every instrument's rubric: categories, area classes, switches, parameters, weights."""
        headers = [*self.instrument_headers(), self.text("export_col_setting"),
                   self.text("export_col_value"), self.text("export_col_note")]
        rows = ([*self.instrument_cells(i), *setting] for i in self.instruments
                for setting in self._settings(i))
        return Sheet(self.text("export_sheet_rubric"), headers, rows)

    def _settings(self, instrument: Instrument) -> Iterator[Row]:
        """Setting, value and note rows of one instrument's rubric."""
        rubric: Rubric = instrument.rubric
        for category in rubric.categories:
            yield [f"categories.{category.code}.min", category.min, self.label(category.label)]
        for area_class in rubric.area_classes:
            yield [f"area_classes.{area_class.code}.min", area_class.min, self.label(area_class.label)]
        yield ["na_counts_as_met", rubric.na_counts_as_met, None]
        yield ["complete_share", rubric.complete_share, None]
        for name, value in rubric.params.items():
            yield [f"params.{name}", value, None]
        for dimension in instrument.dimensions:
            yield [f"dimensions.{dimension.code}.weight", dimension.weight, self.label(dimension.name)]
            for variable in dimension.variables:
                yield [f"variables.{variable.code}.weight", variable.weight, self.label(variable.name)]


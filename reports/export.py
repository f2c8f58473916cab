"""The data export: an Excel workbook (XlsxWriter) or one wide CSV, built from an ExportData snapshot.

Pure functions of the data and the instruments: no SQL, no Telegram. Sheets: households, answers
(one row per interview, a code and a label column per question), scores, a per-kelurahan summary,
the instrument and its rubric. The survey round and the instrument version are on every data row.
Text is always written as text: in the workbook never as a formula, number or link; in the CSV a
value that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a
leading ``'``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import yaml
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from flows.i18n import format_number, format_rupiah
from flows.instrument import NUMBER_TYPES, Dimension, Indicator, Instrument, Question, Variable
from flows.scoring import Rubric
from reports.aggregate import MET, MISSING, NA, NOT_MET, AreaSummary, area_summary

if TYPE_CHECKING:
    from storage.exports import AnswerRow, ExportData, HouseholdRow, InterviewRow, ScoreRow

Cell = str | int | float | bool | datetime | None
Row = list[Cell]

LOCALES: Final = Path(__file__).resolve().parents[1] / "locales"
REFUSED: Final = "refused"
"""The code column's value for "Tidak ingin menjawab"."""
NOT_STARTED: Final = "not_started"
"""The interview status of a household with no interview in the round."""
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS: Final[dict[str, Any]] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm:ss"
_SCORE_CODE: Final = {"1": MET, "0": NOT_MET, "na": NA, "missing": MISSING}
_SCORE_CELL: Final[dict[str, Cell]] = {"1": 1, "0": 0, "na": "na", "missing": "missing"}


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table: a name, its headers, its rows (produced lazily) and number formats by column."""

    name: str
    headers: list[str]
    rows: Iterable[Row]
    formats: dict[int, str] = field(default_factory=dict)


# --- public API ---------------------------------------------------------------------------------


def build_workbook(data: ExportData, instruments: Mapping[str, Instrument], *, language: str = "id",
                   timezone: str = "Asia/Makassar", include_sensitive: bool = True) -> bytes:
    """The export as the bytes of an .xlsx file (see :func:`write_workbook`)."""
    buffer = io.BytesIO()
    write_workbook(buffer, data, instruments, language=language, timezone=timezone,
                   include_sensitive=include_sensitive)
    return buffer.getvalue()


def write_workbook(target: str | Path | IO[bytes], data: ExportData, instruments: Mapping[str, Instrument],
                   *, language: str = "id", timezone: str = "Asia/Makassar",
                   include_sensitive: bool = True) -> None:
    """Write the .xlsx export to a path or binary file; ``instruments`` by content hash."""
    export = _Export(data, instruments, language, ZoneInfo(timezone), include_sensitive)
    workbook = Workbook(str(target) if isinstance(target, Path) else target, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": export.text("export_title", round=data.survey_round),
                             "author": "Tangguh",
                             "created": data.exported_at.astimezone(UTC).replace(tzinfo=None)})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    stamp = workbook.add_format({"num_format": DATETIME_FORMAT})
    for sheet in export.sheets():
        _write_sheet(workbook, sheet, header, stamp)
    workbook.close()


def build_csv(data: ExportData, instruments: Mapping[str, Instrument], *, language: str = "id",
              timezone: str = "Asia/Makassar", include_sensitive: bool = True,
              delimiter: str = ",") -> bytes:
    """One wide CSV, a row per interview (household, interview, score, answers), UTF-8 with BOM."""
    export = _Export(data, instruments, language, ZoneInfo(timezone), include_sensitive)
    sheet = export.wide()
    out = io.BytesIO()
    with io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False) as text:
        writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([csv_text(h) for h in sheet.headers])
        writer.writerows([csv_text(value) for value in row] for row in sheet.rows)
        text.flush()
        return out.getvalue()


def csv_text(value: Cell) -> str:
    """A cell as CSV text: formula-looking text gets a leading ``'``; booleans TRUE/FALSE."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value)
    if value is None:
        return ""
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is datetime:
        return value.isoformat(" ", "seconds")  # type: ignore[union-attr]
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


@lru_cache(maxsize=8)
def export_texts(language: str) -> Mapping[str, str]:
    """The export's texts in ``language`` (``locales/<language>/export.yaml``; Indonesian if absent)."""
    path = LOCALES / language / "export.yaml"
    if not (language.isalpha() and path.is_file()):
        path = LOCALES / "id" / "export.yaml"
    return MappingProxyType(dict(yaml.safe_load(path.read_text(encoding="utf-8"))))


# --- writing ------------------------------------------------------------------------------------


def _write_sheet(workbook: Workbook, sheet: Sheet, header: Format, stamp: Format) -> None:
    """Headers, then every row in order (constant-memory mode writes rows once, in order)."""
    worksheet = workbook.add_worksheet(sheet.name)
    for col, title in enumerate(sheet.headers):
        number = sheet.formats.get(col)
        worksheet.set_column(col, col, min(max(len(title), 8) + 2, 40),
                             workbook.add_format({"num_format": number}) if number else None)
    worksheet.write_row(0, 0, sheet.headers, header)
    worksheet.freeze_panes(1, 0)
    last = 0
    for last, row in enumerate(sheet.rows, start=1):
        _write_row(worksheet, last, row, stamp)
    if sheet.headers:
        worksheet.autofilter(0, 0, last, len(sheet.headers) - 1)


def _write_row(worksheet: Worksheet, row: int, values: Row, stamp: Format) -> None:
    """One row, each value by its own type: text is always a string cell."""
    text, number = worksheet.write_string, worksheet.write_number
    for col, value in enumerate(values):
        kind = type(value)
        if kind is str:
            text(row, col, value)  # type: ignore[arg-type]
        elif kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
            number(row, col, value)  # type: ignore[arg-type]
        elif value is None:
            continue
        elif kind is bool:
            worksheet.write_boolean(row, col, value)
        elif kind is float:
            continue  # NaN or infinity: no value
        elif kind is datetime:
            worksheet.write_datetime(row, col, value, stamp)  # type: ignore[arg-type]
        else:
            text(row, col, str(value))


# --- the export ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Place:
    """Where an indicator sits in its instrument."""

    dimension: Dimension
    variable: Variable
    indicator: Indicator


class _Export:
    """One export: the snapshot joined by id, and the sheets built from it."""

    def __init__(self, data: ExportData, instruments: Mapping[str, Instrument], language: str,
                 tz: ZoneInfo, include_sensitive: bool) -> None:
        self.data = data
        self.by_hash = dict(instruments)
        self.instruments = list({id(i): i for i in instruments.values()}.values())
        self.language = language
        self.texts = export_texts(language)
        self.tz = tz
        self.include_sensitive = include_sensitive

    def text(self, key: str, **params: object) -> str:
        """An export text in this export's language."""
        return self.texts[key].format(**params)

    def local(self, moment: datetime | None) -> datetime | None:
        """A stored UTC time as naive local time to the second (Excel has no time zones)."""
        if moment is None:
            return None
        return moment.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def sheets(self) -> Iterator[Sheet]:
        """Every sheet of the workbook, in order."""
        yield self.households_sheet()
        yield self.answers_sheet()
        yield self.scores_sheet()
        yield self.summary_sheet()
        yield self.instrument_sheet()
        yield self.rubric_sheet()

    # --- joins -----------------------------------------------------------------------------

    @cached_property
    def households(self) -> dict[int, HouseholdRow]:
        """Households by id."""
        return {h.id: h for h in self.data.households}

    @cached_property
    def interview_of(self) -> dict[int, InterviewRow]:
        """The round's interview of each household, by household id."""
        return {i.household_id: i for i in self.data.interviews}

    @cached_property
    def answers(self) -> dict[int, dict[str, AnswerRow]]:
        """Answers by interview id, then question id."""
        grouped: dict[int, dict[str, AnswerRow]] = {}
        for answer in self.data.answers:
            grouped.setdefault(answer.interview_id, {})[answer.question_id] = answer
        return grouped

    @cached_property
    def scores(self) -> dict[int, ScoreRow]:
        """Scores by interview id."""
        return {s.interview_id: s for s in self.data.scores}

    def instrument_of(self, interview: InterviewRow) -> Instrument | None:
        """The interview's instrument: by content hash, else by id and version."""
        found = self.by_hash.get(interview.instrument_hash)
        if found is not None:
            return found
        return next((i for i in self.instruments if (i.id, i.version) ==
                     (interview.instrument_id, interview.instrument_version)), None)

    @cached_property
    def places(self) -> dict[int, dict[str, _Place]]:
        """Each instrument's indicators by code, keyed by ``id()`` of the instrument."""
        return {id(i): {ind.code: _Place(d, v, ind) for d, v, ind in i.indicators()}
                for i in self.instruments}

    @cached_property
    def sensitive_questions(self) -> set[str]:
        """Question ids of sensitive indicators in any instrument."""
        return {q.id for i in self.instruments for ind, q in i.ask_order if ind.sensitive}

    @cached_property
    def sensitive_indicators(self) -> set[str]:
        """Codes of sensitive indicators in any instrument."""
        return {ind.code for i in self.instruments for _, _, ind in i.indicators() if ind.sensitive}

    @cached_property
    def question_columns(self) -> list[tuple[str, Question | None]]:
        """Question ids in ask order (instruments in turn), then ids answered but in no instrument."""
        columns: dict[str, Question | None] = {}
        for instrument in self.instruments:
            for _, question in instrument.ask_order:
                columns.setdefault(question.id, question)
        for answer in self.data.answers:
            columns.setdefault(answer.question_id, None)
        known = [(qid, q) for qid, q in columns.items() if q is not None]
        unknown = sorted((qid, q) for qid, q in columns.items() if q is None)
        if self.include_sensitive:
            return known + unknown
        return [(qid, q) for qid, q in known if qid not in self.sensitive_questions]

    @cached_property
    def indicator_codes(self) -> list[str]:
        """Indicator codes of every instrument, in structure order."""
        codes = dict.fromkeys(c for i in self.instruments for d in i.structure
                              for v in d.variables for c in v.indicators)
        return [c for c in codes if self.include_sensitive or c not in self.sensitive_indicators]

    @cached_property
    def dimension_codes(self) -> list[str]:
        """Dimension codes of every instrument, in order."""
        return list(dict.fromkeys(d.code for i in self.instruments for d in i.dimensions))

    # --- parts of rows ---------------------------------------------------------------------

    def household_headers(self) -> list[str]:
        """Headers of :meth:`household_part`."""
        keys = ["household_id", "code", "head_name", "address", "rt", "rw", "kelurahan", "kader_id",
                "kader_name", "household_created", "household_updated"]
        return [self.text(f"export_col_{key}") for key in keys] + self.extra_columns

    @cached_property
    def extra_columns(self) -> list[str]:
        """Household columns the export does not know by name (added by later migrations)."""
        return list(dict.fromkeys(k for h in self.data.households for k in h.extra))

    def household_part(self, h: HouseholdRow | None) -> Row:
        """A household's cells (blank when unknown)."""
        if h is None:
            return [None] * (11 + len(self.extra_columns))
        extra = [_cell(h.extra.get(k)) for k in self.extra_columns]
        return [h.id, h.code, h.head_name, h.address, h.rt, h.rw, h.kelurahan, h.kader_id, h.kader_name,
                self.local(h.created_at), self.local(h.updated_at), *extra]

    def interview_headers(self) -> list[str]:
        """Headers of :meth:`interview_part`."""
        keys = ["interviewer_id", "interviewer_name", "status", "instrument_id", "instrument_version",
                "instrument_hash", "consent_at", "started_at", "updated_at", "submitted_at"]
        return [self.text(f"export_col_{key}") for key in keys]

    def interview_part(self, i: InterviewRow) -> Row:
        """An interview's cells."""
        return [i.kader_id, i.kader_name, i.status, i.instrument_id, i.instrument_version,
                i.instrument_hash, self.local(i.consent_at), self.local(i.started_at),
                self.local(i.updated_at), self.local(i.submitted_at)]

    def score_headers(self) -> list[str]:
        """Headers of :meth:`score_part`."""
        keys = ["rubric_version", "index", "category", "complete", "applicable", "answered", "failing",
                "flags", "scored_at"]
        return ([self.text(f"export_col_{key}") for key in keys]
                + [self.text("export_col_dimension", code=code) for code in self.dimension_codes]
                + self.indicator_codes)

    def score_part(self, s: ScoreRow | None, instrument: Instrument | None) -> Row:
        """A score's cells: index, category, dimensions 0–100, indicators 1/0/na/missing."""
        if s is None:
            return [None] * (9 + len(self.dimension_codes) + len(self.indicator_codes))
        detail = s.detail
        dimensions = detail.get("dimensions") or {}
        indicators = detail.get("indicators") or {}
        failing = [c for c in detail.get("failing") or () if self.include_sensitive
                   or c not in self.sensitive_indicators]
        return [s.rubric_version, s.index_value, self.category_label(instrument, s.category), s.complete,
                detail.get("applicable"), detail.get("answered"), "; ".join(failing) or None,
                self.flag_labels(instrument, detail.get("flags") or ()), self.local(s.scored_at),
                *(_percent(dimensions.get(code)) for code in self.dimension_codes),
                *(_SCORE_CELL.get(indicators.get(code), None) for code in self.indicator_codes)]

    def answer_headers(self) -> list[str]:
        """Two headers per question: ``<id>`` and ``<id> (label)``."""
        return [h for qid, _ in self.question_columns for h in (qid, f"{qid} (label)")]

    def answer_part(self, i: InterviewRow) -> Row:
        """Code and label of every question's answer (blank: not asked or not answered)."""
        answers = self.answers.get(i.id, {})
        cache = self._answer_cells
        cells: Row = []
        for qid, question in self.columns_for(self.instrument_of(i)):
            answer = answers.get(qid)
            if answer is None:
                cells += (None, None)
                continue
            key = (id(question), answer.value)
            pair = cache.get(key)
            if pair is None:
                pair = cache[key] = self.answer_cells(question, answer)
            cells += pair
        return cells

    @cached_property
    def _answer_cells(self) -> dict[tuple[int, object], tuple[Cell, Cell]]:
        """Code and label by question and value: answers repeat, so each pair is worked out once."""
        return {}

    def columns_for(self, instrument: Instrument | None) -> list[tuple[str, Question | None]]:
        """The answer columns with the question as the interview's own instrument words it."""
        key = id(instrument)
        if key not in self._columns_for:
            own = {} if instrument is None else {q.id: q for _, q in instrument.ask_order}
            self._columns_for[key] = [(qid, own.get(qid, q)) for qid, q in self.question_columns]
        return self._columns_for[key]

    @cached_property
    def _columns_for(self) -> dict[int, list[tuple[str, Question | None]]]:
        """Answer columns per instrument, filled by :meth:`columns_for`."""
        return {}

    def answer_cells(self, question: Question | None, answer: AnswerRow | None) -> tuple[Cell, Cell]:
        """The code (option values, or the number) and the label of one answer."""
        if answer is None:
            return None, None
        if answer.refused or answer.value is None:
            return REFUSED, self.text("export_refused")
        value = answer.value
        if isinstance(value, int) and not isinstance(value, bool):
            if question is None:
                return value, None
            return value, _number_label(value, self.language, question.type == "money")
        values = value if isinstance(value, tuple) else (str(value),)
        if question is None or question.type in NUMBER_TYPES:
            return " ".join(values), None
        labels = [self.option_label(question, v) for v in values]
        return " ".join(values), "; ".join(labels)

    def option_label(self, question: Question, value: str) -> str:
        """An option's label in this export's language (the value itself if unknown)."""
        option = question.option(value)
        return value if option is None else self.label(option.label)

    def label(self, text: Mapping[str, str]) -> str:
        """A text of the instrument in this export's language, else in its first one."""
        return text.get(self.language) or next(iter(text.values()), "")

    def category_label(self, instrument: Instrument | None, code: str | None) -> str | None:
        """A category's label under the instrument's rubric (its code if unknown)."""
        if code is None:
            return None
        classes = instrument.rubric.categories if instrument else []
        return next((self.label(c.label) for c in classes if c.code == code), code)

    def flag_labels(self, instrument: Instrument | None, flags: Iterable[str]) -> str | None:
        """Follow-up flags by label, ``; `` between them."""
        known = instrument.flags if instrument else {}
        labels = [self.label(known[f]) if f in known else f for f in flags]
        return "; ".join(labels) or None

    # --- sheets ----------------------------------------------------------------------------

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
        return _Summary(self).sheet()

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


class _Summary:
    """The per-kelurahan sheet: area_summary over each instrument's scored interviews."""

    def __init__(self, export: _Export) -> None:
        self.export = export
        self.families = pd.Series([h.kelurahan for h in export.data.households], dtype=object).value_counts()
        self.kelurahan = sorted(self.families.index)

    @cached_property
    def categories(self) -> dict[str, str]:
        """Category codes of every rubric, with their labels."""
        labels: dict[str, str] = {}
        for instrument in self.export.instruments:
            for category in instrument.rubric.categories:
                labels.setdefault(category.code, self.export.label(category.label))
        return labels

    def sheet(self) -> Sheet:
        """Headers and rows; shares formatted as percentages."""
        e = self.export
        keys = ["kelurahan", "families", "submitted", "complete_count"]
        headers = [*e.instrument_headers(), *(e.text(f"export_col_{k}") for k in keys),
                   *self.categories.values(), e.text("export_col_incomplete"),
                   e.text("export_col_mean_index"), e.text("export_col_area_class"),
                   *(e.text("export_col_failing_share", code=c) for c in self.codes)]
        first_share = len(headers) - len(self.codes)
        formats = {col: "0.0%" for col in range(first_share, len(headers))}
        formats[first_share - 2] = "0.00"
        return Sheet(e.text("export_sheet_summary"), headers, self.rows(), formats)

    @cached_property
    def codes(self) -> list[str]:
        """Every indicator code (sensitive ones too: shares are counts, not answers)."""
        return list(dict.fromkeys(c for i in self.export.instruments for d in i.structure
                                  for v in d.variables for c in v.indicators))

    def groups(self) -> list[tuple[Instrument, list[InterviewRow]]]:
        """Scored interviews by instrument (the first instrument alone when there are none)."""
        e = self.export
        grouped: dict[int, tuple[Instrument, list[InterviewRow]]] = {}
        for interview in e.data.interviews:
            instrument = e.instrument_of(interview)
            if instrument is not None and interview.id in e.scores:
                grouped.setdefault(id(instrument), (instrument, []))[1].append(interview)
        if not grouped and e.instruments:
            return [(e.instruments[0], [])]
        return list(grouped.values())

    def rows(self) -> Iterator[Row]:
        """For each instrument: a row per kelurahan, then the total."""
        for instrument, interviews in self.groups():
            figures = self.figures(instrument, interviews)
            total = self.export.text("export_total")
            for name in [*self.kelurahan, total]:
                families = int(self.families.sum()) if name == total else int(self.families.get(name, 0))
                yield [*self.export.instrument_cells(instrument), name, families,
                       *self.area_cells(figures, instrument, name)]

    def figures(self, instrument: Instrument, interviews: list[InterviewRow]
                ) -> tuple[AreaSummary, AreaSummary, pd.Series] | None:
        """area_summary by kelurahan and for all together, and submissions per kelurahan."""
        if not interviews:
            return None
        e = self.export
        ids = [i.id for i in interviews]
        codes = [c for d in instrument.structure for v in d.variables for c in v.indicators]
        codes_of = [_indicator_codes(e.scores[i], codes) for i in ids]
        matrix = pd.DataFrame(np.array(codes_of, dtype=np.int8).reshape(len(ids), len(codes)),
                              index=ids, columns=codes)
        scores = pd.DataFrame({
            "index": [np.nan if e.scores[i].index_value is None else e.scores[i].index_value for i in ids],
            "category": [e.scores[i].category for i in ids],
            "complete": [e.scores[i].complete for i in ids]}, index=ids)
        kelurahan = [self.kelurahan_of(i) for i in interviews]
        areas = pd.Series(kelurahan, index=ids, name="kelurahan", dtype=object)
        everyone = pd.Series(e.text("export_total"), index=ids, name="kelurahan", dtype=object)
        structure, rubric = instrument.structure, instrument.rubric
        return (area_summary(matrix, scores, areas, structure, rubric),
                area_summary(matrix, scores, everyone, structure, rubric),
                areas.value_counts())

    def kelurahan_of(self, interview: InterviewRow) -> str:
        """The interview's household's kelurahan ('' if the household is gone)."""
        household = self.export.households.get(interview.household_id)
        return household.kelurahan if household else ""

    def area_cells(self, figures: tuple[AreaSummary, AreaSummary, pd.Series] | None,
                   instrument: Instrument, name: str) -> Row:
        """Submitted, complete, per category, incomplete, mean, class and shares of one area."""
        blank: Row = [None] * (len(self.categories) + 3 + len(self.codes))
        if figures is None:
            return [0, 0, *blank]
        by_area, total, submitted = figures
        summary = total if name == self.export.text("export_total") else by_area
        if name not in summary.mean_index.index:
            return [0, 0, *blank]
        counts = summary.category_counts.loc[name]
        count = int(submitted.sum()) if summary is total else int(submitted.get(name, 0))
        complete = int(counts.sum() - counts["incomplete"])
        area_class = summary.area_class.loc[name]
        shares = summary.failing_share.loc[name]
        return [count, complete,
                *(int(counts[c]) if c in counts.index else None for c in self.categories),
                int(counts["incomplete"]), _number(summary.mean_index.loc[name]),
                self.class_label(instrument, area_class),
                *(_number(shares[c]) if c in shares.index else None for c in self.codes)]

    def class_label(self, instrument: Instrument, code: object) -> str | None:
        """An area class's label (None for no mean)."""
        if not isinstance(code, str):
            return None
        return next((self.export.label(c.label) for c in instrument.rubric.area_classes if c.code == code),
                    code)


# --- small helpers ------------------------------------------------------------------------------


def _indicator_codes(score: ScoreRow, codes: Sequence[str]) -> list[int]:
    """A score's indicators as area_summary's int8 codes (absent or unknown: MISSING)."""
    indicators = score.detail.get("indicators") or {}
    return [_SCORE_CODE.get(indicators.get(code, "missing"), MISSING) for code in codes]


def _cell(value: object) -> Cell:
    """A raw database value as a cell (bytes and other types become text)."""
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value  # type: ignore[return-value]
    return str(value)


def _number(value: object) -> float | None:
    """A float cell, None for NaN or missing."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _percent(value: float | None) -> float | None:
    """A 0–1 share on the 0–100 scale."""
    return None if value is None else 100.0 * value


@lru_cache(maxsize=65_536)
def _number_label(value: int, language: str, money: bool) -> str:
    """``Rp 1.500.000`` or ``1.500.000`` as people read them."""
    return format_rupiah(value, language) if money else format_number(value, language)


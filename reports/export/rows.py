"""The export's snapshot joined by id, and the cells each part of a row is made of."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from flows.i18n import format_number, format_rupiah
from flows.instrument import NUMBER_TYPES, Dimension, Indicator, Instrument, Question, Variable
from reports.export.common import REFUSED, Cell, Row, export_texts

if TYPE_CHECKING:
    from storage.records import AnswerRow, ExportData, HouseholdRow, InterviewRow, ScoreRow

_SCORE_CELL: Final[dict[str, Cell]] = {"1": 1, "0": 0, "na": "na", "missing": "missing"}


@dataclass(frozen=True, slots=True)
class Place:
    """Where an indicator sits in its instrument."""

    dimension: Dimension
    variable: Variable
    indicator: Indicator


class ExportRows:
    """One export's snapshot joined by id, and the parts of its rows (the sheets: ``Export``)."""

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
    def places(self) -> dict[int, dict[str, Place]]:
        """Each instrument's indicators by code, keyed by ``id()`` of the instrument."""
        return {id(i): {ind.code: Place(d, v, ind) for d, v, ind in i.indicators()}
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


def _cell(value: object) -> Cell:
    """A raw database value as a cell (bytes and other types become text)."""
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value  # type: ignore[return-value]
    return str(value)


def _percent(value: float | None) -> float | None:
    """A 0–1 share on the 0–100 scale."""
    return None if value is None else 100.0 * value


@lru_cache(maxsize=65_536)
def _number_label(value: int, language: str, money: bool) -> str:
    """``Rp 1.500.000`` or ``1.500.000`` as people read them."""
    return format_rupiah(value, language) if money else format_number(value, language)


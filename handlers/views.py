"""What the kader sees: the text (Telegram HTML) and buttons of each screen.

Every value that comes from people or files is escaped; every text comes from the locale files or
the instrument, in the person's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flows.answers import Answer
from flows.callbacks import (
    AnswerButton,
    BackButton,
    Button,
    ConsentButton,
    DoneButton,
    EditButton,
    HouseholdButton,
    ListButton,
    PauseButton,
    RefuseButton,
    ResumeButton,
    SubmitButton,
    ToggleButton,
)
from flows.home import HouseholdStatus, Page, Stage
from flows.i18n import format_number, format_rupiah
from flows.instrument import Instrument, Question
from flows.interview import InterviewEngine
from handlers.context import Services
from storage.records import Household, Interview, Person
from telegram_io.screens import View
from telegram_io.text import fit_html

LINE_LIMIT = 110
SHORT_LABEL = 14


class Screens:
    """Builds the screens for one person, in their language."""

    def __init__(self, svc: Services, person: Person) -> None:
        self.svc = svc
        self.person = person
        self.language = person.language

    def t(self, key: str, **params: object) -> str:
        """A locale text; string parameters are HTML-escaped."""
        safe = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
        return self.svc.catalog.text(self.language, key, **safe)

    def local(self, text: Mapping[str, str], instrument: Instrument | None = None) -> str:
        """An instrument text in the person's language, escaped."""
        fallback = (instrument or self.svc.instrument).language
        return escape(text.get(self.language) or text[fallback])

    def plain(self, text: Mapping[str, str]) -> str:
        """An instrument text for a button label (plain text, not escaped)."""
        return text.get(self.language) or text[self.svc.instrument.language]

    def button(self, key: str, callback: Button, **params: object) -> InlineKeyboardButton:
        """A button labelled with a locale text."""
        label = self.svc.catalog.text(self.language, key, **params)
        return InlineKeyboardButton(label, callback_data=callback.encode())

    def index(self, value: float) -> str:
        """``73,3`` in Indonesian, ``73.3`` in English."""
        locale = "id_ID" if self.language == "id" else "en_US"
        return format_decimal(value, format="#,##0.0", locale=locale)

    # --- the household list ----------------------------------------------------------------

    def home(self, page: Page[HouseholdStatus], total: int, query: str = "") -> View:
        """The kader's families, one button each, with paging."""
        if total == 0:
            return View(self.t("home_empty"))
        lines = [self.t("home_title", count=total), self.t("home_legend")]
        if query:
            key = "home_search_result" if page.total else "home_no_match"
            lines.append(self.t(key, query=query, count=page.total))
        lines.append(self.t("home_search_hint"))
        if page.count > 1:
            lines.append(self.t("page_label", page=page.number + 1, pages=page.count))
        rows = [[InlineKeyboardButton(self.household_line(item),
                                      callback_data=HouseholdButton(household=item.household_id).encode())]
                for item in page.items]
        navigation = []
        if page.has_previous:
            navigation.append(self.button("button_previous", ListButton(page=page.number - 1)))
        if page.has_next:
            navigation.append(self.button("button_next", ListButton(page=page.number + 1)))
        if navigation:
            rows.append(navigation)
        if query:
            rows.append([self.button("button_all", ListButton(page=0))])
        return View("\n".join(lines), InlineKeyboardMarkup(rows))

    def household_line(self, item: HouseholdStatus) -> str:
        """One family's button label (plain text, no HTML)."""
        params: dict[str, Any] = {"name": item.head_name, "code": item.code}
        if item.stage is Stage.DRAFT:
            key, params = "household_line_draft", {**params, "answered": item.answered,
                                                   "total": item.total}
        elif item.stage is Stage.SUBMITTED:
            key, params = "household_line_done", {
                **params, "index": self.index(item.index) if item.index is not None else "–",
                "category": self.category_label(item.category)}
        else:
            key = "household_line_new"
        return self.svc.catalog.text(self.language, key, **params)[:60]

    def category_label(self, code: str | None) -> str:
        """The active rubric's label of a category code."""
        for category in self.svc.instrument.rubric.categories:
            if category.code == code:
                return self.plain(category.label)
        return code or ""

    def household_card(self, household: Household, status: HouseholdStatus,
                       interview: Interview | None) -> View:
        """Who the family is, and the button that starts, continues or shows its interview."""
        state = {Stage.NOT_STARTED: self.t("status_new"),
                 Stage.DRAFT: self.t("status_draft", answered=status.answered, total=status.total),
                 Stage.SUBMITTED: self.t("status_done")}[status.stage]
        text = self.t("household_card", name=household.head_name, code=household.code,
                      address=household.address, rt=household.rt, rw=household.rw,
                      kelurahan=household.kelurahan, status=state)
        if status.stage is Stage.NOT_STARTED:
            text += "\n\n" + self.t("consent_ask")
            first = self.button("button_consent", ConsentButton(household=household.id))
        elif interview is not None and status.stage is Stage.DRAFT:
            first = self.button("button_resume", ResumeButton(interview=interview.id))
        else:
            assert interview is not None
            first = self.button("button_result", ResumeButton(interview=interview.id))
        back = self.button("button_to_list", ListButton(page=0))
        return View(text, InlineKeyboardMarkup([[first], [back]]))

    # --- the interview ---------------------------------------------------------------------

    def question(self, engine: InterviewEngine, interview: Interview, household: Household,
                 answers: Mapping[str, Answer], question: Question,
                 selection: tuple[str, ...] | None = None) -> View:
        """One question with its progress, hint, current answer and buttons."""
        instrument = engine.instrument
        progress = engine.progress(question)
        lines = [
            self.t("question_header", position=progress.position, total=progress.total,
                   dimension=self.local(progress.dimension.name, instrument)),
            self.t("question_family", name=household.head_name, code=household.code),
            "",
            f"<b>{self.local(question.label, instrument)}</b>",
        ]
        if question.hint:
            lines.append(f"<i>{self.local(question.hint, instrument)}</i>")
        if progress.indicator.sensitive:
            lines.append(self.t("sensitive_note"))
        if not question.is_choice:
            lines.append(self.t("type_number", example=question.example or "1"))
        elif question.type == "multiple":
            lines.append(self.t("multiple_note"))
        saved = answers.get(question.id)
        if saved is not None:
            lines.append(self.t("current_answer", answer=self.answer_text(question, saved, instrument)))
        rows = self._option_rows(engine, interview, question, saved, selection)
        controls = [self.button("button_back", BackButton(interview=interview.id,
                                                            position=question.id))]
        if question.allow_refuse:
            controls.append(self.button("refuse", RefuseButton(interview=interview.id,
                                                           question=question.id)))
        rows.append(controls)
        rows.append([self.button("button_pause", PauseButton(interview=interview.id))])
        return View("\n".join(lines), InlineKeyboardMarkup(rows))

    def _option_rows(self, engine: InterviewEngine, interview: Interview, question: Question,
                     saved: Answer | None, selection: tuple[str, ...] | None,
                     ) -> list[list[InlineKeyboardButton]]:
        if not question.is_choice:
            return []
        buttons = []
        if question.type == "multiple":
            chosen = selection if selection is not None else _as_tuple(saved)
            for option in question.options:
                toggled = _mask(question, engine.toggle(question, chosen, option.value))
                mark = "☑️" if option.value in chosen else "⬜"
                label = f"{mark} {self.plain(option.label)}"
                tick = ToggleButton(interview=interview.id, question=question.id, mask=toggled)
                buttons.append(InlineKeyboardButton(label, callback_data=tick.encode()))
            rows = [[b] for b in buttons]
            if chosen:
                done = DoneButton(interview=interview.id, question=question.id, mask=_mask(question, chosen))
                rows.append([self.button("button_done", done)])
            return rows
        current = saved.value if saved else None
        for option in question.options:
            label = self.plain(option.label)
            if option.value == current:
                label = f"✅ {label}"
            choice = AnswerButton(interview=interview.id, question=question.id, value=option.value)
            buttons.append(InlineKeyboardButton(label, callback_data=choice.encode()))
        short = all(len(b.text) <= SHORT_LABEL for b in buttons)
        width = 2 if short else 1
        return [buttons[i:i + width] for i in range(0, len(buttons), width)]

    def answer_text(self, question: Question, answer: Answer, instrument: Instrument) -> str:
        """An answer as the kader reads it back (escaped)."""
        if answer.refused or answer.value is None:
            return self.t("answer_refused")
        if question.type == "money" and isinstance(answer.value, int):
            return format_rupiah(answer.value, self.language)
        if question.type == "integer" and isinstance(answer.value, int):
            return format_number(answer.value, self.language)
        labels = []
        for value in _as_tuple(answer):
            option = question.option(value)
            labels.append(self.local(option.label, instrument) if option else escape(value))
        return ", ".join(labels)

    def review(self, engine: InterviewEngine, interview: Interview, household: Household,
               answers: Mapping[str, Answer]) -> View:
        """Every answer grouped by dimension; a button per indicator to change it; submit."""
        instrument = engine.instrument
        lines = [self.t("review_title", name=household.head_name, code=household.code)]
        edit_buttons: list[InlineKeyboardButton] = []
        for section in engine.review(answers):
            lines.append("")
            lines.append(f"<b>{escape(section.dimension.code)}. "
                         f"{self.local(section.dimension.name, instrument)}</b>")
            by_indicator: dict[int, list[str]] = {}
            first_question: dict[int, str] = {}
            names: dict[int, str] = {}
            for item in section.items:
                number = item.indicator.number
                names[number] = self.local(item.indicator.name, instrument)
                first_question.setdefault(number, item.question.id)
                shown = self.answer_text(item.question, item.answer, instrument) if item.answer else "–"
                if item.question.short and len(item.indicator.questions) > 1:
                    shown = f"{self.local(item.question.short, instrument)}: {shown}"
                by_indicator.setdefault(number, []).append(shown)
            for number, shown in by_indicator.items():
                line = f"{number}. {names[number]}: {' · '.join(shown)}"
                lines.append(_clip(line, LINE_LIMIT))
                edit = EditButton(interview=interview.id, question=first_question[number])
                edit_buttons.append(InlineKeyboardButton(f"✏️ {number}", callback_data=edit.encode()))
        lines.append("")
        lines.append(self.t("review_hint"))
        rows = [edit_buttons[i:i + 6] for i in range(0, len(edit_buttons), 6)]
        rows.append([self.button("button_submit", SubmitButton(interview=interview.id))])
        rows.append([self.button("button_back", BackButton(interview=interview.id, position=None)),
                     self.button("button_pause", PauseButton(interview=interview.id))])
        return View(fit_html("\n".join(lines)), InlineKeyboardMarkup(rows))

    def result(self, instrument: Instrument, household: Household, detail: Mapping[str, Any],
               notice: str | None = None) -> View:
        """The result card of a submitted interview, from its stored score."""
        lines = [self.t("result_title", name=household.head_name, code=household.code)]
        if notice:
            lines.append(escape(notice))
        index = detail.get("index")
        if index is None:
            lines.append(self.t("result_no_index"))
        else:
            lines.append(self.t("result_index", index=self.index(index),
                                category=self.category_label(detail.get("category"))))
        if not detail.get("complete", True):
            lines.append(self.t("result_incomplete", answered=detail.get("answered", 0),
                                applicable=detail.get("applicable", 0)))
        lines += ["", self.t("result_dimensions")]
        dimensions = detail.get("dimensions", {})
        for dimension in instrument.dimensions:
            value = dimensions.get(dimension.code)
            shown = "–" if value is None else self.index(100 * value)
            lines.append(f"• {self.local(dimension.name, instrument)}: {shown}")
        failing = list(detail.get("failing", []))
        lines.append("")
        if failing:
            lines.append(self.t("result_failing", count=len(failing)))
            agencies = {a.code: a.name for a in self.svc.settings.agencies}
            for _, _, indicator in instrument.indicators():
                if indicator.code in failing:
                    lead = ", ".join(agencies.get(code, code) for code in indicator.lead)
                    lines.append(_clip(f"• {indicator.code} {self.local(indicator.name, instrument)}"
                                       f" → {escape(lead)}", LINE_LIMIT * 2))
        else:
            lines.append(self.t("result_none_failing"))
        flags = [instrument.flags[f] for f in detail.get("flags", []) if f in instrument.flags]
        if flags:
            lines += ["", self.t("result_flags")] + [f"• {self.local(f, instrument)}" for f in flags]
        back = self.button("button_to_list", ListButton(page=0))
        return View(fit_html("\n".join(lines)), InlineKeyboardMarkup([[back]]))

    def paused(self, household: Household, answered: int, total: int) -> View:
        """What the question message becomes after "Simpan & keluar"."""
        text = self.t("paused", name=household.head_name, code=household.code,
                      answered=answered, total=total)
        back = self.button("button_to_list", ListButton(page=0))
        return View(text, InlineKeyboardMarkup([[back]]))


def _as_tuple(answer: Answer | None) -> tuple[str, ...]:
    if answer is None or answer.value is None:
        return ()
    return answer.value if isinstance(answer.value, tuple) else (str(answer.value),)


def _mask(question: Question, chosen: Sequence[str]) -> int:
    """A multiple-choice selection as bits in option order (it travels in the button payload)."""
    return sum(1 << bit for bit, option in enumerate(question.options) if option.value in chosen)


def _clip(line: str, limit: int) -> str:
    """Shorten a long line of escaped text (no tags) without cutting an HTML entity in two."""
    if len(line) <= limit:
        return line
    cut = limit - 1
    amp = line.rfind("&", 0, cut)
    if amp != -1 and line.find(";", amp) >= cut:
        cut = amp
    return line[:cut].rstrip() + "…"

"""The kader's survey: buttons and typed answers of an interview, from consent to the result card.

Every press is checked against the database (is the interview this kader's, still a draft, is this
question the current one) before anything is written, and every write is a compare-and-set: a
double tap, an old message's button or an update delivered twice writes nothing a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from telegram import Message, Update
from telegram.error import TelegramError

from flows.answers import Answer
from flows.callbacks import (
    AnswerButton,
    BackButton,
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
from flows.instrument import Question
from flows.interview import InterviewEngine, Problem
from flows.scoring import stored_detail
from handlers.context import TangguhContext
from handlers.home import present, pressed_message, show_card, show_home, strip_keyboard
from handlers.routing import Routes
from handlers.views import Notice, Screens, selection_of
from storage.records import Household, InstrumentRef, Interview, ScoreRecord

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    """An interview with what is needed to move it on."""

    interview: Interview
    household: Household
    engine: InterviewEngine
    answers: dict[str, Answer]


ROUTES = Routes()
InterviewButton = (AnswerButton | ToggleButton | DoneButton | RefuseButton | BackButton | PauseButton
                   | EditButton | SubmitButton | ResumeButton)


async def on_text(update: Update, context: TangguhContext) -> None:
    """Typed text: the answer to the open interview's number question, or a household search."""
    message = update.effective_message
    assert message is not None and message.text is not None
    person = context.member
    svc = context.svc
    screens = Screens(svc, person)
    if person.role != "kader":
        await message.reply_text(screens.t("help"))
        return
    loaded = await _open_interview(context)
    if loaded is None:
        await show_home(context, query=message.text.strip()[:40])
        return
    interview, engine = loaded.interview, loaded.engine
    question = engine.questions.get(interview.current_question or "")
    if question is None or question.is_choice:
        key = "review_press_button" if question is None else "press_a_button"
        await message.reply_text(screens.t(key))
        await _show(context, loaded, fresh=True)
        return
    if interview.message_id is None:
        # After a typed answer the next question never reached the chat (Telegram failed, or the
        # bot died): this text is most likely that answer typed again, not one for a question the
        # kader has not seen. Show the question instead of filing the text under it.
        await message.reply_text(screens.t("already_answered"))
        await _show(context, loaded, fresh=True)
        return
    result = engine.validate(question, message.text, loaded.answers)
    if isinstance(result, Problem):
        await message.reply_text(_problem_text(screens, result))
        await _show(context, loaded, fresh=True)
        return
    await _commit(context, loaded, result, source_message_id=message.message_id, fresh=True)


# --- routes ---------------------------------------------------------------------------------


@ROUTES.on(AnswerButton, "survey")
@ROUTES.on(RefuseButton, "survey")
@ROUTES.on(DoneButton, "survey")
async def _answer(update: Update, context: TangguhContext,
                  callback: AnswerButton | RefuseButton | DoneButton) -> Notice:
    loaded = await _load_current(update, context, callback)
    if isinstance(loaded, Notice):
        return loaded
    question = loaded.engine.questions[loaded.interview.current_question or ""]
    if isinstance(callback, RefuseButton):
        result = loaded.engine.refuse(question)
    elif isinstance(callback, DoneButton):
        selection = _selection(question, callback.mask)
        if selection is None:
            return await _refuse_forged(context, "selection mask")
        result = loaded.engine.validate(question, selection, loaded.answers)
    elif not question.is_choice:  # no button answers a typed question: "lima" must be typed
        return await _refuse_forged(context, "option for a typed question")
    else:
        result = loaded.engine.validate(question, callback.value, loaded.answers)
    if isinstance(result, Problem):
        log.warning("refused an invalid choice for interview %s", loaded.interview.id)
        return Notice(_problem_text(Screens(context.svc, context.member), result), alert=True)
    return await _commit(context, loaded, result, pressed=pressed_message(update))


@ROUTES.on(ToggleButton, "survey")
async def _toggle(update: Update, context: TangguhContext, callback: ToggleButton) -> Notice:
    loaded = await _load_current(update, context, callback)
    if isinstance(loaded, Notice):
        return loaded
    question = loaded.engine.questions[loaded.interview.current_question or ""]
    selection = _selection(question, callback.mask)
    if selection is None:
        return await _refuse_forged(context, "toggle mask")
    await _show(context, loaded, pressed=pressed_message(update), selection=selection)
    return Notice()


@ROUTES.on(BackButton, "survey")
async def _back(update: Update, context: TangguhContext, callback: BackButton) -> Notice:
    loaded = await _load_current(update, context, callback, expected=callback.position)
    if isinstance(loaded, Notice):
        return loaded
    current = loaded.interview.current_question
    previous = loaded.engine.previous_question(loaded.answers, current)
    if previous is None:
        return Notice()
    return await _move(context, loaded, previous.id, pressed_message(update))


@ROUTES.on(EditButton, "survey")
async def _edit(update: Update, context: TangguhContext, callback: EditButton) -> Notice:
    loaded = await _load_current(update, context, callback, expected=None)
    if isinstance(loaded, Notice):
        return loaded
    relevant = {q.id for q in loaded.engine.relevant_questions(loaded.answers)}
    if callback.question not in relevant:
        return await _refuse_forged(context, "edit of a question not asked")
    return await _move(context, loaded, callback.question, pressed_message(update))


@ROUTES.on(PauseButton, "survey")
async def _pause(update: Update, context: TangguhContext, callback: PauseButton) -> Notice:
    loaded = await _load(update, context, callback)
    if isinstance(loaded, Notice):
        return loaded
    repo = context.svc.repository
    await repo.people.set_focus(context.member.id, None)
    answered = loaded.engine.answered_indicators(loaded.answers)
    view = Screens(context.svc, context.member).paused(loaded.household, answered, loaded.engine.total)
    await present(context, view, pressed_message(update))
    return Notice()


@ROUTES.on(SubmitButton, "survey")
async def _submit(update: Update, context: TangguhContext, callback: SubmitButton) -> Notice:
    loaded = await _load_current(update, context, callback, expected=None)
    if isinstance(loaded, Notice):
        return loaded
    screens = Screens(context.svc, context.member)
    engine, interview = loaded.engine, loaded.interview
    if not engine.can_submit(loaded.answers):
        return Notice(screens.t("cannot_submit"), alert=True)
    score = engine.score(loaded.answers)
    detail = stored_detail(score, engine.flags(loaded.answers))
    record = ScoreRecord(instrument_version=engine.instrument.version,
                         rubric_version=score.rubric_version, index_value=score.index,
                         category=score.category, complete=score.complete, detail=detail)
    repo = context.svc.repository
    if not await repo.interviews.submit(interview.id, expected_current=None, score=record):
        return await _stale(update, context, interview.id)
    await repo.people.set_focus(context.member.id, None)
    log.info("interview %s submitted", interview.id)
    notice = screens.t("submitted_notice")
    await present(context, screens.result(engine.instrument, loaded.household, detail),
                  pressed_message(update))
    return Notice(notice)


@ROUTES.on(ResumeButton, "survey")
async def _resume(update: Update, context: TangguhContext, callback: ResumeButton) -> Notice:
    loaded = await _load(update, context, callback)
    if isinstance(loaded, Notice):
        return loaded
    await context.svc.repository.people.set_focus(context.member.id, loaded.interview.id)
    await _show(context, loaded, pressed=pressed_message(update), adopt=True)
    return Notice()


@ROUTES.on(ConsentButton, "survey")
async def _consent(update: Update, context: TangguhContext, callback: ConsentButton) -> Notice:
    svc, person = context.svc, context.member
    repo = svc.repository
    household = await repo.households.get(callback.household)
    if household is None or household.kader_id != person.id:
        return await _refuse_forged(context, "household not assigned")
    instrument = svc.instrument
    interview = await repo.interviews.start(
        household.id, person.id, InstrumentRef(instrument.id, instrument.version, instrument.content_hash),
        svc.settings.survey_round, svc.engine.first_question.id)
    if interview.kader_id != person.id:
        return await _refuse_forged(context, "interview started by another kader")
    await repo.interviews.record_consent(interview.id)
    await repo.people.set_focus(person.id, interview.id)
    return await _resume(update, context, ResumeButton(interview=interview.id))


@ROUTES.on(HouseholdButton, "survey")
async def _household(update: Update, context: TangguhContext, callback: HouseholdButton) -> Notice:
    repo = context.svc.repository
    household = await repo.households.get(callback.household)
    if household is None or household.kader_id != context.member.id:
        return await _refuse_forged(context, "household not assigned")
    await show_card(context, household, pressed_message(update))
    return Notice()


@ROUTES.on(ListButton, "survey")
async def _list(update: Update, context: TangguhContext, callback: ListButton) -> Notice:
    await show_home(context, page=callback.page, message=pressed_message(update))
    return Notice()


# --- shared steps ---------------------------------------------------------------------------


async def _commit(context: TangguhContext, loaded: Loaded, answer: Answer, *,
                  pressed: Message | None = None, source_message_id: int | None = None,
                  fresh: bool = False) -> Notice:
    """Record an answer, drop what it made irrelevant, and show what comes next."""
    engine, interview = loaded.engine, loaded.interview
    answers, dropped = engine.apply(loaded.answers, answer)
    following = engine.next_question(answers, after=answer.question_id)
    written = await context.svc.repository.interviews.record_answer(
        interview.id, answer, expected_current=interview.current_question,
        next_question=following.id if following else None, drop=dropped,
        source_message_id=source_message_id)
    if not written:
        return await _stale_loaded(context, interview.id, pressed)
    moved = _with_current(interview, following.id if following else None)
    await _show(context, Loaded(moved, loaded.household, engine, answers), pressed=pressed,
                fresh=fresh)
    return Notice()


async def _move(context: TangguhContext, loaded: Loaded, question_id: str,
                pressed: Message | None) -> Notice:
    """Go back, or reopen an answer from the review (compare-and-set on the current question)."""
    interview = loaded.interview
    moved = await context.svc.repository.interviews.move_to(
        interview.id, expected_current=interview.current_question, question_id=question_id)
    if not moved:
        return await _stale_loaded(context, interview.id, pressed)
    loaded.interview = _with_current(interview, question_id)
    await _show(context, loaded, pressed=pressed)
    return Notice()


async def _load(update: Update, context: TangguhContext, callback: InterviewButton) -> Loaded | Notice:
    """The interview a button names, if it is this kader's; a submitted one shows its result."""
    svc, person = context.svc, context.member
    repo = svc.repository
    found = await repo.interviews.load(callback.interview)
    if found is None or found[0].kader_id != person.id:
        return await _refuse_forged(context, "interview of another kader")
    interview, household, answers = found
    if interview.status == "submitted":
        await _show_result(context, interview, household, pressed_message(update))
        return Notice(svc.text(person, "already_submitted"))
    return Loaded(interview, household, svc.engine_for(interview), answers)


async def _load_current(update: Update, context: TangguhContext, callback: InterviewButton,
                        expected: str | None | type[Ellipsis] = ...) -> Loaded | Notice:
    """As _load, and the button must be for the question the interview is at now."""
    loaded = await _load(update, context, callback)
    if isinstance(loaded, Notice):
        return loaded
    wanted = getattr(callback, "question", None) if expected is ... else expected
    if context.member.focus_interview_id != loaded.interview.id:
        # Typed answers follow the interview the kader last touched.
        await context.svc.repository.people.set_focus(context.member.id, loaded.interview.id)
    if loaded.interview.current_question != wanted:
        return await _stale_loaded(context, loaded.interview.id, pressed_message(update), loaded)
    return loaded


async def _stale(update: Update, context: TangguhContext, interview_id: int) -> Notice:
    return await _stale_loaded(context, interview_id, pressed_message(update))


async def _stale_loaded(context: TangguhContext, interview_id: int, pressed: Message | None,
                        loaded: Loaded | None = None) -> Notice:
    """A press or message that no longer applies: say so and show where the interview is now."""
    svc, person = context.svc, context.member
    repo = svc.repository
    if loaded is None:
        interview = await repo.interviews.get(interview_id)
        assert interview is not None
        household = await repo.households.get(interview.household_id)
        assert household is not None
        if interview.status == "submitted":
            await _show_result(context, interview, household, pressed)
            return Notice(svc.text(person, "already_submitted"))
        loaded = Loaded(interview, household, svc.engine_for(interview),
                        await repo.interviews.answers(interview.id))
    await _show(context, loaded, pressed=pressed)
    return Notice(svc.text(person, "already_answered"))


async def _refuse_forged(context: TangguhContext, reason: str) -> Notice:
    """Data that is not this kader's or not possible: refused, logged, nothing changed."""
    log.warning("refused a button from person %s: %s", context.member.id, reason)
    return Notice(context.svc.text(context.member, "not_yours"), alert=True)


async def _open_interview(context: TangguhContext) -> Loaded | None:
    """The draft the kader has open, if any."""
    svc, person = context.svc, context.member
    if person.focus_interview_id is None:
        return None
    found = await svc.repository.interviews.load(person.focus_interview_id)
    if found is None or found[0].status != "draft" or found[0].kader_id != person.id:
        return None
    interview, household, answers = found
    return Loaded(interview, household, svc.engine_for(interview), answers)


async def _show(context: TangguhContext, loaded: Loaded, *, pressed: Message | None = None,
                selection: tuple[str, ...] | None = None, fresh: bool = False,
                adopt: bool = False) -> None:
    """Show the interview's current question or review.

    In place when the press came from the interview's own message (or ``adopt``: the pressed
    message becomes it); otherwise as a new message at the bottom of the chat, retiring the old.
    """
    screens = Screens(context.svc, context.member)
    interview, engine = loaded.interview, loaded.engine
    current = engine.questions.get(interview.current_question or "")
    if current is None:
        view = screens.review(engine, interview, loaded.household, loaded.answers)
    else:
        view = screens.question(engine, interview, loaded.household, loaded.answers, current,
                                selection)
    repo = context.svc.repository
    if pressed is not None and not fresh and (adopt or pressed.message_id == interview.message_id):
        await present(context, view, pressed)
        if interview.message_id != pressed.message_id:
            await _retire(context, interview.message_id)
            await repo.interviews.set_message(interview.id, pressed.message_id)
        return
    if pressed is not None:
        await strip_keyboard(pressed)
    await _retire(context, interview.message_id)
    sent = await context.bot.send_message(context.member.telegram_user_id or 0, view.text,
                                          reply_markup=view.markup)
    await repo.interviews.set_message(interview.id, sent.message_id)


async def _show_result(context: TangguhContext, interview: Interview, household: Household,
                       pressed: Message | None) -> None:
    score = await context.svc.repository.scores.get(interview.id)
    if score is None or pressed is None:
        return
    instrument = context.svc.engine_for(interview).instrument
    await present(context, Screens(context.svc, context.member).result(
        instrument, household, score.detail), pressed)


async def _retire(context: TangguhContext, message_id: int | None) -> None:
    """Delete the interview's previous question message, if Telegram still allows it."""
    if message_id is None or context.member.telegram_user_id is None:
        return
    try:
        await context.bot.delete_message(context.member.telegram_user_id, message_id)
    except TelegramError:
        log.debug("could not delete message %s", message_id)




def _with_current(interview: Interview, question_id: str | None) -> Interview:
    return replace(interview, current_question=question_id)


def _selection(question: Question, mask: int | None) -> tuple[str, ...] | None:
    """The options a mask selects, or None for a mask with bits beyond the options."""
    if mask is None or mask >> len(question.options):
        return None
    return selection_of(question, mask)


def _problem_text(screens: Screens, problem: Problem) -> str:
    if problem.message is not None:
        return screens.local(problem.message)
    params: Mapping[str, object] = problem.params
    shown = {k: ("" if v is None else v) for k, v in params.items()}
    return screens.t(problem.key, **shown)

"""The kader's survey in chat: each button or typed answer calls one use case of app/interviews.py
and shows its outcome. Ownership, staleness and every write are decided below, not here."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import Message, Update

from app import home, interviews
from app.interviews import (
    AlreadySubmitted,
    CannotSubmit,
    Invalid,
    Moved,
    NeedsButton,
    NoOpenInterview,
    NotShownYet,
    Outcome,
    Paused,
    ResultCard,
    Screen,
    Shown,
    Stale,
    Submitted,
    Unchanged,
)
from app.outcomes import Refused
from flows import resume as events
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
from flows.interview import Problem
from handlers.context import TangguhContext
from handlers.home import present, pressed_message, show_home
from handlers.routing import Routes
from handlers.views import Screens
from telegram_io.screens import Notice, View, delete_quietly, strip_keyboard

log = logging.getLogger(__name__)
ROUTES = Routes()
SEARCH_LIMIT = 40
"""How much of a typed text is searched for among the families."""


@ROUTES.on(AnswerButton, "survey")
async def _answer(update: Update, context: TangguhContext, button: AnswerButton) -> Notice:
    return await _press(update, context, button.interview, events.Choose(button.question, button.value))


@ROUTES.on(DoneButton, "survey")
async def _done(update: Update, context: TangguhContext, button: DoneButton) -> Notice:
    return await _press(update, context, button.interview, events.ChooseMany(button.question, button.mask))


@ROUTES.on(RefuseButton, "survey")
async def _refuse(update: Update, context: TangguhContext, button: RefuseButton) -> Notice:
    return await _press(update, context, button.interview, events.Refuse(button.question))


@ROUTES.on(ToggleButton, "survey")
async def _toggle(update: Update, context: TangguhContext, button: ToggleButton) -> Notice:
    return await _press(update, context, button.interview, events.Tick(button.question, button.mask))


@ROUTES.on(BackButton, "survey")
async def _back(update: Update, context: TangguhContext, button: BackButton) -> Notice:
    return await _press(update, context, button.interview, events.Back(button.position))


@ROUTES.on(EditButton, "survey")
async def _edit(update: Update, context: TangguhContext, button: EditButton) -> Notice:
    return await _press(update, context, button.interview, events.Edit(button.question))


@ROUTES.on(SubmitButton, "survey")
async def _submit(update: Update, context: TangguhContext, button: SubmitButton) -> Notice:
    return await _press(update, context, button.interview, events.Submit())


@ROUTES.on(PauseButton, "survey")
async def _pause(update: Update, context: TangguhContext, button: PauseButton) -> Notice:
    outcome = await interviews.pause(context.svc, context.member, button.interview)
    return await _render(context, outcome, pressed_message(update))


@ROUTES.on(ResumeButton, "survey")
async def _resume(update: Update, context: TangguhContext, button: ResumeButton) -> Notice:
    outcome = await interviews.resume(context.svc, context.member, button.interview)
    return await _render(context, outcome, pressed_message(update))


@ROUTES.on(ConsentButton, "survey")
async def _consent(update: Update, context: TangguhContext, button: ConsentButton) -> Notice:
    outcome = await interviews.start(context.svc, context.member, button.household)
    return await _render(context, outcome, pressed_message(update))


@ROUTES.on(HouseholdButton, "survey")
async def _household(update: Update, context: TangguhContext, button: HouseholdButton) -> Notice:
    card = await home.card(context.svc, context.member, button.household)
    if isinstance(card, Refused):
        return await _render(context, card, None)
    view = Screens(context.svc, context.member).household_card(card.household, card.status, card.interview)
    await present(context, view, pressed_message(update))
    return Notice()


@ROUTES.on(ListButton, "survey")
async def _list(update: Update, context: TangguhContext, button: ListButton) -> Notice:
    await show_home(context, page=button.page, message=pressed_message(update))
    return Notice()


async def on_text(update: Update, context: TangguhContext) -> None:
    """Typed text: the answer to the open interview's number question, or a household search."""
    message = update.effective_message
    assert message is not None and message.text is not None
    person = context.member
    screens = Screens(context.svc, person)
    if person.role != "kader":
        await message.reply_text(screens.t("help"))
        return
    outcome = await interviews.type_answer(context.svc, person, message.text, message.message_id)
    if isinstance(outcome, NoOpenInterview):
        await show_home(context, query=message.text.strip()[:SEARCH_LIMIT])
        return
    reply = _typed_reply(screens, outcome)
    if reply is not None:
        await message.reply_text(reply)
    await _render(context, outcome, None, fresh=True)


async def _press(update: Update, context: TangguhContext, interview_id: int,
                 event: events.Event) -> Notice:
    outcome = await interviews.press(context.svc, context.member, interview_id, event)
    return await _render(context, outcome, pressed_message(update))


# --- showing an outcome -------------------------------------------------------------------


async def _render(context: TangguhContext, outcome: Outcome, pressed: Message | None, *,
                  fresh: bool = False) -> Notice:
    """Show what the use case decided; the press's answer (a toast or an alert) is returned."""
    screens = Screens(context.svc, context.member)
    match outcome:
        case Moved(screen) | NeedsButton(screen) | NotShownYet(screen):
            await _show(context, screen, pressed, fresh=fresh)
            return Notice()
        case Shown(screen, adopt):
            await _show(context, screen, pressed, adopt=adopt)
            return Notice()
        case Stale(screen):
            await _show(context, screen, pressed, fresh=fresh)
            return Notice(screens.t("already_answered"))
        case Invalid(problem, screen):
            if pressed is None:  # typed: the problem was replied to, ask again below it
                await _show(context, screen, None, fresh=True)
                return Notice()
            return Notice(_problem_text(screens, problem), alert=True)
        case Submitted(result):
            await present(context, _result_view(screens, result), pressed)
            return Notice(screens.t("submitted_notice"))
        case AlreadySubmitted(result):
            if result is not None and pressed is not None:
                await present(context, _result_view(screens, result), pressed)
            return Notice(screens.t("already_submitted"))
        case Paused(household, answered, total):
            await present(context, screens.paused(household, answered, total), pressed)
            return Notice()
        case CannotSubmit():
            return Notice(screens.t("cannot_submit"), alert=True)
        case Unchanged() | NoOpenInterview():
            return Notice()
        case Refused(key, params, alert):
            return Notice(screens.t(key, **params), alert=alert)
    raise AssertionError(f"unhandled outcome {outcome!r}")


async def _show(context: TangguhContext, screen: Screen, pressed: Message | None, *,
                fresh: bool = False, adopt: bool = False) -> None:
    """Show the interview's current question or review.

    In place when the press came from the interview's own message (or ``adopt``: the pressed
    message becomes it); otherwise as a new message at the bottom of the chat, retiring the old.
    """
    view = _screen_view(Screens(context.svc, context.member), screen)
    interview = screen.interview
    chat = context.member.telegram_user_id or 0
    if pressed is not None and not fresh and (adopt or pressed.message_id == interview.message_id):
        shown = await present(context, view, pressed)
        if (shown is not None and shown.message_id != pressed.message_id) \
                or interview.message_id != pressed.message_id:  # sent anew, or adopted another message
            await delete_quietly(context.bot, chat, interview.message_id)
        await interviews.remember_message(context.svc, interview, (shown or pressed).message_id)
        return
    if pressed is not None:
        await strip_keyboard(pressed)
    await delete_quietly(context.bot, chat, interview.message_id)
    sent = await present(context, view, None)
    assert sent is not None
    await interviews.remember_message(context.svc, interview, sent.message_id)


def _screen_view(screens: Screens, screen: Screen) -> View:
    engine, interview = screen.engine, screen.interview
    current = engine.questions.get(interview.current_question or "")
    if current is None:
        return screens.review(engine, interview, screen.household, screen.answers)
    return screens.question(engine, interview, screen.household, screen.answers, current,
                            screen.selection)


def _result_view(screens: Screens, result: ResultCard) -> View:
    return screens.result(result.engine.instrument, result.household, result.detail)


def _typed_reply(screens: Screens, outcome: Outcome) -> str | None:
    """The reply to a typed message that did not answer (then the screen is shown again)."""
    match outcome:
        case NeedsButton(_, at_review):
            return screens.t("review_press_button" if at_review else "press_a_button")
        case NotShownYet():
            return screens.t("already_answered")
        case Invalid(problem, _):
            return _problem_text(screens, problem)
    return None


def _problem_text(screens: Screens, problem: Problem) -> str:
    if problem.message is not None:
        return screens.local(problem.message)
    params: Mapping[str, object] = problem.params
    shown = {k: ("" if v is None else v) for k, v in params.items()}
    return screens.t(problem.key, **shown)


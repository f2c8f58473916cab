"""The kader's home: the household list (paged, searchable) and a household's card."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from flows.home import HouseholdStatus, Stage, household_page
from handlers.context import TangguhContext
from handlers.views import Screens, View
from storage.records import Household, Interview

log = logging.getLogger(__name__)

Statuses = dict[int, tuple[HouseholdStatus, Interview | None]]


async def household_statuses(context: TangguhContext, households: list[Household]) -> Statuses:
    """Each household's stage in the current round: not started, draft (7/24) or submitted."""
    svc, person = context.svc, context.member
    repo = svc.repository
    interviews = {i.household_id: i for i in
                  await repo.interviews.for_kader(person.id, svc.settings.survey_round)}
    statuses: dict[int, tuple[HouseholdStatus, Interview | None]] = {}
    for household in households:
        interview = interviews.get(household.id)
        base = HouseholdStatus(household.id, household.code, household.head_name, Stage.NOT_STARTED)
        if interview is None:
            statuses[household.id] = (base, None)
            continue
        engine = svc.engine_for(interview)
        if interview.status == "submitted":
            score = await repo.scores.get(interview.id)
            status = HouseholdStatus(household.id, household.code, household.head_name,
                                     Stage.SUBMITTED, engine.total, engine.total,
                                     score.index_value if score else None,
                                     score.category if score else None)
        else:
            answers = await repo.interviews.answers(interview.id)
            status = HouseholdStatus(household.id, household.code, household.head_name, Stage.DRAFT,
                                     engine.answered_indicators(answers), engine.total)
        statuses[household.id] = (status, interview)
    return statuses


async def show_home(context: TangguhContext, *, page: int = 0, query: str = "",
                    message: Message | None = None) -> None:
    """The list of the kader's households: edits ``message`` in place, or sends a new one."""
    person = context.member
    households = await context.svc.repository.households.for_kader(person.id)
    statuses = await household_statuses(context, households)
    shown = household_page([status for status, _ in statuses.values()], page, query)
    await present(context, Screens(context.svc, person).home(shown, len(households), query), message)


async def show_card(context: TangguhContext, household: Household, message: Message | None) -> None:
    """Who the family is, and the button to start (after consent), continue or see the result."""
    status, interview = (await household_statuses(context, [household]))[household.id]
    await present(context, Screens(context.svc, context.member).household_card(household, status,
                                                                               interview), message)


async def present(context: TangguhContext, view: View, message: Message | None) -> None:
    """Edit ``message`` to show ``view``, or send it as a new message."""
    if message is None:
        await context.bot.send_message(context.member.telegram_user_id or 0, view.text,
                                       reply_markup=view.markup)
        return
    try:
        await message.edit_text(view.text, reply_markup=view.markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def strip_keyboard(message: Message | None) -> None:
    """Remove a message's buttons once they no longer apply (best effort: it may be too old)."""
    if message is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError:
        log.debug("could not remove the keyboard of message %s", message.message_id)


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed, when Telegram still lets the bot edit it."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None

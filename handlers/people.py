"""/people: everyone by role and area, a card each, and what an admin does about a person
(deactivate, reactivate, revoke, move); a kader's "pause reminders" under a reminder."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from app import people
from app.outcomes import Refused
from app.people import Card, Changed
from flows.callbacks import AskButton, CancelButton, ConfirmButton, MoveButton, PeoplePageButton, PersonButton
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.permissions import requires
from handlers.prompts import confirmation, pairs, refusal, when
from handlers.routing import Routes
from handlers.views import Screens
from storage.records import Person
from telegram_io.screens import Notice, View
from telegram_io.text import paginate

PEOPLE_PAGE = 10
MARKS = {"active": "✅", "inactive": "⛔", "pending": "⏳"}
ROUTES = Routes()


@requires("people")
async def people_command(update: Update, context: TangguhContext) -> None:
    """/people: everyone by role and area, a button each."""
    await _people_page(context, 0, None)


@ROUTES.on(PeoplePageButton, "people")
async def people_page(update: Update, context: TangguhContext, callback: PeoplePageButton) -> Notice:
    """Paging of /people."""
    await _people_page(context, callback.page, pressed_message(update))
    return Notice()


async def _people_page(context: TangguhContext, number: int, message: Message | None) -> None:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    page = paginate(await people.directory(svc), number, PEOPLE_PAGE)
    rows = [[InlineKeyboardButton(_person_line(screens, p), callback_data=PersonButton(person=p.id).encode())]
            for p in page.items]
    navigation = []
    if page.has_previous:
        navigation.append(screens.button("button_previous", PeoplePageButton(page=page.number - 1)))
    if page.has_next:
        navigation.append(screens.button("button_next", PeoplePageButton(page=page.number + 1)))
    if navigation:
        rows.append(navigation)
    lines = [screens.t("people_title", count=page.total), screens.t("people_legend")]
    if page.count > 1:
        lines.append(screens.t("page_label", page=page.number + 1, pages=page.count))
    await present(context, View("\n".join(lines), InlineKeyboardMarkup(rows)), message)


def _person_line(screens: Screens, person: Person) -> str:
    where = person.kelurahan or person.agency_code
    catalog = screens.svc.catalog
    return catalog.text(screens.language, "people_line", mark=MARKS[people.status(person)], name=person.name,
                        role=catalog.text(screens.language, f"role_{person.role}"),
                        where=f", {where}" if where else "")[:60]


@ROUTES.on(PersonButton, "people")
async def person_card(update: Update, context: TangguhContext, callback: PersonButton) -> Notice:
    """One person with what an admin can do about them."""
    outcome = await people.card(context.svc, context.member.id, callback.person)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    await show_card(context, outcome, pressed_message(update))
    return Notice()


async def show_card(context: TangguhContext, card: Card, message: Message | None,
                    done: str | None = None) -> None:
    """A person's card (after ``done``, what was just done), with its buttons."""
    screens = Screens(context.svc, context.member)
    person = card.person
    if card.status == "pending":
        status_text = screens.t("status_pending" if card.invite_pending else "status_not_joined")
    else:
        status_text = screens.t(f"status_{card.status}")
    text = screens.t("person_card", name=person.name, id=person.id, role=screens.t(f"role_{person.role}"),
                     where=f", {card.where}" if card.where else "", status=status_text)
    if done:
        text = f"{done}\n\n{text}"
    rows = []
    if not card.is_viewer:
        if person.active:
            rows.append([screens.button("button_deactivate", AskButton(verb="deactivate",
                                                                      subject=person.id))])
        else:
            rows.append([screens.button("button_reactivate", ConfirmButton(verb="reactivate",
                                                                          subject=person.id))])
    if card.movable:
        rows.append([screens.button("button_move", AskButton(verb="move", subject=person.id))])
    if card.invite_pending:
        rows.append([screens.button("button_revoke", ConfirmButton(verb="revoke", subject=person.id))])
    rows.append([screens.button("button_people", PeoplePageButton(page=0))])
    await present(context, View(text, InlineKeyboardMarkup(rows)), message)


# --- asked and confirmed (routed here by handlers/confirmations.py) -----------------------


async def ask_deactivate(update: Update, context: TangguhContext, person_id: int) -> Notice:
    """"Nonaktifkan": ask again, naming the person."""
    person = await people.about(context.svc, context.member.id, person_id)
    if isinstance(person, Refused):
        return refusal(context, person)
    view = confirmation(Screens(context.svc, context.member), "deactivate", person.id, person.name,
                        f"K{person.id}")
    await present(context, view, pressed_message(update))
    return Notice()


async def ask_move(update: Update, context: TangguhContext, person_id: int) -> Notice:
    """"Pindahkan": the kelurahan (or agencies) to move the person to."""
    svc, admin = context.svc, context.member
    person = await people.about(svc, admin.id, person_id)
    if isinstance(person, Refused):
        return refusal(context, person)
    screens = Screens(svc, admin)
    buttons = [InlineKeyboardButton(choice, callback_data=MoveButton(person=person.id, index=i).encode())
               for i, choice in enumerate(people.areas_for(svc.settings, person))]
    cancel = screens.button("button_cancel", CancelButton(verb="move", subject=person.id))
    view = View(screens.t("choose_area", name=person.name), InlineKeyboardMarkup(pairs(buttons) + [[cancel]]))
    await present(context, view, pressed_message(update))
    return Notice()


@ROUTES.on(MoveButton, "people")
async def move_person(update: Update, context: TangguhContext, callback: MoveButton) -> Notice:
    """The area button after "Pindahkan": move, audit, show the card again."""
    outcome = await people.move(context.svc, context.member.id, callback.person, callback.index)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    done = Screens(context.svc, context.member).t("done_move", name=outcome.name, area=outcome.area)
    await show_card(context, outcome.card, pressed_message(update), done)
    return Notice()


async def deactivate(update: Update, context: TangguhContext, person_id: int) -> Notice:
    """"Ya, nonaktifkan"."""
    return await _changed(update, context, "deactivate",
                          await people.deactivate(context.svc, context.member.id, person_id))


async def reactivate(update: Update, context: TangguhContext, person_id: int) -> Notice:
    """"Aktifkan lagi"."""
    return await _changed(update, context, "reactivate",
                          await people.reactivate(context.svc, context.member.id, person_id))


async def revoke(update: Update, context: TangguhContext, person_id: int) -> Notice:
    """"Batalkan undangan"."""
    return await _changed(update, context, "revoke",
                          await people.revoke(context.svc, context.member.id, person_id))


async def _changed(update: Update, context: TangguhContext, verb: str,
                   outcome: Changed | people.Unchanged | Refused) -> Notice:
    """The card again, saying what was done; a second press says it was done already."""
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    screens = Screens(context.svc, context.member)
    person = outcome.card.person
    if isinstance(outcome, Changed):
        done = screens.t(f"done_{verb}", name=outcome.name, code=f"K{person.id}")
        await show_card(context, outcome.card, pressed_message(update), done)
        return Notice()
    await show_card(context, outcome.card, pressed_message(update))
    return Notice(screens.t("already_answered"))


async def pause_reminders(update: Update, context: TangguhContext, subject: int) -> Notice:
    """"Jeda pengingat seminggu" under a reminder: silence the kader's reminders for a week."""
    svc, kader = context.svc, context.member
    paused = await people.pause_reminders(svc, kader.id)
    text = Screens(svc, kader).t("reminder_paused", until=when(svc.settings, kader, paused.until))
    await present(context, View(text), None)  # the reminder stays, with its button to the family
    return Notice()

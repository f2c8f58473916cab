"""Households in the chat: /household (add one, step by step: by an admin, or by a kader when the
config allows it, flagged for an admin to keep or erase), /assign, /reopen and /erase."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from app import households
from app.households import Done, Rejected, Saved, Step
from app.outcomes import Refused
from flows.callbacks import AskButton, ConfirmButton
from flows.imports import rejection_lines
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.permissions import requires
from handlers.prompts import cancel_button, choice_rows, confirmation, echo, refusal
from handlers.views import Screens
from storage.records import DialogState, Household
from telegram_io.screens import Notice, View

# --- /household: adding one, step by step -------------------------------------------------


@requires("household")
async def household(update: Update, context: TangguhContext) -> None:
    """/household: add one family, step by step."""
    outcome = await households.start_adding(context.svc, context.member)
    if isinstance(outcome, Refused):
        assert update.effective_message is not None
        await update.effective_message.reply_text(context.svc.text(context.member, outcome.reason))
        return
    await _ask(context, outcome)


async def on_text(update: Update, context: TangguhContext, state: DialogState) -> None:
    """A typed answer to the current step (routed here by handlers/dialogs.py)."""
    message = update.effective_message
    assert message is not None
    outcome = await households.give_text(context.svc, context.member, state, message.text or "")
    if isinstance(outcome, Refused):
        await message.reply_text(Screens(context.svc, context.member).t(outcome.reason))
        return
    await _ask(context, outcome)


async def pick(update: Update, context: TangguhContext, state: DialogState, index: int) -> Notice:
    """A kelurahan or kader button of the walk (routed here by handlers/dialogs.py)."""
    outcome = await households.pick(context.svc, context.member, state, index)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    await _ask(context, outcome, pressed_message(update))
    return Notice()


async def save(update: Update, context: TangguhContext, subject: int) -> Notice:
    """"Simpan": the household is added (or why not is shown); a kader's goes to the admins."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    outcome = await households.save(svc, person)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    if isinstance(outcome, Rejected):
        reasons = (rejection_lines(outcome.plan, svc.catalog, person.language)
                   or [screens.t("household_exists")])
        await present(context, View("\n".join([screens.t("household_rejected"), *reasons])),
                      pressed_message(update))
        return Notice()
    await _tell_admins(context, outcome)
    key = "household_saved_review" if outcome.review else "household_saved"
    text = screens.t(key, head=outcome.household.head_name, code=outcome.household.code)
    await present(context, View(text), pressed_message(update))
    return Notice()


async def keep(update: Update, context: TangguhContext, household_id: int) -> Notice:
    """An admin confirms a household a kader added."""
    outcome = await households.keep(context.svc, context.member.id, household_id)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    text = Screens(context.svc, context.member).t("done_keep", code=outcome.household.code)
    await present(context, View(text), pressed_message(update))
    return Notice()


async def _tell_admins(context: TangguhContext, saved: Saved) -> None:
    """Each admin gets the household a kader added, with Keep and Erase."""
    data = saved.data
    for admin in saved.notify:
        screens = Screens(context.svc, admin)
        text = screens.t("household_review_notice", kader=context.member.name, head=data["head"],
                         code=data["code"], address=data["address"], rt=data["rt"], rw=data["rw"],
                         kelurahan=data["kelurahan"])
        keep_button = ConfirmButton(verb="keep", subject=saved.household.id)
        erase_button = AskButton(verb="erase", subject=saved.household.id)
        buttons = InlineKeyboardMarkup([[screens.button("button_keep", keep_button),
                                         screens.button("button_erase", erase_button)]])
        await context.bot.send_message(admin.telegram_user_id or 0, text, reply_markup=buttons)


async def _ask(context: TangguhContext, step: Step, message: Message | None = None) -> None:
    """The prompt of ``step`` (with its buttons), as a new message or in place of ``message``."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    data = step.data
    rows: list[list[InlineKeyboardButton]] = []
    if step.options:
        rows = choice_rows([option.label if option.label is not None else screens.t("button_no_kader")
                            for option in step.options])
        text = screens.t(f"household_ask_{step.step}")
    elif step.step == "confirm":
        kader = step.kader_name if step.kader_name is not None else screens.t("button_no_kader")
        text = screens.t("household_summary", code=data.get("code") or screens.t("household_auto_code"),
                         head=data["head"], address=data["address"], rt=data["rt"], rw=data["rw"],
                         kelurahan=data["kelurahan"], kader=kader)
        rows = [[screens.button("button_save", ConfirmButton(verb="household", subject=person.id))]]
    else:
        text = screens.t(f"household_ask_{step.step}")
    rows.append([cancel_button(screens, person)])
    await present(context, View(text, InlineKeyboardMarkup(rows)), message)


# --- /assign, /reopen, /erase -------------------------------------------------------------


@requires("assign")
async def assign(update: Update, context: TangguhContext) -> None:
    """/assign GM-001 GM-002 ke Siti Aminah: move households to a kader of their kelurahan."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    parsed = households.parse_assignment(context.args or [])
    if parsed is None:
        await present(context, View(screens.t("assign_usage")), None)
        return
    outcome = await households.assign(svc, admin.id, *parsed)
    if isinstance(outcome, Refused):
        await present(context, View(screens.t(outcome.reason, **_echoed(outcome.params))), None)
        return
    done = screens.t("assign_done", count=outcome.count, kader=outcome.kader.name)
    await present(context, View(done), None)


@requires("reopen")
async def reopen(update: Update, context: TangguhContext) -> None:
    """/reopen CODE: after a confirmation, a submitted interview becomes a draft again."""
    await _household_command(context, "reopen")


@requires("erase")
async def erase(update: Update, context: TangguhContext) -> None:
    """/erase CODE: after a confirmation, a household and all its data are deleted."""
    await _household_command(context, "erase")


async def _household_command(context: TangguhContext, verb: str) -> None:
    screens = Screens(context.svc, context.member)
    found = await households.for_command(context.svc, verb, " ".join(context.args or []))
    if isinstance(found, Refused):
        await present(context, View(screens.t(found.reason, **_echoed(found.params))), None)
        return
    await present(context, _confirmation(screens, verb, found), None)


async def ask(update: Update, context: TangguhContext, household_id: int, *, verb: str) -> Notice:
    """The first press of Reopen or Erase (a button under a kader's household): ask again."""
    found = await households.about(context.svc, household_id)
    if isinstance(found, Refused):
        return refusal(context, found)
    await present(context, _confirmation(Screens(context.svc, context.member), verb, found),
                  pressed_message(update))
    return Notice()


async def confirm(update: Update, context: TangguhContext, household_id: int, *, verb: str) -> Notice:
    """"Ya, buka lagi" / "Ya, hapus": done once, audited; a second press changes nothing."""
    svc, admin = context.svc, context.member
    act = households.reopen if verb == "reopen" else households.erase
    outcome = await act(svc, admin.id, household_id)
    if isinstance(outcome, Refused):
        return refusal(context, outcome)
    screens = Screens(svc, admin)
    if isinstance(outcome, Done):
        text = screens.t(f"done_{verb}", name=outcome.household.head_name, code=outcome.household.code)
        await present(context, View(text), pressed_message(update))
        return Notice()
    await present(context, View(screens.t("already_answered")), pressed_message(update))
    return Notice(screens.t("already_answered"))


def _confirmation(screens: Screens, verb: str, household: Household) -> View:
    return confirmation(screens, verb, household.id, household.head_name, household.code)


def _echoed(params: dict[str, Any]) -> dict[str, Any]:
    """Values a person typed, shortened for echoing back."""
    return {key: echo(value) if isinstance(value, str) else value for key, value in params.items()}

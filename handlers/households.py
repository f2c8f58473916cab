"""Adding one household through a short guided chat: by an admin, or by a kader in the field
(when the config allows it, flagged for an admin to confirm).

The answers go through the same checks as a spreadsheet import (a one-row table), so a household
added here obeys exactly the rules of /import.
"""

from __future__ import annotations

import logging
import unicodedata

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from flows.callbacks import AskButton, CancelButton, ConfirmButton, PickButton
from flows.imports import TEMPLATE_HEADERS, Row, Table, clean, normalise_number, plan_import, rejection_lines
from handlers.context import TangguhContext
from handlers.home import present, pressed_message
from handlers.permissions import requires
from handlers.views import Notice, Screens, View
from reports.tabular import fingerprint
from storage.dialogs import DialogState
from storage.records import Person

log = logging.getLogger(__name__)

TEXT_STEPS = ("code", "head", "address", "rt", "rw")
TEXT_LIMIT = 200


@requires("household")
async def household(update: Update, context: TangguhContext) -> None:
    """/household: add one family, step by step."""
    svc, person = context.svc, context.member
    if person.role == "kader" and not svc.settings.imports.allow_kader_households:
        assert update.effective_message is not None
        await update.effective_message.reply_text(svc.text(person, "not_allowed"))
        return
    await svc.repository.dialogs.put(person.id, DialogState("household", "code", {}))
    await _ask(context, "code")


async def on_text(update: Update, context: TangguhContext, state: DialogState) -> None:
    """A typed answer to the current step."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    message = update.effective_message
    assert message is not None
    typed = clean(message.text or "")
    step = state.step
    if step not in TEXT_STEPS:
        await message.reply_text(screens.t("press_a_button"))
        return
    value = _check(step, typed)
    if value is None:
        await message.reply_text(screens.t("household_bad_number" if step in {"rt", "rw"}
                                           else "household_bad_text"))
        return
    data = {**state.data, step: value}
    following = TEXT_STEPS[TEXT_STEPS.index(step) + 1] if step != "rw" else _after_text(person)
    if following == "confirm":
        data |= {"kelurahan": person.kelurahan or "", "kader": f"K{person.id}"}
    await svc.repository.dialogs.put(person.id, DialogState("household", following, data))
    await _ask(context, following, data)


def _check(step: str, typed: str) -> str | None:
    if step in {"rt", "rw"}:
        return normalise_number(typed)
    if step == "code" and typed == "-":
        return ""
    invisible = any(unicodedata.category(char)[0] == "C" for char in typed)  # zero-width, control
    return typed if typed and len(typed) <= TEXT_LIMIT and not invisible else None


def _after_text(person: Person) -> str:
    return "confirm" if person.role == "kader" else "kelurahan"


async def pick(update: Update, context: TangguhContext, state: DialogState, index: int) -> Notice:
    """A kelurahan or kader button of the walk."""
    svc, person = context.svc, context.member
    choices = state.data.get("choices", [])
    if state.step not in {"kelurahan", "kader"} or index >= len(choices):
        return Notice(svc.text(person, "already_answered"))
    data = {key: value for key, value in state.data.items() if key != "choices"}
    data[state.step] = choices[index]
    following = "kader" if state.step == "kelurahan" else "confirm"
    await svc.repository.dialogs.put(person.id, DialogState("household", following, data))
    await _ask(context, following, data, pressed_message(update))
    return Notice()


async def save(update: Update, context: TangguhContext) -> Notice:
    """"Simpan": check the household like an import row, add it, flag it if a kader added it."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    repo = svc.repository
    state = await repo.dialogs.get(person.id)
    if state is None or state.kind != "household" or state.step != "confirm":
        return Notice(screens.t("already_answered"))
    data = state.data
    values = (data.get("code", ""), data["head"], data["address"], data["rt"], data["rw"],
              data["kelurahan"], data.get("kader", ""))
    table = Table(tuple(TEMPLATE_HEADERS), (Row(2, values),))
    plan = plan_import(table, existing=await repo.imports.existing_households(),
                       kelurahan=svc.settings.kelurahan, kader=await repo.imports.kader_refs())
    await repo.dialogs.clear(person.id)
    if plan.refused or plan.rejected or not plan.adds:
        reasons = rejection_lines(plan, svc.catalog, person.language) or [screens.t("household_exists")]
        text = "\n".join([screens.t("household_rejected"), *reasons])
        await present(context, View(text), pressed_message(update))
        return Notice()
    await repo.imports.apply_plan(plan, file_name="chat", person_id=person.id,
                                  sha256=fingerprint("\t".join(values).encode()))
    added = plan.adds[0]
    stored = await repo.households.by_code(added.code)
    assert stored is not None
    await repo.audit.log(person.id, "household.add", f"household:{added.code}")
    key = "household_saved"
    if person.role == "kader":
        await repo.households.set_review(stored.id, True)
        await _tell_admins(context, stored.id, person, data | {"code": added.code})
        key = "household_saved_review"
    text = screens.t(key, head=added.head_name, code=added.code)
    await present(context, View(text), pressed_message(update))
    return Notice()


async def keep(update: Update, context: TangguhContext, household_id: int) -> Notice:
    """An admin confirms a household a kader added."""
    svc, admin = context.svc, context.member
    repo = svc.repository
    stored = await repo.households.get(household_id)
    if stored is None:
        return Notice(svc.text(admin, "unknown_button"), alert=True)
    if await repo.households.set_review(household_id, False):
        await repo.audit.log(admin.id, "household.confirm", f"household:{stored.code}")
    text = Screens(svc, admin).t("done_keep", code=stored.code)
    await present(context, View(text), pressed_message(update))
    return Notice()


async def _tell_admins(context: TangguhContext, household_id: int, kader: Person,
                       data: dict[str, str]) -> None:
    svc = context.svc
    for admin in await svc.repository.people.list("admin"):
        if not admin.active or admin.telegram_user_id is None:
            continue
        screens = Screens(svc, admin)
        text = screens.t("household_review_notice", kader=kader.name, head=data["head"], code=data["code"],
                         address=data["address"], rt=data["rt"], rw=data["rw"], kelurahan=data["kelurahan"])
        keep_button = ConfirmButton(verb="keep", subject=household_id)
        erase_button = AskButton(verb="erase", subject=household_id)
        buttons = InlineKeyboardMarkup([[screens.button("button_keep", keep_button),
                                         screens.button("button_erase", erase_button)]])
        await context.bot.send_message(admin.telegram_user_id, text, reply_markup=buttons)


async def _ask(context: TangguhContext, step: str, data: dict[str, str] | None = None,
               message: Message | None = None) -> None:
    """The prompt of ``step`` (with its buttons), as a new message or in place of ``message``."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    data = data or {}
    cancel = screens.button("button_cancel", CancelButton(verb="dialog", subject=person.id))
    rows: list[list[InlineKeyboardButton]] = []
    if step in {"kelurahan", "kader"}:
        choices, labels = await _choices(context, step, data)
        state = DialogState("household", step, data | {"choices": choices})
        await svc.repository.dialogs.put(person.id, state)
        buttons = [InlineKeyboardButton(label, callback_data=PickButton(index=i).encode())
                   for i, label in enumerate(labels)]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
        text = screens.t(f"household_ask_{step}")
    elif step == "confirm":
        text = screens.t("household_summary", code=data.get("code") or screens.t("household_auto_code"),
                         head=data["head"], address=data["address"], rt=data["rt"], rw=data["rw"],
                         kelurahan=data["kelurahan"], kader=await _kader_name(context, data.get("kader", "")))
        save_button = ConfirmButton(verb="household", subject=person.id)
        rows = [[screens.button("button_save", save_button)]]
    else:
        text = screens.t(f"household_ask_{step}")
    rows.append([cancel])
    await present(context, View(text, InlineKeyboardMarkup(rows)), message)


async def _choices(context: TangguhContext, step: str, data: dict[str, str]) -> tuple[list[str], list[str]]:
    """What a button step offers: values to store and labels to show."""
    svc = context.svc
    if step == "kelurahan":
        return list(svc.settings.kelurahan), list(svc.settings.kelurahan)
    kader = [p for p in await svc.repository.people.list("kader")
             if p.active and p.kelurahan == data.get("kelurahan")]
    none = Screens(svc, context.member).t("button_no_kader")
    return [f"K{p.id}" for p in kader] + [""], [p.name for p in kader] + [none]


async def _kader_name(context: TangguhContext, code: str) -> str:
    if not code:
        return Screens(context.svc, context.member).t("button_no_kader")
    person = await context.svc.repository.people.get(int(code.removeprefix("K")))
    return person.name if person else code



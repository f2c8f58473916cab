"""Admins (and coordinators for /progress): invitations, people, assignment, safety, audit, progress.

Every command and button here is checked against handlers/permissions.py on the server; every
change an admin makes goes into the audit log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update

from flows.areas import match_name
from flows.callbacks import (
    AskButton,
    CancelButton,
    ConfirmButton,
    InviteRoleButton,
    MoveButton,
    PeoplePageButton,
    PersonButton,
    PickButton,
)
from flows.imports import TEMPLATE_EXAMPLE, TEMPLATE_HEADERS, plan_import, rejection_lines, summarise
from flows.invites import InviteRequest, clean_name, deep_link, hash_code, new_code, parse_invite
from flows.reminders import PAUSE
from handlers import households
from handlers.context import Services, TangguhContext
from handlers.home import present, pressed_message, strip_keyboard
from handlers.permissions import allowed, requires
from handlers.routing import Routes
from handlers.views import Notice, Screens, View
from reports.charts import progress_chart
from reports.export import build_workbook
from reports.progress import progress_lines
from reports.qr import qr_png
from reports.tabular import TableError, file_type, fingerprint, read_table, template_xlsx
from settings import Settings
from storage.dialogs import DialogState
from storage.records import Household, Person, Role
from storage.repository import Repository

log = logging.getLogger(__name__)

ROLES_NEEDING_KELURAHAN = {"kader", "coordinator"}
PEOPLE_PAGE = 10
MARKS = {"active": "✅", "inactive": "⛔", "pending": "⏳"}
ASKED = {"deactivate", "move", "reopen", "erase"}
"""The verbs whose first press asks for a confirmation (the others are confirmed directly)."""
ROUTES = Routes()


async def create_invitation(repo: Repository, settings: Settings, request: InviteRequest,
                            created_by: int | None) -> tuple[Person, str, datetime]:
    """Register the person and a single-use invitation; the code itself is never stored."""
    role: Role = request.role  # type: ignore[assignment]
    person = await repo.people.add(request.name, role, kelurahan=request.kelurahan,
                                   agency_code=request.agency, language=settings.default_language)
    code = new_code()
    expires = repo.db.now() + timedelta(days=settings.invite_valid_days)
    await repo.invites.create(person.id, hash_code(code), expires, created_by=created_by)
    await repo.audit.log(created_by, "invite.create", f"person:{person.id}", {"role": role})
    return person, code, expires


# --- /invite ------------------------------------------------------------------------------


@requires("invite")
async def invite(update: Update, context: TangguhContext) -> None:
    """/invite: the walk (role → name → kelurahan or agency) or one line with everything."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    line = " ".join(context.args or [])
    if line:
        request = parse_invite(line, svc.settings.kelurahan, svc.settings.agency_codes)
        if isinstance(request, str):
            await present(context, View(screens.t(request) + "\n\n" + screens.t("invite_usage")), None)
            return
        await _send_invitation(context, request)
        return
    await svc.repository.dialogs.put(admin.id, DialogState("invite", "role", {}))
    rows = [[screens.button(f"button_role_{role}", InviteRoleButton(role=role))]
            for role in ("kader", "coordinator", "agency", "admin")]
    rows.append([_cancel_button(screens, admin)])
    await present(context, View(screens.t("invite_choose_role"), InlineKeyboardMarkup(rows)), None)


@ROUTES.on(InviteRoleButton, "invite")
async def invite_role(update: Update, context: TangguhContext, callback: InviteRoleButton) -> Notice:
    """The role button of the walk: ask for the name next."""
    svc, admin = context.svc, context.member
    state = await svc.repository.dialogs.get(admin.id)
    if state is None or state.kind != "invite":
        return Notice(svc.text(admin, "already_answered"))
    await svc.repository.dialogs.put(admin.id, DialogState("invite", "name", {"role": callback.role}))
    screens = Screens(svc, admin)
    view = View(screens.t("invite_ask_name", role=screens.t(f"role_{callback.role}")),
                InlineKeyboardMarkup([[_cancel_button(screens, admin)]]))
    await present(context, view, pressed_message(update))
    return Notice()


async def invite_name(update: Update, context: TangguhContext, state: DialogState) -> None:
    """The typed name of the walk: then the kelurahan or agency, or the invitation itself."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    assert update.effective_message is not None
    name = clean_name(update.effective_message.text or "")
    if name is None:
        await update.effective_message.reply_text(screens.t("invite_bad_name"))
        return
    role = state.data["role"]
    if role == "admin":
        await svc.repository.dialogs.clear(admin.id)
        await _send_invitation(context, InviteRequest(role, name))
        return
    choices = svc.settings.kelurahan if role in ROLES_NEEDING_KELURAHAN else svc.settings.agency_codes
    await svc.repository.dialogs.put(admin.id, DialogState("invite", "area", {
        "role": role, "name": name, "choices": list(choices)}))
    key = "invite_choose_kelurahan" if role in ROLES_NEEDING_KELURAHAN else "invite_choose_agency"
    buttons = [InlineKeyboardButton(choice, callback_data=PickButton(index=i).encode())
               for i, choice in enumerate(choices)]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [[_cancel_button(screens, admin)]]
    await present(context, View(screens.t(key, name=name), InlineKeyboardMarkup(rows)), None)


@ROUTES.on(PickButton, "start")
async def pick(update: Update, context: TangguhContext, callback: PickButton) -> Notice:
    """A choice button of the open dialog (an invitation's area, a household's kelurahan or kader)."""
    svc, person = context.svc, context.member
    state = await svc.repository.dialogs.get(person.id)
    if state is None:
        return Notice(svc.text(person, "already_answered"))
    if state.kind == "household":
        return await households.pick(update, context, state, callback.index)
    if state.kind != "invite" or state.step != "area" or not allowed(person, "invite"):
        return Notice(svc.text(person, "already_answered"))
    choices = state.data["choices"]
    if callback.index >= len(choices):
        return Notice(svc.text(person, "unknown_button"), alert=True)
    role, name, choice = state.data["role"], state.data["name"], choices[callback.index]
    request = (InviteRequest(role, name, kelurahan=choice) if role in ROLES_NEEDING_KELURAHAN
               else InviteRequest(role, name, agency=choice))
    await svc.repository.dialogs.clear(person.id)
    await strip_keyboard(pressed_message(update))
    await _send_invitation(context, request)
    return Notice()


async def _send_invitation(context: TangguhContext, request: InviteRequest) -> None:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    person, code, expires = await create_invitation(svc.repository, svc.settings, request, admin.id)
    link = deep_link(context.bot.username, code)
    where = request.kelurahan or request.agency
    text = screens.t("invite_created", name=person.name, role=screens.t(f"role_{person.role}"),
                     where=f", {where}" if where else "", expires=_when(svc.settings, admin, expires),
                     link=link)
    chat = admin.telegram_user_id or 0
    await context.bot.send_message(chat, text, disable_web_page_preview=True)
    picture = await asyncio.to_thread(qr_png, link)
    await context.bot.send_photo(chat, picture, caption=screens.t("invite_qr_caption", name=person.name))


# --- /people ------------------------------------------------------------------------------


@requires("people")
async def people(update: Update, context: TangguhContext) -> None:
    """/people: everyone by role and area, a button each."""
    await _people_page(context, 0, None)


@ROUTES.on(PeoplePageButton, "people")
async def people_page(update: Update, context: TangguhContext, callback: PeoplePageButton) -> Notice:
    """Paging of /people."""
    await _people_page(context, callback.page, pressed_message(update))
    return Notice()


async def _people_page(context: TangguhContext, page: int, message: Message | None) -> None:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    everyone = sorted(await svc.repository.people.list(),
                      key=lambda p: (p.role, p.kelurahan or p.agency_code or "", p.name.casefold()))
    pages = max(1, -(-len(everyone) // PEOPLE_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = everyone[page * PEOPLE_PAGE:(page + 1) * PEOPLE_PAGE]
    rows = [[InlineKeyboardButton(_person_line(screens, p), callback_data=PersonButton(person=p.id).encode())]
            for p in shown]
    navigation = []
    if page > 0:
        navigation.append(screens.button("button_previous", PeoplePageButton(page=page - 1)))
    if page + 1 < pages:
        navigation.append(screens.button("button_next", PeoplePageButton(page=page + 1)))
    if navigation:
        rows.append(navigation)
    lines = [screens.t("people_title", count=len(everyone)), screens.t("people_legend")]
    if pages > 1:
        lines.append(screens.t("page_label", page=page + 1, pages=pages))
    await present(context, View("\n".join(lines), InlineKeyboardMarkup(rows)), message)


def _status(person: Person) -> str:
    if person.telegram_user_id is None:
        return "pending"
    return "active" if person.active else "inactive"


def _person_line(screens: Screens, person: Person) -> str:
    where = person.kelurahan or person.agency_code
    return screens.svc.catalog.text(
        screens.language, "people_line", mark=MARKS[_status(person)], name=person.name,
        role=screens.svc.catalog.text(screens.language, f"role_{person.role}"),
        where=f", {where}" if where else "")[:60]


@ROUTES.on(PersonButton, "people")
async def person_card(update: Update, context: TangguhContext, callback: PersonButton) -> Notice:
    """One person with what an admin can do about them."""
    person = await context.svc.repository.people.get(callback.person)
    if person is None:
        return Notice(context.svc.text(context.member, "unknown_button"), alert=True)
    await _show_person(context, person, pressed_message(update))
    return Notice()


async def _show_person(context: TangguhContext, person: Person, message: Message | None,
                       done: str | None = None) -> None:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    pending = {invite.person_id for invite in await svc.repository.invites.pending()}
    status = _status(person)
    status_text = screens.t("status_pending" if person.id in pending else "status_not_joined") \
        if status == "pending" else screens.t(f"status_{status}")
    where = person.kelurahan or person.agency_code
    text = screens.t("person_card", name=person.name, id=person.id, role=screens.t(f"role_{person.role}"),
                     where=f", {where}" if where else "", status=status_text)
    if done:
        text = f"{done}\n\n{text}"
    rows = []
    if person.id != admin.id:
        if person.active:
            rows.append([screens.button("button_deactivate", AskButton(verb="deactivate",
                                                                      subject=person.id))])
        else:
            rows.append([screens.button("button_reactivate", ConfirmButton(verb="reactivate",
                                                                      subject=person.id))])
    if person.role != "admin":
        rows.append([screens.button("button_move", AskButton(verb="move", subject=person.id))])
    if person.id in pending:
        rows.append([screens.button("button_revoke", ConfirmButton(verb="revoke",
                                                              subject=person.id))])
    rows.append([screens.button("button_people", PeoplePageButton(page=0))])
    await present(context, View(text, InlineKeyboardMarkup(rows)), message)


@ROUTES.on(MoveButton, "people")
async def move_person(update: Update, context: TangguhContext, callback: MoveButton) -> Notice:
    """The area button after "Pindahkan": move, audit, show the card again."""
    svc, admin = context.svc, context.member
    repo = svc.repository
    person = await repo.people.get(callback.person)
    if person is None or person.role == "admin":
        return Notice(svc.text(admin, "unknown_button"), alert=True)
    choices = _areas_for(svc.settings, person)
    if callback.index >= len(choices):
        return Notice(svc.text(admin, "unknown_button"), alert=True)
    area = choices[callback.index]
    if person.role == "agency":
        await repo.people.move(person.id, agency_code=area)
    else:
        await repo.people.move(person.id, kelurahan=area)
    await repo.audit.log(admin.id, "person.move", f"person:{person.id}", {"to": area})
    moved = await repo.people.get(person.id)
    assert moved is not None
    await _show_person(context, moved, pressed_message(update),
                       Screens(svc, admin).t("done_move", name=person.name, area=area))
    return Notice()


def _areas_for(settings: Settings, person: Person) -> list[str]:
    return settings.agency_codes if person.role == "agency" else settings.kelurahan


# --- confirmations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """What a confirmable action is about, with the words to show."""

    name: str
    code: str = ""
    person: Person | None = None
    household: Household | None = None


@ROUTES.on(AskButton, "start")  # confirmations are checked again by their verb
async def ask(update: Update, context: TangguhContext, callback: AskButton) -> Notice:
    """The first press of a risky action: ask again, naming exactly what will happen."""
    subject = await _subject(context, callback) if callback.verb in ASKED else None
    if subject is None:
        return Notice(context.svc.text(context.member, "unknown_button"), alert=True)
    await present(context, _question(context, callback.verb, callback.subject, subject),
                  pressed_message(update))
    return Notice()


def _question(context: TangguhContext, verb: str, subject_id: int, subject: Subject) -> View:
    """The confirmation (or, for a move, the choice of area) for ``verb``."""
    screens = Screens(context.svc, context.member)
    cancel = screens.button("button_cancel", CancelButton(verb=verb, subject=subject_id))
    if verb == "move" and subject.person is not None:
        choices = _areas_for(context.svc.settings, subject.person)
        buttons = [InlineKeyboardButton(choice, callback_data=MoveButton(
            person=subject.person.id, index=i).encode()) for i, choice in enumerate(choices)]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)] + [[cancel]]
        return View(screens.t("choose_area", name=subject.name), InlineKeyboardMarkup(rows))
    yes = screens.button(f"button_yes_{verb}", ConfirmButton(verb=verb, subject=subject_id))
    return View(screens.t(f"confirm_{verb}", name=subject.name, code=subject.code),
                InlineKeyboardMarkup([[yes, cancel]]))


@ROUTES.on(ConfirmButton, "start")
async def confirm(update: Update, context: TangguhContext, callback: ConfirmButton) -> Notice:
    """The confirming press: do it once, write the audit entry, say what was done."""
    svc, admin = context.svc, context.member
    repo = svc.repository
    screens = Screens(svc, admin)
    verb = callback.verb
    if verb == "import":
        return await _apply_import(update, context, callback.subject)
    if verb == "household":
        return await households.save(update, context)
    if verb == "keep":
        return await households.keep(update, context, callback.subject)
    if verb == "pause":
        return await _pause_reminders(update, context)
    subject = await _subject(context, callback)
    if subject is None or verb not in DOERS:
        return Notice(svc.text(admin, "unknown_button"), alert=True)
    changed = await DOERS[verb](svc, subject)
    if changed:
        await repo.audit.log(admin.id, f"{'person' if subject.person else 'household'}.{verb}",
                             f"person:{subject.person.id}" if subject.person else f"household:{subject.code}")
    done = screens.t(f"done_{verb}", name=subject.name, code=subject.code)
    if subject.person is not None:
        person = await repo.people.get(subject.person.id)
        assert person is not None
        await _show_person(context, person, pressed_message(update), done if changed else None)
    else:
        text = done if changed else screens.t("already_answered")
        await present(context, View(text), pressed_message(update))
    return Notice() if changed else Notice(screens.t("already_answered"))


async def _pause_reminders(update: Update, context: TangguhContext) -> Notice:
    """"Jeda pengingat seminggu" under a reminder: silence the kader's reminders for a week."""
    svc, kader = context.svc, context.member
    until = svc.clock() + PAUSE
    await svc.repository.people.pause_reminders(kader.id, until)
    text = Screens(svc, kader).t("reminder_paused", until=_when(svc.settings, kader, until))
    await present(context, View(text), None)  # the reminder stays, with its button to the family
    return Notice()


@ROUTES.on(CancelButton, "start")
async def cancel(update: Update, context: TangguhContext, callback: CancelButton) -> Notice:
    """Any "Batal": nothing changes; an open dialog is closed."""
    svc, admin = context.svc, context.member
    await svc.repository.dialogs.clear(admin.id)
    if callback.verb == "import":
        await svc.repository.imports.cancel(callback.subject, owner_id=admin.id)
    await present(context, View(svc.text(admin, "cancelled")), pressed_message(update))
    return Notice()


async def _subject(context: TangguhContext, callback: AskButton | ConfirmButton) -> Subject | None:
    repo = context.svc.repository
    if callback.verb in {"deactivate", "reactivate", "revoke", "move", "dialog"}:
        person = await repo.people.get(callback.subject)
        if person is None or (person.id == context.member.id and callback.verb != "dialog"):
            return None
        return Subject(person.name, f"K{person.id}", person=person)
    household = await repo.households.get(callback.subject)
    return None if household is None else Subject(household.head_name, household.code, household=household)


async def _deactivate(svc: Services, subject: Subject) -> bool:
    assert subject.person is not None
    return await svc.repository.people.set_active(subject.person.id, False)


async def _reactivate(svc: Services, subject: Subject) -> bool:
    assert subject.person is not None
    return await svc.repository.people.set_active(subject.person.id, True)


async def _revoke(svc: Services, subject: Subject) -> bool:
    assert subject.person is not None
    return await svc.repository.invites.revoke_for(subject.person.id) > 0


async def _reopen(svc: Services, subject: Subject) -> bool:
    assert subject.household is not None
    repo = svc.repository
    interview = await repo.interviews.for_household(subject.household.id, svc.settings.survey_round)
    return interview is not None and await repo.interviews.reopen(interview.id)


async def _erase(svc: Services, subject: Subject) -> bool:
    assert subject.household is not None
    return await svc.repository.households.delete_with_data(subject.household.id)


DOERS: dict[str, Callable[[Services, Subject], Awaitable[bool]]] = {
    "deactivate": _deactivate, "reactivate": _reactivate, "revoke": _revoke,
    "reopen": _reopen, "erase": _erase,
}


# --- households: /assign, /reopen, /erase -------------------------------------------------


@requires("assign")
async def assign(update: Update, context: TangguhContext) -> None:
    """/assign GM-001 GM-002 ke Siti Aminah: move households to a kader of their kelurahan."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    repo = svc.repository
    words = context.args or []
    lowered = [w.casefold() for w in words]
    if "ke" in lowered:
        split = lowered.index("ke")
        codes, kader_words = words[:split], words[split + 1:]
    else:
        codes, kader_words = words[:1], words[1:]
    codes = [c.strip(",") for c in codes if c.strip(",")]
    if not codes or not kader_words:
        await present(context, View(screens.t("assign_usage")), None)
        return
    households = {code: await repo.households.by_code(code) for code in codes}
    unknown = [code for code, found in households.items() if found is None]
    if unknown:
        await present(context, View(screens.t("assign_unknown_households", codes=_clip(", ".join(unknown)))),
                      None)
        return
    kader = await _find_kader(repo, " ".join(kader_words))
    if kader is None:
        await present(context, View(screens.t("assign_unknown_kader", kader=_clip(" ".join(kader_words)))),
                      None)
        return
    elsewhere = [h.code for h in households.values() if h and h.kelurahan != kader.kelurahan]
    if elsewhere:
        text = screens.t("assign_other_kelurahan", kader=kader.name, kelurahan=kader.kelurahan or "",
                         codes=_clip(", ".join(elsewhere)))
        await present(context, View(text), None)
        return
    ids = [h.id for h in households.values() if h]
    moved = await repo.households.assign(ids, kader.id)
    await repo.audit.log(admin.id, "household.assign", f"person:{kader.id}", {"households": len(ids)})
    await present(context, View(screens.t("assign_done", count=moved, kader=kader.name)), None)


async def _find_kader(repo: Repository, typed: str) -> Person | None:
    kader = [p for p in await repo.people.list("kader") if p.active]
    by_code = {f"K{p.id}": p for p in kader}
    code = match_name(typed, by_code)
    if code:
        return by_code[code]
    name = match_name(typed, [p.name for p in kader])
    return next((p for p in kader if p.name == name), None)


@requires("reopen")
async def reopen(update: Update, context: TangguhContext) -> None:
    """/reopen CODE: after a confirmation, a submitted interview becomes a draft again."""
    await _household_command(context, "reopen")


@requires("erase")
async def erase(update: Update, context: TangguhContext) -> None:
    """/erase CODE: after a confirmation, a household and all its data are deleted."""
    await _household_command(context, "erase")


async def _household_command(context: TangguhContext, verb: str) -> None:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    code = " ".join(context.args or []).strip()
    if not code:
        await present(context, View(screens.t(f"{verb}_usage")), None)
        return
    household = await svc.repository.households.by_code(code)
    if household is None:
        await present(context, View(screens.t("household_unknown", code=_clip(code))), None)
        return
    if verb == "reopen":
        interview = await svc.repository.interviews.for_household(household.id, svc.settings.survey_round)
        if interview is None or interview.status != "submitted":
            await present(context, View(screens.t("reopen_not_submitted", code=household.code)), None)
            return
    subject = Subject(household.head_name, household.code, household=household)
    await present(context, _question(context, verb, household.id, subject), None)


# --- /import and /template ---------------------------------------------------------------


@requires("import")
async def import_command(update: Update, context: TangguhContext) -> None:
    """/import: wait for a household file."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    await svc.repository.dialogs.put(admin.id, DialogState("import", "file", {}))
    await present(context, View(screens.t("import_ask_file"),
                                InlineKeyboardMarkup([[_cancel_button(screens, admin)]])), None)


@requires("template")
async def template(update: Update, context: TangguhContext) -> None:
    """/template: the import template as an Excel file."""
    screens = Screens(context.svc, context.member)
    data = await asyncio.to_thread(template_xlsx, list(TEMPLATE_HEADERS), list(TEMPLATE_EXAMPLE))
    await context.bot.send_document(context.member.telegram_user_id or 0,
                                    InputFile(data, filename="templat-keluarga.xlsx"),
                                    caption=screens.t("import_template_caption"))


async def receive_import(update: Update, context: TangguhContext) -> None:
    """A household file after /import: read, check every row, show the preview with its buttons."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    message = update.effective_message
    assert message is not None and message.document is not None
    document, limits, repo = message.document, svc.settings.imports, svc.repository
    try:
        file_type(document.file_name or "")  # a wrong kind of file is refused before the download
        if document.file_size and document.file_size > limits.max_bytes:
            raise TableError("import_too_large", {"max_mb": limits.max_bytes // 1_000_000})
        data = bytes(await (await document.get_file()).download_as_bytearray())
        table = await asyncio.to_thread(read_table, data, document.file_name or "",
                                        max_rows=limits.max_rows, max_bytes=limits.max_bytes)
    except TableError as error:
        await message.reply_text(error.message(svc.catalog, admin.language, html=True))
        return
    plan = await asyncio.to_thread(plan_import, table, existing=await repo.imports.existing_households(),
                                   kelurahan=svc.settings.kelurahan, kader=await repo.imports.kader_refs())
    lines = rejection_lines(plan, svc.catalog, admin.language)
    if plan.refused:
        await message.reply_text("\n".join(lines))
        return
    await repo.dialogs.clear(admin.id)
    import_id = await repo.imports.save_plan(admin.id, document.file_name or "", fingerprint(data), plan)
    counts = summarise(plan)
    text = "\n".join([screens.t("import_preview", file=document.file_name or "", **counts), *lines])
    changes = counts["adds"] + counts["updates"]
    if not changes:
        await present(context, View(_fit_text(text + "\n\n" + screens.t("import_nothing_new"))), None)
        return
    apply = ConfirmButton(verb="import", subject=import_id)
    buttons = [[screens.button("button_yes_import", apply, count=changes),
                screens.button("button_cancel", CancelButton(verb="import", subject=import_id))]]
    await present(context, View(_fit_text(text), InlineKeyboardMarkup(buttons)), None)


async def _apply_import(update: Update, context: TangguhContext, import_id: int) -> Notice:
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    # Only the preview this admin was shown: another admin's is "gone" as far as they can tell.
    result = await svc.repository.imports.apply(import_id, actor_id=admin.id, owner_id=admin.id)
    if result is None:
        await present(context, View(screens.t("import_gone")), pressed_message(update))
        return Notice(screens.t("import_gone"))
    skipped = screens.t("import_skipped", count=result.skipped) if result.skipped else ""
    await present(context, View(screens.t("import_applied", added=result.added, updated=result.updated,
                                          skipped=skipped)), pressed_message(update))
    return Notice()


def _fit_text(text: str) -> str:
    return text if len(text) <= 4000 else text[:text.rindex("\n", 0, 4000)] + "\n…"


@requires("export")
async def export(update: Update, context: TangguhContext) -> None:
    """/export: everything of the current round as an Excel workbook."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    chat = admin.telegram_user_id or 0
    await context.bot.send_message(chat, screens.t("export_preparing"))
    data = await svc.repository.exports.snapshot(svc.settings.survey_round)
    content = await asyncio.to_thread(build_workbook, data, {i.content_hash: i for i in svc.instruments},
                                      language=admin.language, timezone=svc.settings.timezone)
    await svc.repository.audit.log(admin.id, "export.xlsx", f"round:{svc.settings.survey_round}",
                                   {"households": len(data.households)})
    file = InputFile(content, filename=f"tangguh-{svc.settings.survey_round}.xlsx")
    caption = screens.t("export_caption", households=len(data.households), interviews=len(data.interviews))
    await context.bot.send_document(chat, file, caption=caption)


# --- /audit and /progress -----------------------------------------------------------------


@requires("audit")
async def audit(update: Update, context: TangguhContext) -> None:
    """/audit: the latest entries of the audit log."""
    svc, admin = context.svc, context.member
    screens = Screens(svc, admin)
    entries = await svc.repository.audit.latest(20)
    if not entries:
        await present(context, View(screens.t("audit_empty")), None)
        return
    names = {p.id: p.name for p in await svc.repository.people.list()}
    lines = [screens.t("audit_title")] + [
        screens.t("audit_line", when=_when(svc.settings, admin, entry.at),
                  actor=names.get(entry.actor_id or 0, screens.t("audit_server")),
                  action=entry.action, subject=entry.subject) for entry in entries]
    await present(context, View("\n".join(lines)), None)


@requires("progress")
async def progress(update: Update, context: TangguhContext) -> None:
    """/progress: per kelurahan and kader, assigned / started / submitted and the mean index;
    a coordinator sees their own kelurahan only."""
    svc, person = context.svc, context.member
    screens = Screens(svc, person)
    rows = await svc.repository.households.progress(svc.settings.survey_round)
    if person.role == "coordinator":
        rows = [row for row in rows if row.kelurahan == person.kelurahan]
    if not rows:
        await present(context, View(screens.t("progress_empty")), None)
        return
    lines, areas = progress_lines(rows, svc.catalog, person.language, svc.settings.survey_round)
    await present(context, View("\n".join(lines)[:4000]), None)
    picture = await asyncio.to_thread(
        progress_chart, [a.kelurahan for a in areas], [a.assigned for a in areas],
        [a.started for a in areas], [a.submitted for a in areas], title=screens.t("chart_title"),
        labels=(screens.t("chart_assigned"), screens.t("chart_started"), screens.t("chart_submitted")))
    await context.bot.send_photo(person.telegram_user_id or 0, picture)


# --- shared -------------------------------------------------------------------------------


async def on_dialog_text(update: Update, context: TangguhContext) -> bool:
    """Typed text that belongs to an open dialog; False when there is none."""
    state = await context.svc.repository.dialogs.get(context.member.id)
    if state is None:
        return False
    if state.kind == "invite" and state.step == "name":
        await invite_name(update, context, state)
        return True
    if state.kind == "household":
        await households.on_text(update, context, state)
        return True
    return False


def _clip(text: str, limit: int = 200) -> str:
    """What a person typed, shortened for echoing it back (a reply has at most 4096 characters)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cancel_button(screens: Screens, person: Person) -> InlineKeyboardButton:
    return screens.button("button_cancel", CancelButton(verb="dialog", subject=person.id))


def _when(settings: Settings, person: Person, moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(settings.timezone))
    return escape(format_datetime(local, "d MMM yyyy HH:mm", locale="id_ID" if person.language == "id"
                                  else "en_US"))






async def on_document(update: Update, context: TangguhContext) -> bool:
    """A file sent after /import; False when no import is waiting for one."""
    state = await context.svc.repository.dialogs.get(context.member.id)
    if state is None or state.kind != "import" or not allowed(context.person, "import"):
        return False
    await receive_import(update, context)
    return True

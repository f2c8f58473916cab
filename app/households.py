"""Households: assign to a kader, reopen a submitted interview, erase, keep one a kader added, and
add one through a short guided dialog (by an admin, or by a kader when the config allows it).

A household added in the dialog goes through the same checks as a spreadsheet import (a one-row
table), so it obeys exactly the rules of /import. Every change is audited.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from app.outcomes import ALREADY_ANSWERED, UNKNOWN_BUTTON, Refused
from app.people import active_admins
from app.services import Services
from flows.areas import match_name
from flows.imports import TEMPLATE_HEADERS, ImportPlan, Row, Table, clean, normalise_number, plan_import
from reports.tabular import fingerprint
from storage.records import DialogState, Household, Person

DIALOG = "household"
TEXT_STEPS = ("code", "head", "address", "rt", "rw")
CHOICE_STEPS = ("kelurahan", "kader")
TEXT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Assigned:
    """``count`` households now belong to ``kader``."""

    count: int
    kader: Person


@dataclass(frozen=True, slots=True)
class Done:
    """Done and audited."""

    household: Household


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Nothing to do (pressed twice, already so): nothing written."""

    household: Household


# --- /assign -----------------------------------------------------------------------------


def parse_assignment(words: Sequence[str]) -> tuple[list[str], str] | None:
    """``GM-001 GM-002 ke Siti Aminah`` (or ``GM-001 Siti Aminah``) → the codes and the kader as
    typed; None when either is missing."""
    lowered = [w.casefold() for w in words]
    if "ke" in lowered:
        split = lowered.index("ke")
        codes, kader_words = list(words[:split]), list(words[split + 1:])
    else:
        codes, kader_words = list(words[:1]), list(words[1:])
    codes = [c.strip(",") for c in codes if c.strip(",")]
    if not codes or not kader_words:
        return None
    return codes, " ".join(kader_words)


async def assign(svc: Services, actor_id: int, codes: Sequence[str], kader: str) -> Assigned | Refused:
    """Give the households of ``codes`` to the active kader named (or coded ``K12``) ``kader``, all
    of them or none: every code must exist and be in the kader's kelurahan."""
    repo = svc.repository
    found = {code: await repo.households.by_code(code) for code in codes}
    unknown = [code for code, household in found.items() if household is None]
    if unknown:
        return Refused("assign_unknown_households", {"codes": ", ".join(unknown)})
    person = await find_kader(svc, kader)
    if person is None:
        return Refused("assign_unknown_kader", {"kader": kader})
    households = [household for household in found.values() if household is not None]
    elsewhere = [h.code for h in households if h.kelurahan != person.kelurahan]
    if elsewhere:
        return Refused("assign_other_kelurahan", {"kader": person.name, "kelurahan": person.kelurahan or "",
                                                  "codes": ", ".join(elsewhere)})
    ids = [h.id for h in households]
    moved = await repo.households.assign(ids, person.id)
    await repo.audit.log(actor_id, "household.assign", f"person:{person.id}", {"households": len(ids)})
    return Assigned(moved, person)


async def find_kader(svc: Services, typed: str) -> Person | None:
    """The active kader ``typed`` means: their code (``K12``) or their name, forgiving case and spaces."""
    kader = [p for p in await svc.repository.people.list("kader") if p.active]
    by_code = {f"K{p.id}": p for p in kader}
    code = match_name(typed, by_code)
    if code:
        return by_code[code]
    name = match_name(typed, [p.name for p in kader])
    return next((p for p in kader if p.name == name), None)


# --- /reopen, /erase, and keeping a household a kader added ------------------------------


async def for_command(svc: Services, verb: str, code: str) -> Household | Refused:
    """The household ``/reopen CODE`` or ``/erase CODE`` is about, before asking to confirm."""
    code = code.strip()
    if not code:
        return Refused(f"{verb}_usage")
    household = await svc.repository.households.by_code(code)
    if household is None:
        return Refused("household_unknown", {"code": code})
    if verb == "reopen":
        interview = await svc.repository.interviews.for_household(household.id, svc.settings.survey_round)
        if interview is None or interview.status != "submitted":
            return Refused("reopen_not_submitted", {"code": household.code})
    return household


async def about(svc: Services, household_id: int) -> Household | Refused:
    """The household a confirmation button is about."""
    household = await svc.repository.households.get(household_id)
    return UNKNOWN_BUTTON if household is None else household


async def reopen(svc: Services, actor_id: int, household_id: int) -> Done | Unchanged | Refused:
    """The household's submitted interview of this round becomes a draft again."""
    repo = svc.repository
    household = await about(svc, household_id)
    if isinstance(household, Refused):
        return household
    interview = await repo.interviews.for_household(household.id, svc.settings.survey_round)
    if interview is None or not await repo.interviews.reopen(interview.id):
        return Unchanged(household)
    await repo.audit.log(actor_id, "household.reopen", f"household:{household.code}")
    return Done(household)


async def erase(svc: Services, actor_id: int, household_id: int) -> Done | Unchanged | Refused:
    """The household and everything recorded about it are deleted."""
    repo = svc.repository
    household = await about(svc, household_id)
    if isinstance(household, Refused):
        return household
    if not await repo.households.delete_with_data(household.id):
        return Unchanged(household)
    await repo.audit.log(actor_id, "household.erase", f"household:{household.code}")
    return Done(household)


async def keep(svc: Services, actor_id: int, household_id: int) -> Done | Unchanged | Refused:
    """An admin confirms a household a kader added: it no longer needs a review."""
    repo = svc.repository
    household = await about(svc, household_id)
    if isinstance(household, Refused):
        return household
    if not await repo.households.set_review(household_id, False):
        return Unchanged(household)
    await repo.audit.log(actor_id, "household.confirm", f"household:{household.code}")
    return Done(household)


# --- adding one household, step by step --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """A button of a choice step: the value stored and its label (None: "no kader")."""

    value: str
    label: str | None


@dataclass(frozen=True, slots=True)
class Step:
    """The dialog's current step, what was entered so far, and for a choice step its options."""

    step: str
    data: dict[str, str]
    options: tuple[Option, ...] = ()
    kader_name: str | None = None
    """At the summary: the chosen kader's name (None: no kader)."""


@dataclass(frozen=True, slots=True)
class Saved:
    """The household was added (and audited); a kader's is flagged for the admins to review."""

    household: Household
    review: bool
    data: dict[str, str]
    notify: tuple[Person, ...] = ()
    """The admins to tell about a household a kader added."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """The household breaks an import rule (or exists already): nothing added."""

    plan: ImportPlan


async def start_adding(svc: Services, person: Person) -> Step | Refused:
    """Open the dialog; a kader may add households only when the config allows it."""
    if person.role == "kader" and not svc.settings.imports.allow_kader_households:
        return Refused("not_allowed")
    await svc.repository.dialogs.put(person.id, DialogState(DIALOG, "code", {}))
    return Step("code", {})


async def give_text(svc: Services, person: Person, state: DialogState, typed: str) -> Step | Refused:
    """A typed answer to the current step: checked, kept, and the next step opened."""
    typed = clean(typed)
    step = state.step
    if step not in TEXT_STEPS:
        return Refused("press_a_button")
    value = _check(step, typed)
    if value is None:
        return Refused("household_bad_number" if step in {"rt", "rw"} else "household_bad_text")
    data = {**state.data, step: value}
    following = TEXT_STEPS[TEXT_STEPS.index(step) + 1] if step != "rw" else _after_text(person)
    if following == "confirm":
        data |= {"kelurahan": person.kelurahan or "", "kader": f"K{person.id}"}
    return await _open(svc, person, following, data)


async def pick(svc: Services, person: Person, state: DialogState, index: int) -> Step | Refused:
    """A kelurahan or kader button of the dialog."""
    choices = state.data.get("choices", [])
    if state.step not in CHOICE_STEPS or index >= len(choices):
        return ALREADY_ANSWERED
    data = {key: value for key, value in state.data.items() if key != "choices"}
    data[state.step] = choices[index]
    following = "kader" if state.step == "kelurahan" else "confirm"
    return await _open(svc, person, following, data)


async def save(svc: Services, person: Person) -> Saved | Rejected | Refused:
    """"Simpan": check the household like an import row, add it, flag it if a kader added it."""
    repo = svc.repository
    state = await repo.dialogs.get(person.id)
    if state is None or state.kind != DIALOG or state.step != "confirm":
        return ALREADY_ANSWERED
    data = state.data
    values = (data.get("code", ""), data["head"], data["address"], data["rt"], data["rw"],
              data["kelurahan"], data.get("kader", ""))
    table = Table(tuple(TEMPLATE_HEADERS), (Row(2, values),))
    plan = plan_import(table, existing=await repo.imports.existing_households(),
                       kelurahan=svc.settings.kelurahan, kader=await repo.imports.kader_refs())
    await repo.dialogs.clear(person.id)
    if plan.refused or plan.rejected or not plan.adds:
        return Rejected(plan)
    await repo.imports.apply_plan(plan, file_name="chat", person_id=person.id,
                                  sha256=fingerprint("\t".join(values).encode()))
    added = plan.adds[0]
    stored = await repo.households.by_code(added.code)
    assert stored is not None
    await repo.audit.log(person.id, "household.add", f"household:{added.code}")
    if person.role != "kader":
        return Saved(stored, False, data | {"code": added.code})
    await repo.households.set_review(stored.id, True)
    flagged = await repo.households.get(stored.id)
    assert flagged is not None
    return Saved(flagged, True, data | {"code": added.code}, tuple(await active_admins(svc)))


async def _open(svc: Services, person: Person, step: str, data: dict[str, str]) -> Step:
    """Keep the dialog at ``step`` (with the choices a button step offers) and describe it."""
    dialogs = svc.repository.dialogs
    if step in CHOICE_STEPS:
        options = await _options(svc, step, data)
        choices = [option.value for option in options]
        await dialogs.put(person.id, DialogState(DIALOG, step, data | {"choices": choices}))
        return Step(step, data, options)
    await dialogs.put(person.id, DialogState(DIALOG, step, data))
    if step == "confirm":
        return Step(step, data, kader_name=await _kader_name(svc, data.get("kader", "")))
    return Step(step, data)


async def _options(svc: Services, step: str, data: dict[str, str]) -> tuple[Option, ...]:
    if step == "kelurahan":
        return tuple(Option(k, k) for k in svc.settings.kelurahan)
    kader = [p for p in await svc.repository.people.list("kader")
             if p.active and p.kelurahan == data.get("kelurahan")]
    return (*(Option(f"K{p.id}", p.name) for p in kader), Option("", None))


async def _kader_name(svc: Services, code: str) -> str | None:
    if not code:
        return None
    person = await svc.repository.people.get(int(code.removeprefix("K")))
    return person.name if person else code


def _check(step: str, typed: str) -> str | None:
    if step in {"rt", "rw"}:
        return normalise_number(typed)
    if step == "code" and typed == "-":
        return ""
    invisible = any(unicodedata.category(char)[0] == "C" for char in typed)  # zero-width, control
    return typed if typed and len(typed) <= TEXT_LIMIT and not invisible else None


def _after_text(person: Person) -> str:
    return "confirm" if person.role == "kader" else "kelurahan"

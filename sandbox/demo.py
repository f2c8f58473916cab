"""The sandbox's demo data, all fictitious: one kelurahan (Guntung Manggis, Landasan Ulin), a dozen
families, five pretend people who join through real invitations, and three interviews (two submitted,
one draft) walked through the chat like a kader would, so that every screen has something to show.

Seeding happens only on a new database; on later starts each pretend person sends ``/start`` once so
that their (new, empty) chat opens with something.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.invitations import create_invitation
from app.services import Services
from flows.areas import match_name
from flows.invites import InviteRequest
from sandbox.fakeapi import FakeBotApi, FakeUser
from settings import SetupError
from storage.records import Household, Person, Role

log = logging.getLogger(__name__)

KELURAHAN = "Guntung Manggis"


@dataclass(frozen=True)
class DemoPerson:
    """One of the five pretend people; ``agencies`` are the codes to try, in order."""

    telegram_id: int
    name: str
    role: Role
    agencies: tuple[str, ...] = ()


ADMIN = DemoPerson(5100101, "Rina Kartika", "admin")
SITI = DemoPerson(5100201, "Siti Aminah", "kader")
DEWI = DemoPerson(5100202, "Dewi Lestari", "kader")
OFFICIALS = (DemoPerson(5100301, "Budi Santoso", "agency", ("DINSOS",)),
             DemoPerson(5100302, "Nur Hasanah", "agency", ("DINKES", "DP3A")))
PEOPLE = (ADMIN, SITI, DEWI, *OFFICIALS)

# Code, head of the family, address, RT, RW, kader.
HOUSEHOLDS = (
    ("GM-001", "Budi Hartono", "Jl. Guntung Manggis Gg. Rukun No. 12", "001", "001", SITI),
    ("GM-002", "Rusdiansyah", "Jl. Trikora Gg. Anggrek No. 5", "001", "001", SITI),
    ("GM-003", "Fitriani", "Jl. Karang Anyar I No. 21", "002", "001", SITI),
    ("GM-004", "Akhmad Syahrani", "Jl. Golf Gg. Family No. 8", "002", "001", SITI),
    ("GM-005", "Norhayati", "Jl. Guntung Manggis Gg. Hidayah No. 3", "003", "002", SITI),
    ("GM-006", "Hendra Gunawan", "Jl. Trikora Komp. Griya Permata Blok B No. 14", "003", "002", SITI),
    ("GM-007", "Muhammad Iqbal", "Jl. Karang Anyar II No. 40", "004", "002", DEWI),
    ("GM-008", "Rahmawati", "Jl. Golf Gg. Melati No. 2", "004", "002", DEWI),
    ("GM-009", "Syarifuddin", "Jl. Guntung Manggis Gg. Damai No. 17", "005", "003", DEWI),
    ("GM-010", "Yuliani", "Jl. Trikora Gg. Kenanga No. 9", "005", "003", DEWI),
    ("GM-011", "Agus Salim", "Jl. Karang Anyar III No. 6", "006", "003", DEWI),
    ("GM-012", "Mariati", "Jl. Golf Komp. Bumi Indah Blok A No. 1", "006", "003", DEWI),
)

Planned = str | tuple[str, ...]
"""An option's Indonesian label, the labels of a multiple choice, or the typed text."""

WELL_OFF: dict[str, Planned] = {
    "marriage_registered": "Ya, tercatat", "children_0_17": "2", "children_akta": "2",
    "spouses_together": "Ya", "family_time": "Minimal 1 kali seminggu", "chores_shared": "Dibagi bersama",
    "money_open": "Terbuka", "decisions": "Suami dan istri bersama", "meals_twice": "Ya, setiap hari",
    "nutrition_problem": "Tidak ada", "chronic_disability": ("Tidak ada",),
    "parents_bedroom": "Ya, kamar sendiri",
    "house_status": "Milik sendiri", "income_enough": "Cukup", "children_school": "Semua bersekolah",
    "school_dropout": "Tidak ada", "savings": "Ya", "health_insurance": "Semua, aktif",
    "has_elderly": "Tidak",
    "social_activity": "Selalu/sering", "religious_activity": "Selalu/sering", "income_month": "Rp 4,5 juta",
    "members": "4", "wife_hitting_view": "Tidak setuju sama sekali", "child_harsh": "Tidak pernah",
    "law_trouble": "Tidak", "crime_victim": "Tidak",
}
STRUGGLING: dict[str, Planned] = {
    "marriage_registered": "Menikah, belum tercatat", "children_0_17": "3", "children_akta": "1",
    "spouses_together": "Terpisah: kerja/merantau", "family_time": "Kadang-kadang",
    "chores_shared": "Sebagian besar satu pihak", "money_open": "Sebagian", "decisions": "Suami saja",
    "meals_twice": "Ada hari yang kurang", "nutrition_problem": "Tidak ada",
    "chronic_disability": ("Tidak ada",),
    "parents_bedroom": "Tidak, tidur bergabung", "house_status": "Sewa/kontrak", "income_enough": "Kurang",
    "children_school": "Sebagian", "school_dropout": "Ada, putus sekolah", "savings": "Tidak",
    "health_insurance": "Sebagian", "has_elderly": "Ya", "elderly_cared": "Ya, diperhatikan",
    "social_activity": "Kadang-kadang", "religious_activity": "Selalu/sering", "income_month": "1,8 juta",
    "members": "5", "wife_hitting_view": "Tidak setuju sama sekali", "child_harsh": "Sesekali",
    "law_trouble": "Tidak", "crime_victim": "Tidak",
}


@dataclass(frozen=True)
class DemoInterview:
    """An interview to walk through: ``stop_after`` answers then save as a draft, or to the end and submit."""

    kader: DemoPerson
    household: str
    answers: dict[str, Planned]
    stop_after: int | None = None


INTERVIEWS = (DemoInterview(SITI, "GM-001", WELL_OFF),
              DemoInterview(SITI, "GM-002", STRUGGLING, stop_after=6),
              DemoInterview(DEWI, "GM-007", STRUGGLING))


def first_name(name: str) -> str:
    """What Telegram shows as the person's first name."""
    return name.split()[0]


async def seed(api: FakeBotApi, svc: Services) -> None:
    """Fill a new database: people invited and joined in the chat, families, three interviews."""
    settings, repo = svc.settings, svc.repository
    kelurahan = match_name(KELURAHAN, settings.kelurahan) or next(iter(settings.kelurahan), None)
    if kelurahan is None:
        raise SetupError("the sandbox needs at least one kelurahan under `areas` in the config")
    codes: dict[DemoPerson, str] = {}
    people: dict[DemoPerson, Person] = {}
    taken: set[str] = set()
    for demo in PEOPLE:
        agency = _agency_for(demo, settings.agency_codes, taken)
        if demo.role == "agency" and agency is None:
            continue  # a config without enough agencies: fewer officials
        area = kelurahan if demo.role == "kader" else None
        creator = people[ADMIN].id if ADMIN in people else None
        request = InviteRequest(demo.role, demo.name, area, agency)
        invited = await create_invitation(svc, request, creator)
        people[demo], codes[demo] = invited.person, invited.code
    households: dict[str, Household] = {}
    for code, head, address, rt, rw, kader in HOUSEHOLDS:
        households[code] = await repo.households.add(code, head, address, rt, rw, kelurahan,
                                                     kader_id=people[kader].id)
    for demo, code in codes.items():
        await api.user(demo.telegram_id, first_name(demo.name), "id").send(f"/start {code}")
    for interview in INTERVIEWS:
        await walk(api, svc, interview, households[interview.household], people[interview.kader])
    log.info("sandbox: demo data seeded (%d people, %d households)", len(people), len(households))


def _agency_for(demo: DemoPerson, codes: list[str], taken: set[str]) -> str | None:
    """The first of the person's agencies the config knows, else any agency not used yet."""
    if demo.role != "agency":
        return None
    found = [c for c in demo.agencies if c in codes] or [c for c in codes if c not in taken]
    if not found:
        return None
    taken.add(found[0])
    return found[0]


async def walk(api: FakeBotApi, svc: Services, plan: DemoInterview, household: Household,
               kader: Person) -> None:
    """Open the family from /survey, confirm consent and answer as ``plan`` says, in the kader's chat."""
    user = api.user(plan.kader.telegram_id, first_name(plan.kader.name), "id")
    await user.send("/survey")
    await user.press(household.code)
    await user.press(svc.text(kader, "button_consent"))
    repo, steps = svc.repository, 0
    while True:
        interview = await repo.interviews.for_household(household.id, svc.settings.survey_round)
        if interview is None:
            raise RuntimeError(f"the consent button did not start the interview of {household.code}")
        if interview.current_question is None or (plan.stop_after is not None and len(
                await repo.interviews.answers(interview.id)) >= plan.stop_after):
            break
        await _answer(user, svc, interview.current_question, plan.answers)
        steps += 1
        if steps > 3 * len(svc.engine.order):
            raise RuntimeError(f"the demo interview of {household.code} does not end")
    await user.press(svc.text(kader, "button_pause" if plan.stop_after is not None else "button_submit"))
    done = await repo.interviews.get(interview.id)
    if done is None or done.status != ("draft" if plan.stop_after is not None else "submitted"):
        raise RuntimeError(f"the demo interview of {household.code} did not end as planned")


async def _answer(user: FakeUser, svc: Services, question_id: str, answers: dict[str, Planned]) -> None:
    """Press the planned option (or the first, for a question the plan does not know) or type the number."""
    question = svc.engine.questions[question_id]
    planned = answers.get(question_id)
    if question.type == "multiple":
        labels = planned if isinstance(planned, tuple) else (question.options[0].label["id"],)
        for label in labels:
            await user.press(label)
        await user.press(svc.text(None, "button_done"))
    elif question.is_choice:
        labels = [o.label["id"] for o in question.options]
        await user.press(planned if isinstance(planned, str) and planned in labels else labels[0])
    else:
        await user.send(planned if isinstance(planned, str) else "1")


async def greet(api: FakeBotApi, people: list[Person]) -> None:
    """After a restart: each person's empty chat opens with their home screen, as after /start."""
    for person in people:
        if person.telegram_user_id is not None:
            await api.user(person.telegram_user_id, first_name(person.name), person.language).send("/start")

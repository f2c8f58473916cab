"""The kader's home: their families with each one's stage, a page of the list, a family's card."""

from __future__ import annotations

from dataclasses import dataclass

from app.outcomes import Refused, not_yours
from app.services import Services
from flows.home import HouseholdStatus, Page, Stage, household_page
from storage.records import Household, Interview, Person


@dataclass(frozen=True, slots=True)
class HomePage:
    """One page of the kader's list (searched by ``query``) and how many families they have."""

    page: Page[HouseholdStatus]
    total: int
    query: str


@dataclass(frozen=True, slots=True)
class Card:
    """A family, its stage in the round, and its interview if one was started."""

    household: Household
    status: HouseholdStatus
    interview: Interview | None


async def home_page(svc: Services, kader: Person, page: int = 0, query: str = "") -> HomePage:
    """The kader's families: drafts first, then not started, then submitted."""
    households = await svc.repository.households.for_kader(kader.id)
    statuses = await _statuses(svc, kader, households)
    shown = household_page([status for status, _ in statuses.values()], page, query)
    return HomePage(shown, len(households), query)


async def card(svc: Services, kader: Person, household_id: int) -> Card | Refused:
    """One family's card, if it is assigned to this kader."""
    household = await svc.repository.households.get(household_id)
    if household is None or household.kader_id != kader.id:
        return not_yours(kader.id, "household not assigned")
    status, interview = (await _statuses(svc, kader, [household]))[household.id]
    return Card(household, status, interview)


async def _statuses(svc: Services, kader: Person, households: list[Household]
                    ) -> dict[int, tuple[HouseholdStatus, Interview | None]]:
    """Each household's stage in the current round: not started, draft (7/24) or submitted."""
    repo = svc.repository
    interviews = {i.household_id: i for i in
                  await repo.interviews.for_kader(kader.id, svc.settings.survey_round)}
    statuses: dict[int, tuple[HouseholdStatus, Interview | None]] = {}
    for household in households:
        interview = interviews.get(household.id)
        if interview is None:
            statuses[household.id] = (HouseholdStatus(household.id, household.code, household.head_name,
                                                      Stage.NOT_STARTED), None)
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

"""The household list: order, search, paging."""

from __future__ import annotations

from flows.home import HouseholdStatus, Stage, household_page


def status(number: int, stage: Stage, name: str = "") -> HouseholdStatus:
    return HouseholdStatus(number, f"KK-{number:03d}", name or f"Keluarga {number}", stage)


def test_drafts_come_first_then_new_then_submitted() -> None:
    households = [status(1, Stage.SUBMITTED), status(2, Stage.NOT_STARTED), status(3, Stage.DRAFT),
                  status(4, Stage.NOT_STARTED)]
    page = household_page(households)
    assert [h.household_id for h in page.items] == [3, 2, 4, 1]
    assert (page.number, page.count, page.has_previous, page.has_next) == (0, 1, False, False)


def test_pages_of_eight_and_clamping() -> None:
    households = [status(n, Stage.NOT_STARTED) for n in range(1, 21)]
    first, last = household_page(households, 0), household_page(households, 2)
    assert len(first.items) == 8 and first.has_next and not first.has_previous
    assert [h.household_id for h in last.items] == [17, 18, 19, 20]
    assert last.count == 3 and not last.has_next
    assert household_page(households, 99).number == 2
    assert household_page(households, -5).number == 0
    assert household_page([], 3).items == () and household_page([], 3).count == 1


def test_search_by_part_of_the_name_or_code_ignoring_case_and_accents() -> None:
    households = [status(1, Stage.DRAFT, "Siti Aminah"), status(2, Stage.DRAFT, "Budi Santoso"),
                  status(12, Stage.DRAFT, "Andi  Rahmat")]
    assert [h.household_id for h in household_page(households, query="AMINAH").items] == [1]
    assert [h.household_id for h in household_page(households, query="kk-01").items] == [12]
    assert [h.household_id for h in household_page(households, query="andi rahmat").items] == [12]
    assert [h.household_id for h in household_page(households, query=" sántoso ").items] == [2]
    assert household_page(households, query="zzz").total == 0

"""Test helpers for storage: a settable clock and a ready-made draft interview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.records import InstrumentRef, Interview
from storage.repository import Repository

INSTRUMENT = InstrumentRef("ketahanan-keluarga-24", "1.0", "sha256:0123abcd")
ROUND = "2026-1"


class FakeClock:
    """A settable clock for Database.open(clock=...)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)


async def new_interview(repo: Repository, code: str = "KK-001", first: str | None = "q1") -> Interview:
    """A kader, a household assigned to them, and a draft interview at question `first`."""
    kader = await repo.people.add(f"Kader {code}", "kader", kelurahan="Guntung Manggis")
    household = await repo.households.add(
        code, "Budi", "Jl. Mawar 1", "001", "002", "Guntung Manggis", kader_id=kader.id
    )
    return await repo.interviews.start(household.id, kader.id, INSTRUMENT, ROUND, first)

"""The path of one answer press through the project: which of our files run between the update
arriving and the row being committed (issue 12 asks for a handful, not seventeen)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

from sandbox.fakeapi import FakeUser
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import open_first_family

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("tests/", "sandbox/", "benchmarks/")
"""Not the bot: the test itself and the fake Bot API, which share the event loop."""
BEFORE_DISPATCH = {
    "handlers/updates.py",  # the per-chat processor PTB hands each update to
    "handlers/flood.py", "flows/flood.py",  # flood control, in that processor
    "telegram_io/http.py",  # the updater's long poll, running meanwhile
}
STATIONS = {
    "handlers/account.py", "app/account.py",  # the gate: who is it
    "handlers/routing.py", "flows/callbacks.py", "handlers/permissions.py",  # which button, allowed?
    "handlers/survey.py",  # the answer button's handler
    "app/interviews.py",  # the use case
    "flows/resume.py", "flows/interview.py",  # the engine's decision and its walk
    "storage/sqlite/interviews.py",  # load and the compare-and-set write
}
SUPPORT = {
    "handlers/context.py", "app/services.py",  # the context and services handed to each step
    "flows/answers.py", "flows/instrument/model.py", "flows/expressions.py",  # the instrument's data
    "storage/sqlite/people.py", "storage/sqlite/database.py", "storage/sqlite/table.py",
    "storage/convert.py",  # the person read on the loop, the connection, rows to records
}
PATH = BEFORE_DISPATCH | STATIONS | SUPPORT
"""Every project file an answer press may run through, up to its commit."""


def project_files_of(calls: set[str]) -> set[str]:
    """The project's own files among those that ran."""
    return {rel for name in calls
            if name.startswith(str(ROOT)) and ".venv" not in name
            and not (rel := str(Path(name).relative_to(ROOT))).startswith(OUTSIDE)}


async def test_an_answer_press_runs_through_a_handful_of_files(running: RunningBot) -> None:
    user: FakeUser = running.api.user(810001, first_name="Siti")
    kader = await running.person("Siti Aminah", telegram_id=810001)
    await running.households(kader, 1)
    await open_first_family(user)
    written: list[str] = []
    called: set[str] = set()
    original = running.repo.interviews.record_answer

    async def record_answer(*args: Any, **kwargs: Any) -> bool:
        written.append(sys._getframe(1).f_code.co_filename)  # who asked for the write
        committed = await original(*args, **kwargs)
        sys.setprofile(None)  # the commit is the end of the path
        return committed

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            called.add(frame.f_code.co_filename)

    running.repo.interviews.record_answer = record_answer  # type: ignore[method-assign]
    sys.setprofile(profile)
    try:
        await user.press("Ya, tercatat")
    finally:
        sys.setprofile(None)
    assert written == [str(ROOT / "app" / "interviews.py")]
    files = project_files_of(called)
    below = files - BEFORE_DISPATCH
    print(f"\n{len(below)} project files below the dispatcher up to the commit: {sorted(below)}")
    assert files <= PATH, sorted(files - PATH)
    assert files >= STATIONS

"""The survey's handlers through a light fake context: a press becomes one use case and one screen,
answered once; a stale press and a forged one are told so, and nothing is written for them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app import interviews
from app.services import Services
from bot import button_routes
from flows.callbacks import AnswerButton
from handlers.routing import button_handler
from storage.records import Person
from storage.repository import Repository
from tests.app.admin_world import services
from tests.handlers.fakes import FakeBot, FakeContext, press
from tests.storage.factories import FakeClock

CHAT = 555001


@pytest.fixture
def svc(config_file: Path, repo: Repository, clock: FakeClock) -> Services:
    return services(config_file, repo, clock)


async def open_interview(svc: Services, repo: Repository) -> tuple[Person, int, int]:
    """A kader at the first question of a family's interview, shown in message 42."""
    kader = await repo.people.add("Siti", "kader", kelurahan="Guntung Manggis")
    household = await repo.households.add("GM-001", "Budi", "Jl. Mawar 1", "001", "002",
                                          "Guntung Manggis", kader_id=kader.id)
    outcome = await interviews.start(svc, kader, household.id)
    assert isinstance(outcome, interviews.Shown)
    await interviews.remember_message(svc, outcome.screen.interview, 42)
    kader = await repo.people.get(kader.id)
    assert kader is not None
    return _with_chat(kader), outcome.screen.interview.id, 42


def _with_chat(person: Person) -> Person:
    """The person as joined from the test's chat."""
    return replace(person, telegram_user_id=CHAT)


async def test_an_answer_edits_the_question_in_place_and_answers_the_press(svc: Services,
                                                                          repo: Repository) -> None:
    kader, interview_id, message_id = await open_interview(svc, repo)
    first = svc.engine.first_question.id
    context = FakeContext(svc, kader)
    data = AnswerButton(interview=interview_id, question=first, value="yes").encode()
    await button_handler(button_routes())(press(context.bot, kader, data, message_id), context)  # type: ignore[arg-type]
    assert context.bot.methods() == ["editMessageText", "answerCallbackQuery"]
    edited = context.bot.last("editMessageText")
    assert edited["message_id"] == message_id and "2/24" in edited["text"]
    assert context.bot.last("answerCallbackQuery")["text"] is None
    assert (await repo.interviews.answers(interview_id))[first].value == "yes"


async def test_the_same_press_again_is_stale_and_writes_nothing(svc: Services, repo: Repository) -> None:
    kader, interview_id, message_id = await open_interview(svc, repo)
    first = svc.engine.first_question.id
    handle = button_handler(button_routes())
    data = AnswerButton(interview=interview_id, question=first, value="yes").encode()
    await handle(press(FakeBot(), kader, data, message_id), FakeContext(svc, kader))  # type: ignore[arg-type]
    before = await repo.interviews.answers(interview_id)
    again = FakeContext(svc, kader)
    stale = AnswerButton(interview=interview_id, question=first, value="unregistered").encode()
    await handle(press(again.bot, kader, stale, message_id), again)  # type: ignore[arg-type]
    assert again.bot.last("answerCallbackQuery")["text"] == svc.text(kader, "already_answered")
    assert await repo.interviews.answers(interview_id) == before


async def test_a_forged_or_foreign_press_is_refused_with_an_alert(svc: Services, repo: Repository) -> None:
    kader, interview_id, message_id = await open_interview(svc, repo)
    other = _with_chat(await repo.people.add("Dewi", "kader", kelurahan="Guntung Manggis"))
    first = svc.engine.first_question.id
    context = FakeContext(svc, other)
    data = AnswerButton(interview=interview_id, question=first, value="yes").encode()
    await button_handler(button_routes())(press(context.bot, other, data, message_id), context)  # type: ignore[arg-type]
    assert context.bot.methods() == ["answerCallbackQuery"]
    answer = context.bot.last("answerCallbackQuery")
    assert answer == {"text": svc.text(other, "not_yours"), "show_alert": True}
    forged = FakeContext(svc, kader)
    await button_handler(button_routes())(press(forged.bot, kader, "v1:a:1:x", message_id), forged)  # type: ignore[arg-type]
    assert forged.bot.last("answerCallbackQuery") == {"text": svc.text(kader, "unknown_button"),
                                                     "show_alert": True}
    assert await repo.interviews.answers(interview_id) == {}

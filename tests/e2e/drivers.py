"""Kader who behave like people on a bad line: they look at the bottom of the chat, press what the
screen offers, and when nothing happens they press again (after typing a number: send /survey).

A :class:`PersonKader` knows only what the chat shows, the questionnaire, and which answer it means
to give each question. An answer counts as *acknowledged* when the bot's reaction to the answering
press or message showed the next question. Works with the bot in process or as a subprocess.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from flows.answers import Answer
from flows.callbacks import (
    AnswerButton,
    BackButton,
    Button,
    ConsentButton,
    DoneButton,
    HouseholdButton,
    ListButton,
    RefuseButton,
    ResumeButton,
    SubmitButton,
    ToggleButton,
    decode,
)
from flows.instrument import Question
from sandbox.fakeapi import BotMessage, FakeBotApi, FakeUser

Resumed = Callable[["PersonKader", int, str | None], Awaitable[None]]
"""Called with (kader, interview, question shown; None at the review) for the first interview screen
the bot shows after a restart."""
B = TypeVar("B", bound=Button)
CHOICE_KINDS: set[type[Button]] = {AnswerButton, ToggleButton, DoneButton, RefuseButton, BackButton}


def typed_values(rng: random.Random) -> dict[str, tuple[str, int]]:
    """What a kader types for the number questions: values that differ from each other, so that a
    number applied to the wrong question would show."""
    children = rng.randint(3, 6)
    certified = rng.randint(1, children - 1)
    members = children + rng.randint(2, 4)
    income = rng.randint(11, 49) * 100_000
    return {"children_0_17": (str(children), children), "children_akta": (str(certified), certified),
            "members": (str(members), members),
            "income_month": (f"Rp {income // 1000}rb", income)}


@dataclass(frozen=True)
class Screen:
    """The latest message with buttons in a chat, with its buttons' parsed callback data."""

    message: BotMessage
    buttons: list[Button]

    def first(self, *kinds: type[B]) -> B | None:
        """The first button of one of these kinds."""
        return next((cb for cb in self.buttons if isinstance(cb, kinds)), None)

    @property
    def kind(self) -> str:
        """home, card, question, review, list_only (a result card or a paused interview) or other."""
        has = {type(cb) for cb in self.buttons}
        if SubmitButton in has:
            return "review"
        if has & CHOICE_KINDS:
            return "question"
        if has & {ConsentButton, ResumeButton}:
            return "card"
        if HouseholdButton in has:
            return "home"
        return "list_only" if has == {ListButton} else "other"

    @property
    def interview(self) -> int | None:
        """The interview a question or review screen belongs to."""
        return next((cb.interview for cb in self.buttons if isinstance(cb, SubmitButton | BackButton)), None)

    @property
    def question(self) -> str | None:
        """The question a question screen shows (its Back button carries it); None at the review."""
        back = self.first(BackButton)
        return back.position if back is not None else None


@dataclass
class PersonKader:
    """One kader working through ``households`` (id → code) in their chat."""

    api: FakeBotApi
    user: FakeUser
    households: Mapping[int, str]
    questions: Mapping[str, Question]
    rng: random.Random
    typed: Mapping[str, tuple[str, int]]  # number question → (what the kader types, its value)
    reaction_timeout: float = 5.0
    text_settle: float = 0.25  # quiet after a typed message that counts as "the bot has replied"
    refuse_share: float = 0.05
    on_resumed: Resumed | None = None
    done: set[int] = field(default_factory=set)  # households whose result card the kader saw
    intended: dict[tuple[int, str], Answer] = field(default_factory=dict)  # every answer given
    acknowledged: dict[tuple[int, str], Answer] = field(default_factory=dict)
    on_acknowledged: Callable[[int, str], Awaitable[None]] | None = None
    actions: int = 0
    retries: int = 0  # actions after which the screen had not changed (no reaction, or a lost reply)
    resumed_since: float | None = None
    _target: int | None = None
    _typed_unacknowledged: bool = False

    @property
    def finished(self) -> bool:
        """The kader saw the result card of every household."""
        return self.done >= set(self.households)

    def restarted(self, at: float) -> None:
        """The bot was restarted at loop time ``at``: the next interview screen is a resumption."""
        self.resumed_since = at

    async def run(self, deadline: float) -> None:
        """Act until every household is submitted; AssertionError after ``deadline`` (loop time)."""
        loop = asyncio.get_running_loop()
        while not self.finished:
            if loop.time() > deadline:
                screen = self._screen()
                raise AssertionError(f"kader {self.user.id} did not finish: done {sorted(self.done)} of "
                                     f"{sorted(self.households)}; screen {screen and screen.kind}: "
                                     f"{screen and screen.message.text[:200]!r}")
            await self.step()

    async def step(self) -> None:
        """Look at the chat and do the one thing a person would do next."""
        screen = self._screen()
        if screen is None or screen.kind == "other" or self._typed_unacknowledged:
            self._typed_unacknowledged = False
            await self._send("/survey")
        elif screen.kind == "home":
            await self._pick_household(screen)
        elif screen.kind == "card":
            button = screen.first(ConsentButton, ResumeButton)
            assert button is not None
            await self._press(screen, button)
        elif screen.kind == "question":
            await self._answer(screen)
        elif screen.kind == "review":
            button = screen.first(SubmitButton)
            assert button is not None
            await self._press(screen, button)
        else:
            self._note_result(screen)
            if not self.finished:
                button = screen.first(ListButton)
                assert button is not None
                await self._press(screen, button)

    # --- what the person does ----------------------------------------------------------

    def _note_result(self, screen: Screen) -> None:
        """A result card of the family being surveyed: that one is done."""
        text = screen.message.text
        if self._target is not None and f"({self.households[self._target]})" in text and (
                text.startswith("Hasil") or text.startswith("Result")):
            self.done.add(self._target)
            self._target = None

    async def _pick_household(self, screen: Screen) -> None:
        for callback in screen.buttons:
            if (isinstance(callback, HouseholdButton) and callback.household in self.households
                    and callback.household not in self.done):
                self._target = callback.household
                await self._press(screen, callback)
                return
        button = screen.first(ListButton)
        if button is not None:
            await self._press(screen, button)
        else:
            await self._send("/survey")

    async def _answer(self, screen: Screen) -> None:
        interview, question_id = screen.interview, screen.question
        assert interview is not None and question_id is not None
        answer = self.intended.get((interview, question_id))
        if answer is None:
            answer = self.intended[interview, question_id] = self._choose(screen, question_id)
        if answer.refused:
            button = screen.first(RefuseButton)
        elif question_id in self.typed:
            acknowledged = await self._send(self.typed[question_id][0], answering=(interview, question_id))
            self._typed_unacknowledged = not acknowledged
            return
        elif self.questions[question_id].type == "multiple":
            button = self._select(screen, answer)
        else:
            button = next(cb for cb in screen.buttons
                          if isinstance(cb, AnswerButton) and cb.value == answer.value)
        assert button is not None
        await self._press(screen, button, answering=(interview, question_id))

    def _choose(self, screen: Screen, question_id: str) -> Answer:
        if screen.first(RefuseButton) is not None and self.rng.random() < self.refuse_share:
            return Answer.refusal(question_id)
        if question_id in self.typed:
            return Answer(question_id, self.typed[question_id][1])
        options = self.questions[question_id].options
        if self.questions[question_id].type == "multiple":
            return Answer(question_id, (self.rng.choice(options).value,))
        return Answer(question_id, self.rng.choice(options).value)

    def _select(self, screen: Screen, answer: Answer) -> Button | None:
        """A multiple choice: tick the chosen option (untick any other first), then Lanjut."""
        options = [o.value for o in self.questions[answer.question_id].options]
        assert isinstance(answer.value, tuple)
        want = sum(1 << options.index(value) for value in answer.value)
        done = screen.first(DoneButton)
        current = done.mask if done is not None else 0
        if done is not None and current == want:
            return done
        toggles = {cb.mask: cb for cb in screen.buttons if isinstance(cb, ToggleButton)}
        extra = current & ~want
        return toggles.get(current & ~(extra & -extra)) if extra else toggles.get(current | want)

    # --- acting and waiting ------------------------------------------------------------

    async def _press(self, screen: Screen, callback: Button, *,
                     answering: tuple[int, str] | None = None) -> None:
        """Press a button; the bot answering its callback query is the reaction."""
        self.actions += 1
        before = self._state()
        query = self.api._queries[self.user.push_press(callback.encode(), screen.message.message_id)]
        reacted = await self._wait(lambda: query.tries > 0, self.api.settle)
        await self._after(reacted, before, answering)

    async def _send(self, text: str, *, answering: tuple[int, str] | None = None) -> bool:
        """Send a text; a call for this chat and a quiet moment after it are the reaction."""
        self.actions += 1
        calls, before = self.api._attempts[self.user.id], self._state()
        update_id = self.user.push_text(text)
        reacted = await self._wait(lambda: update_id in self.api._fetched
                                   and self.api._attempts[self.user.id] > calls, self.text_settle)
        return await self._after(reacted, before, answering)

    async def _wait(self, ready: Callable[[], bool], settle: float) -> bool:
        try:
            await self.api._settle(self.user.id, ready, "reaction", settle, self.reaction_timeout)
        except AssertionError:
            return False
        return True

    async def _after(self, reacted: bool, before: tuple[int, int, str] | None,
                     answering: tuple[int, str] | None) -> bool:
        """Check a resumption, record an acknowledged answer; True if the answer was acknowledged."""
        screen = self._screen()
        if not reacted or self._state() == before:
            self.retries += 1
        if screen is None or screen.kind not in {"question", "review"}:
            return False
        if self.resumed_since is not None and screen.message.updated_at >= self.resumed_since:
            self.resumed_since = None
            if self.on_resumed is not None:
                await self.on_resumed(self, screen.interview or 0, screen.question)
        if answering is None or screen.interview != answering[0] or screen.question == answering[1]:
            return False
        self.acknowledged[answering] = self.intended[answering]
        if self.on_acknowledged is not None:
            await self.on_acknowledged(*answering)
        return True

    def _screen(self) -> Screen | None:
        keyed = [m for m in self.user.messages if m.buttons]
        if not keyed:
            return None
        rows = (keyed[-1].reply_markup or {}).get("inline_keyboard", [])
        return Screen(keyed[-1], [parsed for row in rows for b in row
                                  if (parsed := decode(b.get("callback_data"))) is not None])

    def _state(self) -> tuple[int, int, str] | None:
        screen = self._screen()
        return None if screen is None else (screen.message.message_id, screen.message.edits,
                                            screen.message.text)

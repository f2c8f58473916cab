"""The authorization matrix: every command and every kind of button, pressed by every role, against
the one table in handlers/permissions.py and the data-ownership rule.

Commands are enumerated from the running Application's handlers and buttons from every registered
kind of button (confirmations once per verb of ``VERBS``), so a new command or button cannot escape this test.
Every payload is well formed and points at kader A's household, interview or person: for everybody
but kader A (and the admin where the table lets them) that is someone else's data. Each press is
classified from the chat (a refusal text from the locale, alone) and the database (nothing written
when refused), and compared with what the table says; on a mismatch the whole matrix is printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.ext import CommandHandler

from bot import button_routes
from flows.callbacks import CONFIRMATIONS, KINDS, Button, ConfirmButton, decode
from handlers.permissions import CAPABILITIES, VERBS
from sandbox.fakeapi import FakeBotApi, FakeUser
from storage.records import Household, Person
from tests.e2e.harness import KELURAHAN, RunningBot
from tests.e2e.test_survey import open_first_family

OTHER_KELURAHAN = "Komet"
ROLES = ("stranger", "deactivated", "kader_b", "coordinator", "agency", "kader_a", "admin")
"""Columns of the matrix; kader A (the owner) and the admin press last, so the refused presses of
the others meet the data exactly as the owner left it."""
REFUSAL_KEYS = ("stranger", "not_allowed", "not_yours", "kader_only", "admin_only")
APOLOGY_KEYS = ("error_apology", "network_trouble")
HOUSEHOLD_VERBS = frozenset({"reopen", "erase", "keep"})
"""Confirmable verbs whose subject is a household (every other verb's subject is a person)."""
LAST = (("y", "erase"), ("y", "deactivate"))
"""Buttons that change kader A's data for good: pressed at the very end, in this order."""
CHAT_IDS = {role: 870001 + number for number, role in enumerate(ROLES)}
COMMAND_ARGS = {"reopen": "{a1}", "erase": "{a1}", "assign": "{a2} ke Siti Aminah"}
"""Arguments that make a command touch kader A's households (other commands are sent bare)."""


@pytest.fixture
def config_file(config_file: Path) -> Path:
    """The test config without flood control: each person here sends far more than a person would."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config.setdefault("flood", {})["enabled"] = False
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return config_file


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API with a short settle: every press waits for its update to be handled anyway."""
    api = await FakeBotApi.start(settle=0.01)
    yield api
    await api.stop()


@dataclass(frozen=True)
class Kind:
    """One row of the matrix: a command, or a button action (with its verb for confirmations)."""

    command: str | None = None
    button: type[Button] | None = None
    verb: str | None = None

    @property
    def label(self) -> str:
        """How the row is shown: ``/survey``, ``Answer``, ``Confirm erase``."""
        if self.command is not None:
            return f"/{self.command}"
        assert self.button is not None
        name = self.button.__name__.removesuffix("Button")
        return f"{name} {self.verb}" if self.verb else name

    @property
    def owned(self) -> bool:
        """Whether the payload names kader A's household or interview (the ownership rule applies)."""
        if self.button is None:
            return False
        carried = decode(build(self.button, EVERY_FIELD | {"verb": self.verb or "v"}).encode())
        assert carried is not None
        return hasattr(carried, "interview") or hasattr(carried, "household") \
            or self.verb in HOUSEHOLD_VERBS


EVERY_FIELD: dict[str, Any] = {"interview": 1, "household": 1, "question": "q", "position": "q",
                               "value": "v", "mask": 1, "page": 0, "index": 0, "language": "id",
                               "role": "kader", "person": 1, "verb": "v", "subject": 1}


def build(kind: type[Button], values: dict[str, Any]) -> Button:
    """A payload of ``kind`` with each of its fields taken from ``values``."""
    return kind(**{f.name: values[f.name] for f in dataclasses.fields(kind)})


@dataclass
class Cell:
    """What one role got for one kind."""

    expected: bool
    outcome: str  # "allowed", "refused", or what went wrong ("refused but wrote", "error"...)
    reaction: str

    @property
    def ok(self) -> bool:
        """The outcome is what the table says."""
        return self.outcome == ("allowed" if self.expected else "refused")


@dataclass
class World:
    """The people, their chats and kader A's data."""

    bot: RunningBot | None
    people: dict[str, Person | None]
    chats: dict[str, FakeUser]
    kader_a: Person
    kader_b: Person
    own: list[Household]
    others: list[Household]
    kader_households: bool = False
    """The config's ``imports.allow_kader_households``."""
    interview_id: int = 0
    matrix: dict[Kind, dict[str, Cell]] = field(default_factory=dict)


def commands_of(bot: RunningBot) -> list[str]:
    """Every command the Application answers, from its registered handlers."""
    return sorted({command for handlers in bot.app.handlers.values() for handler in handlers
                   if isinstance(handler, CommandHandler) for command in handler.commands})


def button_kinds() -> list[Kind]:
    """Every kind of button: each registered kind, and each confirmation once per verb."""
    kinds = [Kind(button=kind, verb=verb) for kind in KINDS.values()
             for verb in (sorted(VERBS) if kind in CONFIRMATIONS else [None])]
    last = [Kind(button=KINDS[code], verb=verb) for code, verb in LAST]
    return [kind for kind in kinds if kind not in last] + last


def expected(world: World, role: str, kind: Kind) -> bool:
    """What the table in permissions.py, the config and the ownership rule say about this cell."""
    person = world.people[role]
    if person is None or not person.active:
        return False
    if kind.command is not None:
        may = person.role in CAPABILITIES.get(kind.command, frozenset())
        if kind.command == "household" and person.role == "kader":  # config: kader may add families?
            may = may and world.kader_households
        return may
    assert kind.button is not None
    may = person.role in CAPABILITIES[button_routes()[kind.button].capability]
    if kind.button in CONFIRMATIONS:
        may = may and person.role in CAPABILITIES[VERBS[kind.verb or ""]]
    if kind.owned and person.role == "kader":  # a kader: only their own households
        may = may and person.id == world.kader_a.id
    return may


async def payload(world: World, kind: Kind) -> str:
    """Well-formed callback data for ``kind`` pointing at kader A's data as it is now.

    The interview is kader A's open one (on their first family); the household is their second, not
    yet started, so that a consent pressed by someone else would show as a write. A tick of a
    multiple choice needs the interview at such a question: it is moved there first (as kader A would
    by answering), before anything is measured.
    """
    assert kind.button is not None and world.bot is not None
    repo, engine = world.bot.repo, world.bot.svc.engine
    interview = await repo.interviews.get(world.interview_id)
    current = interview.current_question if interview else None
    question = engine.questions.get(current or "") or engine.first_question
    if kind.button in (KINDS["t"], KINDS["d"]) and question.type != "multiple":
        question = next(q for q in engine.order if q.type == "multiple")
        assert await repo.interviews.move_to(world.interview_id, expected_current=current,
                                             question_id=question.id)
    value = question.options[0].value if question.options else "x"
    subject = world.own[0].id if kind.verb in HOUSEHOLD_VERBS else world.kader_a.id
    return build(kind.button, {
        "interview": world.interview_id, "household": world.own[1].id, "question": question.id,
        "position": question.id, "value": value, "mask": 1, "page": 0, "index": 0, "language": "id",
        "role": "kader", "person": world.kader_a.id, "verb": kind.verb, "subject": subject}).encode()


async def snapshot(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    conn = bot.repo.db.conn
    tables = [name for (name,) in await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {table: [tuple(row) for row in await conn.execute_fetchall(f"SELECT * FROM {table}")]
            for table in tables}


async def try_cell(world: World, role: str, kind: Kind) -> Cell:
    """Send the command or press the button as ``role``; classify what happened."""
    bot, user = world.bot, world.chats[role]
    assert bot is not None
    refusals = texts(bot, REFUSAL_KEYS)
    apologies = texts(bot, APOLOGY_KEYS)
    data = await payload(world, kind) if kind.button is not None else None
    before_db, before_calls = await snapshot(bot), len(bot.api.calls_for(user.id))
    before_messages, before_errors = {m.message_id: (m.text, m.edits) for m in user.messages}, len(
        bot.api.errors)
    alert: str | None = None
    if kind.command is not None:
        argument = COMMAND_ARGS.get(kind.command, "").format(a1=world.own[0].code, a2=world.own[1].code)
        await user.send(f"/{kind.command} {argument}".strip(), expect_reply=False)
    else:
        on = max(m.message_id for m in user.messages if m.kind == "text")  # buttons sit on texts
        query = await user.press_data(data or "", on)
        alert = query.text if query is not None else None
    calls = bot.api.calls_for(user.id)[before_calls:]
    changed = [m.text for m in user.messages if before_messages.get(m.message_id) != (m.text, m.edits)]
    reaction = " | ".join(text[:50] for text in ([alert] if alert else []) + changed) + " ".join(
        bot.api.errors[before_errors:])
    written = await snapshot(bot) != before_db
    acted = [c.method for c in calls if c.method != "answerCallbackQuery"]
    if apologies & set(changed):  # the error handler ran
        outcome = "error"
    elif (alert in refusals and not acted) or (kind.command is not None and changed and
                                               set(changed) <= refusals and acted == ["sendMessage"]):
        outcome = "refused but wrote" if written else "refused"
    elif refusals & set(changed) or alert in refusals:
        outcome = "refused but also acted"
    elif not calls:
        outcome = "silent"
    else:
        outcome = "allowed"
    return Cell(expected(world, role, kind), outcome, reaction)


def texts(bot: RunningBot, keys: tuple[str, ...]) -> set[str]:
    """The locale texts of ``keys`` in every language (keys a catalog lacks are skipped)."""
    found = set()
    for language in bot.svc.catalog.languages:
        for key in keys:
            with contextlib.suppress(KeyError):
                found.add(bot.svc.catalog.text(language, key))
    return found


def render(world: World) -> str:
    """The matrix as text: ✓ allowed, · refused, ✗ a cell that differs from the table."""
    width = max(len(kind.label) for kind in world.matrix) + 1
    lines = [" " * width + " ".join(f"{role[:11]:>11}" for role in ROLES)]
    for kind, cells in world.matrix.items():
        marks = [("✓" if cell.outcome == "allowed" else "·" if cell.outcome == "refused" else "?")
                 + ("" if cell.ok else "✗") for cell in (cells[role] for role in ROLES)]
        lines.append(f"{kind.label:<{width}}" + " ".join(f"{mark:>11}" for mark in marks))
    lines.append("✓ allowed · refused ? neither  ✗ differs from handlers/permissions.py")
    lines += [f"✗ {kind.label} as {role}: expected {'allowed' if cell.expected else 'refused'}, got "
              f"{cell.outcome}: {cell.reaction!r}" for kind, cells in world.matrix.items()
              for role, cell in cells.items() if not cell.ok]
    return "\n".join(lines)


def forbidden_texts(world: World) -> Iterator[tuple[str, str]]:
    """(role, text) pairs: data a role must never be shown."""
    def family(households: list[Household]) -> list[str]:
        return [text for h in households for text in (h.code, h.head_name)]

    yield from (("kader_a", text) for text in family(world.others))
    yield from (("kader_b", text) for text in family(world.own))
    yield from (("coordinator", text) for text in [*family(world.others), world.kader_b.name])
    for role in ("stranger", "deactivated"):
        yield from ((role, text) for text in family(world.own + world.others))


async def setup_world(bot: RunningBot) -> World:
    """Seven people: a stranger, a deactivated kader, kader A and B, a coordinator, an official, an admin."""
    kader_a_chat, kader_a, own = await bot.kader(CHAT_IDS["kader_a"], "Siti Aminah", families=3)
    kader_b = await bot.person("Budi Santoso", telegram_id=CHAT_IDS["kader_b"], kelurahan=OTHER_KELURAHAN)
    others = await bot.households(kader_b, 2, prefix="KM")
    deactivated = await bot.person("Ani Lestari", telegram_id=CHAT_IDS["deactivated"])
    assert await bot.repo.people.set_active(deactivated.id, False)
    people: dict[str, Person | None] = {
        "stranger": None,
        "deactivated": await bot.repo.people.get(deactivated.id),
        "kader_b": kader_b,
        "coordinator": await bot.person("Rina Wati", "coordinator", telegram_id=CHAT_IDS["coordinator"]),
        "agency": await bot.person("Rahman Hadi", "agency", telegram_id=CHAT_IDS["agency"], kelurahan=None,
                                   agency="DINSOS"),
        "kader_a": kader_a,
        "admin": await bot.person("Dewi Lestari", "admin", telegram_id=CHAT_IDS["admin"], kelurahan=None),
    }
    chats = {role: bot.api.user(chat_id, first_name=role.title()) for role, chat_id in CHAT_IDS.items()}
    chats["kader_a"] = kader_a_chat
    world = World(bot, people, chats, kader_a, kader_b, own, others,
                  kader_households=bot.svc.settings.imports.allow_kader_households)
    await open_first_family(kader_a_chat)
    [interview] = await bot.repo.interviews.for_kader(kader_a.id, bot.svc.settings.survey_round)
    world.interview_id = interview.id
    for chat in chats.values():  # every chat needs a message of the bot to press buttons on
        await chat.send("/help", expect_reply=False)
    return world


@pytest.mark.slow  # several hundred presses
async def test_every_command_and_button_as_every_role(running: RunningBot) -> None:
    assert running.app.job_queue is not None
    running.app.job_queue.scheduler.pause()  # nothing but the presses may write
    world = await setup_world(running)
    commands = commands_of(running)
    assert {"start", "survey", "invite", "erase", "digest"} <= set(commands)
    for kind in [Kind(command=command) for command in commands] + button_kinds():
        world.matrix[kind] = {role: await try_cell(world, role, kind) for role in ROLES}
    matrix = render(world)
    print(f"\n{matrix}")  # shown with -s; in the assertion message when a cell differs
    assert all(cell.ok for cells in world.matrix.values() for cell in cells.values()), matrix
    # Each column has both outcomes where the table has both: the test can tell them apart.
    for role in ("kader_a", "kader_b", "coordinator", "agency", "admin"):
        outcomes = {cell.outcome for cells in world.matrix.values() for cell in [cells[role]]}
        assert outcomes == {"allowed", "refused"}, (role, matrix)
    # Data ownership in what allowed replies show: nobody saw another's families; the coordinator
    # saw only their kelurahan, while the admin's /progress covers both.
    shown = {role: "\n".join([m.text for m in chat.messages] + chat.alerts)
             for role, chat in world.chats.items()}
    leaks = [(role, text) for role, text in forbidden_texts(world) if text in shown[role]]
    assert leaks == [], leaks
    assert KELURAHAN in shown["coordinator"] and OTHER_KELURAHAN not in shown["coordinator"]
    assert OTHER_KELURAHAN in shown["admin"] and world.kader_b.name in shown["admin"]


def test_the_matrix_covers_every_action_and_verb() -> None:
    kinds = button_kinds()
    assert {kind.button for kind in kinds} == set(KINDS.values())
    assert {kind.verb for kind in kinds if kind.button is ConfirmButton} == set(VERBS)
    assert len(kinds) == len(set(kinds))
    owned = {kind.label for kind in kinds if kind.owned}
    assert {"Answer", "Submit", "Household", "Consent", "Confirm erase", "Ask reopen"} <= owned
    assert not owned & {"List", "Language", "PeoplePage", "Person", "Confirm deactivate", "Cancel dialog"}
    assert [(kind.button.CODE, kind.verb) for kind in kinds[-len(LAST):]] == list(LAST)  # type: ignore[union-attr]


def test_expected_cells_follow_the_table() -> None:
    """The derivation itself: refusals for strangers and the deactivated, ownership for kader."""
    a, b = _person(1, "kader"), _person(2, "kader")
    world = World(None, {"kader_a": a, "kader_b": b, "admin": _person(3, "admin"), "stranger": None,
                         "deactivated": _person(4, "kader", active=False)}, {}, a, b, [], [])
    answer = Kind(button=KINDS["a"])
    assert expected(world, "kader_a", answer) and not expected(world, "kader_b", answer)
    assert not expected(world, "admin", answer) and not expected(world, "deactivated", answer)
    assert expected(world, "kader_b", Kind(button=KINDS["l"]))
    assert expected(world, "admin", Kind(button=ConfirmButton, verb="erase"))
    assert not expected(world, "kader_a", Kind(button=ConfirmButton, verb="erase"))
    assert not expected(world, "stranger", Kind(command="help"))
    assert not expected(world, "kader_a", Kind(command="household"))
    world.kader_households = True
    assert expected(world, "kader_a", Kind(command="household"))
    assert expected(world, "admin", Kind(command="household"))


def _person(person_id: int, role: str, *, active: bool = True) -> Person:
    return Person(person_id, person_id, "X", role, None, None, "id", active,  # type: ignore[arg-type]
                  datetime.now(UTC), None, None, None)

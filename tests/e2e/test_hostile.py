"""The hostile input corpus (tests/hostile/corpus.py) through the real Application and the fake Bot API.

One Application per group of cases. Every case must get a reply (a message sent or edited, or a
callback answer) matching its locale key or pattern, never the error apology, never a refusal by
the Bot API (e.g. HTML that broke ``parse_mode``), never an ERROR log record; and the database must
be as it was, table by table, except the tables the case names. Every table is compared, the audit
log and the outbox included: no refusal in the corpus has a reason to write either (the one case
that legitimately audits, ``/export xyz``, says so). Two columns are left out of the comparison:
``interviews.message_id`` and ``interviews.last_text_message_id``, the chat messages that show an
interview, which move to the bottom of the chat whenever a question is shown again. Every
``CONTROL_EVERY`` cases, and at the end, a control kader answers a question and must see the next.
"""

from __future__ import annotations

import html
import logging
import re
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.callbacks import BackButton
from sandbox.fakeapi import NOT_MODIFIED, FakeBotApi, FakeUser, TelegramHtml
from storage.records import DialogState, Interview, Person
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import answer_current, open_first_family
from tests.hostile.corpus import (
    CASES,
    CATEGORIES,
    GROUPS,
    MARKUP_HEAD,
    MARKUP_PERSON,
    MAX_ROWS,
    MISSING,
    Case,
    group,
)

ROOT = Path(__file__).resolve().parents[2]
CONTROL_EVERY = 10
ADMIN_SENDERS = ("admin", "importer", "admin_head", "admin_rt", "admin_kader_step", "admin_invite_name")
IGNORED_COLUMNS = {"interviews": {"message_id", "last_text_message_id"}}
TEXT_METHODS = {"sendMessage": "text", "editMessageText": "text", "sendPhoto": "caption",
                "sendDocument": "caption", "editMessageCaption": "caption", "answerCallbackQuery": "text"}


def locale_texts(language: str = "id") -> dict[str, str]:
    """The raw templates of one language."""
    texts: dict[str, str] = {}
    for path in sorted((ROOT / "locales" / language).glob("*.yaml")):
        texts |= yaml.safe_load(path.read_text(encoding="utf-8"))
    return texts


TEXTS = locale_texts()
FAILURE_NOTICES = [key for key in ("error_apology", "network_trouble") if key in TEXTS]
"""What the bot says when handling failed; nothing fails here (no faults are injected)."""


def key_pattern(key: str) -> re.Pattern[str]:
    """A template as shown in the chat (tags gone, entities decoded), any value in its fields."""
    hole = "\x00HOLE\x00"
    template = "".join(literal + (hole if name is not None else "")
                       for literal, name, _, _ in string.Formatter().parse(TEXTS[key]))
    shown = html.unescape(re.sub(r"<[^>]+>", "", template))
    return re.compile(re.escape(shown).replace(re.escape(hole), ".*?"), re.DOTALL)


def shown_text(method: str, params: dict[str, Any]) -> str | None:
    """What the person sees of an accepted call: its text or caption after HTML parsing."""
    key = TEXT_METHODS.get(method)
    text = params.get(key) if key else None
    if not text:
        return None
    if str(params.get("parse_mode", "")).lower() == "html":
        return TelegramHtml().parse(str(text))[0]
    return str(text)


async def snapshot(bot: RunningBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order, without the ignored columns."""
    conn = bot.repo.db.conn
    names = [row[0] for row in await conn.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for name in names:
        async with conn.execute(f"SELECT * FROM {name}") as cursor:  # names from sqlite_master
            columns = [d[0] for d in cursor.description]
            kept = [i for i, column in enumerate(columns) if column not in IGNORED_COLUMNS.get(name, set())]
            tables[name] = sorted(tuple(row[i] for i in kept) for row in await cursor.fetchall())
    return tables


@dataclass
class World:
    """The people the corpus talks as, and the ids its callback data names."""

    bot: RunningBot
    users: dict[str, FakeUser] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    control: FakeUser | None = None
    control_person: Person | None = None
    control_checks: int = 0

    @classmethod
    async def build(cls, bot: RunningBot) -> World:
        """Kader mid-interview, admins, officials, a coordinator, a deactivated kader, a stranger;
        some families and people with markup in their names, which every screen must escape."""
        world = cls(bot)
        a_user, a, a_interview = await world.interviewing(870001, "Ani Kader", MARKUP_HEAD)
        await a_user.press("Ya, tercatat")  # now at the typed count of children
        b_user, b, b_interview = await world.interviewing(870002, "Budi Kader")  # at a button question
        for telegram_id, name, question in [(870004, "Dodi Kader", "income_month"),
                                            (870005, "Eko Kader", "members")]:
            _, _, interview = await world.interviewing(telegram_id, name)
            moved = await bot.repo.interviews.move_to(interview.id, question_id=question,
                                                      expected_current=interview.current_question)
            assert moved
        c = await bot.person("Citra Kader", telegram_id=870003, kelurahan="Komet")
        [c_home, *_] = await bot.households(c, 3, prefix="KM")
        c_markup = await bot.repo.households.add("KM-900", MARKUP_HEAD, "Jl. <i>Melati", "001", "002",
                                                 "Komet", kader_id=c.id)
        c_user = bot.api.user(870003, first_name="Citra")
        await c_user.send("/survey")
        admin = await bot.person("Dewi Admin", "admin", telegram_id=870010, kelurahan=None)
        await bot.person("Pak Rahman", "agency", telegram_id=870011, kelurahan=None, agency="DINSOS")
        await bot.person("Koordinator Komet", "coordinator", telegram_id=870012, kelurahan="Komet")
        gone = await bot.person(MARKUP_PERSON, telegram_id=870013)
        await bot.repo.people.set_active(gone.id, False)
        world.users |= {"kader": a_user, "kader_choice": b_user, "kader_home": c_user,
                        "kader_money": bot.api.user(870004), "kader_members": bot.api.user(870005)}
        for sender, telegram_id, first in [("admin", 870010, "Dewi"), ("official", 870011, "Rahman"),
                                           ("coordinator", 870012, "Koordinator"),
                                           ("deactivated", 870013, "Eka"), ("stranger", 870099, "Joko")]:
            world.users[sender] = bot.api.user(telegram_id, first_name=first)
            await world.users[sender].send("/start")  # something in the chat to press buttons on
        world.users |= dict.fromkeys(ADMIN_SENDERS, world.users["admin"])
        world.people = {"kader": a, "kader_choice": b, "admin": admin}
        world.ids = {"a_interview": a_interview.id, "a_household": a_interview.household_id, "a_person": a.id,
                     "b_interview": b_interview.id, "b_household": b_interview.household_id, "b_person": b.id,
                     "c_household": c_home.id, "c_markup_household": c_markup.id, "gone_person": gone.id,
                     "admin_person": admin.id, "missing": MISSING}
        control_user, control, _ = await bot.kader(870050, "Kontrol Kader", families=3)
        await open_first_family(control_user)
        world.control, world.control_person = control_user, control
        return world

    async def interviewing(self, telegram_id: int, name: str,
                           head: str | None = None) -> tuple[FakeUser, Person, Interview]:
        """A kader who has opened their first family's interview (at its first question)."""
        bot = self.bot
        person = await bot.person(name, telegram_id=telegram_id)
        prefix = f"K{telegram_id % 1000}"
        await bot.repo.households.add(f"{prefix}-001", head or f"Keluarga {prefix}", "Jl. <b>Mawar No. 1",
                                      "001", "002", person.kelurahan or "", kader_id=person.id)
        await bot.households(person, 2, prefix=f"{prefix}X")
        user = bot.api.user(telegram_id, first_name=name.split()[0])
        await user.send("/survey")
        await user.press(user.last.buttons[0])
        await user.press("Keluarga setuju")
        [interview] = await bot.repo.interviews.for_kader(person.id, bot.svc.settings.survey_round)
        return user, person, interview

    async def prepare(self, case: Case) -> None:
        """The state the sender must be in; none of this is the case's own doing."""
        repo, admin = self.bot.repo, self.people["admin"]
        if case.sender in ADMIN_SENDERS:
            await repo.dialogs.clear(admin.id)
        if case.sender == "importer":
            await self.users["importer"].send("/import")
        elif case.sender == "admin_head":
            await repo.dialogs.put(admin.id, DialogState("household", "head", {"code": ""}))
        elif case.sender == "admin_rt":
            await repo.dialogs.put(admin.id, DialogState("household", "rt", {
                "code": "", "head": "Budi", "address": "Jl. Mawar 1"}))
        elif case.sender == "admin_kader_step":
            await repo.dialogs.put(admin.id, DialogState("household", "kader", {
                "code": "", "head": "<b>Budi</i> & Co", "address": "'; DROP TABLE households; --",
                "rt": "007", "rw": "002", "kelurahan": "Guntung Manggis", "choices": [""]}))
        elif case.sender == "admin_invite_name":
            await repo.dialogs.put(admin.id, DialogState("invite", "name", {"role": "kader"}))

    def callback_data(self, case: Case) -> str:
        """The case's payload with the world's ids, cut when the case truncates it."""
        assert case.data is not None
        data = case.data.format(**self.ids)
        return data if case.cut is None else data.encode()[:case.cut].decode(errors="ignore")

    async def pressed_message(self, case: Case, user: FakeUser) -> int:
        """The message the button is pressed on."""
        if case.on == "interview":
            interview = await self.bot.repo.interviews.get(self.ids["a_interview"])
            assert interview is not None and interview.message_id is not None
            return interview.message_id
        return user.last.message_id

    async def check_control(self) -> str | None:
        """The control kader answers the current question and sees the next; a problem, or None."""
        assert self.control is not None and self.control_person is not None
        repo, svc = self.bot.repo, self.bot.svc
        interviews = await repo.interviews.for_kader(self.control_person.id, svc.settings.survey_round)
        drafts = [i for i in interviews if i.status == "draft" and i.current_question is not None]
        if not drafts:  # the family is done: take the next one
            await self.control.send("/survey")
            await self.control.press(next(b for b in self.control.last.buttons if b.startswith("⬜")))
            await self.control.press("Keluarga setuju")
            return await self.check_control()
        interview = drafts[0]
        asked = await answer_current(self.bot, self.control, interview.id)
        moved = await repo.interviews.get(interview.id)
        assert moved is not None
        self.control_checks += 1
        if moved.current_question == asked:
            return f"control kader: question {asked} was not answered"
        following = svc.engine.questions.get(moved.current_question or "")
        expected = following.label["id"] if following else "Ringkasan jawaban"
        if expected not in self.control.last.text:
            return f"control kader: after {asked} the chat shows {self.control.last.text[:80]!r}"
        return None


async def run_case(world: World, case: Case, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Send one case and say everything that went wrong with it."""
    bot, api = world.bot, world.bot.api
    user = world.users[case.sender]
    await world.prepare(case)
    before = await snapshot(bot)
    calls, errors, records = len(api.calls), len(api.errors), len(caplog.records)
    query = None
    if case.message is not None:
        user.last_update = {"message": {"message_id": 10**6 + len(api.calls), "date": int(time.time()),
                                        "chat": user.chat, "from": user.user, **case.message}}
        await user.resend_last_update()
    elif case.text is not None and case.edited:
        user.last_update = {"edited_message": {
            "message_id": 1, "date": int(time.time()) - 60, "edit_date": int(time.time()), "chat": user.chat,
            "from": user.user, "text": case.text}}
        await user.resend_last_update()
    elif case.text is not None:
        await user.send(case.text)
    elif case.data is not None:
        message_id = await world.pressed_message(case, user)
        query = await user.press_data(world.callback_data(case), message_id)
    else:
        assert case.document is not None
        await user.send_document(case.document.name, case.document.build(),
                                 declared_size=case.document.declared_size)
    if case.await_call:
        await api.wait_for(user.id, method=case.await_call, timeout=30)
    after = await snapshot(bot)

    problems: list[str] = []
    replies = [text for call in api.calls[calls:] if call.chat_id == user.id
               if (text := shown_text(call.method, call.params))]
    if not replies:
        problems.append("no reply with text")
    wanted = [key_pattern(key) for key in case.keys] + ([re.compile(case.pattern)] if case.pattern else [])
    matching = [text for text in replies if any(p.search(text) for p in wanted)]
    if wanted and not matching:
        problems.append(f"no reply matches {case.keys or case.pattern}: {[r[:120] for r in replies]}")
    if case.echo is not None and not any(case.echo in text for text in matching):
        problems.append(f"the reply does not show {case.echo!r} literally")
    for key in FAILURE_NOTICES:
        if any(key_pattern(key).search(text) for text in replies):
            problems.append(f"the failure notice {key!r} was sent")
    if case.data is not None and query is None:
        problems.append("the callback query was not answered")
    problems += [f"Bot API refused: {error}" for error in api.errors[errors:]
                 if not error.endswith(NOT_MODIFIED)]  # an edit to the same screen: harmless, swallowed
    problems += [f"{record.levelname} log: {record.getMessage()}" for record in caplog.records[records:]
                 if record.levelno >= logging.ERROR]
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if unexpected := [name for name in changed if name not in case.may_change]:
        problems.append(f"tables changed: {unexpected}")
    return [f"{case.id} [{case.category}]: {problem}" for problem in problems]


@pytest.mark.parametrize("name", GROUPS)
async def test_hostile_input_gets_a_clear_reply_and_changes_nothing(
        name: str, fake_api: FakeBotApi, config_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["imports"]["max_rows"] = MAX_ROWS
    if "flood" in config:  # hundreds of inputs from one person here, to check each one (not a flood)
        config["flood"]["enabled"] = False
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    bot = await RunningBot.start(fake_api, config_file)
    try:
        world = await World.build(bot)
        failures: list[str] = []
        cases = group(name)
        for number, case in enumerate(cases, start=1):
            failures += await run_case(world, case, caplog)
            if number % CONTROL_EVERY == 0 and (problem := await world.check_control()):
                failures.append(f"after {case.id}: {problem}")
        if problem := await world.check_control():
            failures.append(f"at the end: {problem}")
    finally:
        await bot.stop()
    assert world.control_checks >= len(cases) // CONTROL_EVERY + 1
    assert fake_api.unanswered_queries() == [], "every callback query must be answered"
    assert not failures, f"{len(failures)} problems in {len(cases)} cases:\n" + "\n".join(failures)


def test_the_corpus_covers_the_issue() -> None:
    assert len(CASES) >= 100, len(CASES)
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
    assert {case.group for case in CASES} == set(GROUPS)
    for case in CASES:
        assert case.keys or case.pattern, f"{case.id} expects nothing"
        assert all(key in TEXTS for key in case.keys), case.id
        assert sum(x is not None for x in (case.text, case.data, case.document, case.message)) == 1, case.id
    assert len(CATEGORIES) >= 15
    assert BackButton(interview=1, position="children_0_17").encode() == \
        "v1:b:1:children_0_17", "the truncated cases cut this payload"

"""The fake Bot API against a real python-telegram-bot Application polling it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from telegram import BotCommand, BotCommandScopeAllPrivateChats, InlineKeyboardButton, InlineKeyboardMarkup
from telegram import Update as TgUpdate
from telegram.error import BadRequest, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox.fakeapi import NOT_MODIFIED, TOO_OLD, FakeBotApi, Query

SITI = 424242
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="v1:q1:yes"),
                                  InlineKeyboardButton("Tidak", callback_data="v1:q1:no")]])


@dataclass
class Seen:
    """What the test bot's handlers observed."""

    query_ids: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


@dataclass
class Harness:
    """The fake API, the running Application, and what its handlers saw."""

    api: FakeBotApi
    app: Application
    seen: Seen


async def start(update: TgUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: a question with two buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Apakah keluarga punya KK?", reply_markup=KEYBOARD)


async def forge(update: TgUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forge: a keyboard whose callback_data is 65 bytes, which Telegram refuses."""
    assert update.effective_message is not None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("X", callback_data="x" * 65)]])
    await update.effective_message.reply_text("forged", reply_markup=markup)


@pytest.fixture
async def bot(fake_api: FakeBotApi) -> AsyncIterator[Harness]:
    """A minimal real Application polling the fake API."""
    seen = Seen()

    async def pressed(update: TgUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen.query_ids.append(query.id)
        await query.answer("Tersimpan")
        await query.edit_message_text(f"Jawaban: {query.data}")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        seen.errors.append(context.error)

    app = (ApplicationBuilder().token("1:T").base_url(fake_api.base_url + "/bot")
           .base_file_url(fake_api.base_url + "/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("forge", forge))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_error_handler(on_error)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield Harness(fake_api, app, seen)
        await app.updater.stop()
        await app.stop()


async def test_start_keyboard_press_edit_and_answer(bot: Harness) -> None:
    user = bot.api.user(SITI, first_name="Siti")
    await user.send("/start")
    assert user.last.text == "Apakah keluarga punya KK?"
    assert user.last.button_rows == [["Ya", "Tidak"]]
    assert user.last.callback_data("Tidak") == "v1:q1:no"
    with pytest.raises(AssertionError, match="0 callback buttons match"):
        user.last.callback_data("Mungkin")
    answer = await user.press("Ya")
    assert answer is not None and answer.text == "Tersimpan" and not answer.show_alert
    assert user.alerts == ["Tersimpan"]
    [message] = user.messages
    assert (message.text, message.buttons, message.edits) == ("Jawaban: v1:q1:yes", [], 1)
    assert [c.method for c in bot.api.calls_for(SITI)] == ["sendMessage", "answerCallbackQuery",
                                                           "editMessageText"]
    assert not bot.api.errors, bot.api.errors


async def test_identical_edit_is_not_modified_and_unknown_message_not_found(bot: Harness) -> None:
    user = bot.api.user(SITI)
    await user.send("/start")
    message_id = user.last.message_id
    with pytest.raises(BadRequest, match="not modified"):
        await bot.app.bot.edit_message_text("Apakah keluarga punya KK?", chat_id=SITI,
                                            message_id=message_id, reply_markup=KEYBOARD)
    other = bot.api.user(SITI + 1)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.app.bot.edit_message_reply_markup(chat_id=other.id, message_id=message_id)
    assert bot.api.errors == [f"editMessageText: {NOT_MODIFIED}",
                              "editMessageReplyMarkup: Bad Request: message to edit not found"]


async def test_forged_callback_data_over_64_bytes_is_refused(bot: Harness) -> None:
    user = bot.api.user(SITI)
    await user.send("/forge")
    assert user.messages == []
    assert bot.api.errors == ["sendMessage: Bad Request: BUTTON_DATA_INVALID"]
    assert isinstance(bot.seen.errors[0], BadRequest)


async def test_html_must_be_well_formed_telegram_html(bot: Harness) -> None:
    user = bot.api.user(SITI)
    await bot.app.bot.send_message(SITI, "<b>x</b> &amp; y", parse_mode="HTML")
    assert user.last.text == "x & y"
    assert user.last.entities == [{"type": "bold", "offset": 0, "length": 1}]
    for bad in ("<b>x", "<p>x</p>", "1 < 2"):
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.app.bot.send_message(SITI, bad, parse_mode="HTML")
    assert len(bot.api.errors) == 3 and len(user.messages) == 1


async def test_commands_are_stored_per_scope_and_validated(bot: Harness) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.app.bot.set_my_commands([BotCommand("start", "Mulai wawancara")], scope=scope,
                                      language_code="id")
    assert bot.api.commands("all_private_chats", "id") == [{"command": "start",
                                                            "description": "Mulai wawancara"}]
    assert bot.api.commands() == []
    got = await bot.app.bot.get_my_commands(scope=scope, language_code="id")
    assert [c.command for c in got] == ["start"]
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.app.bot.set_my_commands([BotCommand("Start-Now", "x")])
    assert bot.api.errors == ["setMyCommands: Bad Request: BOT_COMMAND_INVALID"]


async def test_resent_update_carries_the_same_callback_query_id(bot: Harness) -> None:
    user = bot.api.user(SITI)
    await user.send("/start")
    await user.press("Tidak")
    await user.resend_last_update()
    assert len(bot.seen.query_ids) == 2 and len(set(bot.seen.query_ids)) == 1
    # Telegram refuses the second answer; the handler then raises before its edit.
    assert bot.api.errors == [f"answerCallbackQuery: {TOO_OLD}"]


@pytest.mark.filterwarnings("ignore:.*retry_after.*timedelta")  # PTB 22 itself reads retry_after
async def test_fail_next_makes_one_call_fail_with_429(bot: Harness) -> None:
    user = bot.api.user(SITI)
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await user.send("/start")
    assert user.messages == []
    assert isinstance(bot.seen.errors[0], RetryAfter)
    assert bot.api.faults == ["sendMessage: Too Many Requests: retry after 3"]
    await user.send("/start")
    assert user.last.buttons == ["Ya", "Tidak"]
    assert not bot.api.errors


async def test_raw_http_validation(fake_api: FakeBotApi) -> None:
    url = fake_api.base_url + "/bot1:T/"
    fake_api.user(SITI)
    async with aiohttp.ClientSession() as http:
        async def post(method: str, **data: str) -> tuple[int, dict[str, object]]:
            async with http.post(url + method, data=data) as response:
                return response.status, await response.json()

        assert (await post("sendMesage", chat_id=str(SITI), text="x"))[0] == 404
        assert (await post("sendMessage", chat_id=str(SITI)))[0] == 400
        assert (await post("sendMessage", chat_id=str(SITI), text="x", colour="red"))[0] == 400
        assert (await post("sendMessage", chat_id="99", text="x"))[1]["description"] == (
            "Bad Request: chat not found")
        status, body = await post("sendMessage", chat_id=str(SITI), text="123")
        assert status == 200 and body["result"]["text"] == "123"  # strings stay strings
        row = '{"inline_keyboard": [[' + ",".join(['{"text": "a", "callback_data": "a"}'] * 9) + "]]}"
        assert (await post("sendMessage", chat_id=str(SITI), text="x", reply_markup=row))[0] == 400
        status, body = await post("answerCallbackQuery", callback_query_id="77")
        assert body["description"] == "Bad Request: query id is invalid"
        fake_api._queries["78"] = Query(SITI)
        assert (await post("answerCallbackQuery", callback_query_id="78", text="x" * 201))[0] == 400
        assert (await post("answerCallbackQuery", callback_query_id="78", text="ok"))[0] == 200
        form = aiohttp.FormData({"chat_id": str(SITI), "caption": "c" * 1025})
        form.add_field("document", b"a,b\n", filename="data.csv")
        async with http.post(url + "sendDocument", data=form) as response:
            assert response.status == 400
        form = aiohttp.FormData({"chat_id": str(SITI), "caption": "rekap"})
        form.add_field("document", b"a,b\n", filename="data.csv")
        async with http.post(url + "sendDocument", data=form) as response:
            assert (await response.json())["result"]["document"]["file_name"] == "data.csv"
    last = fake_api.user(SITI).last
    assert (last.kind, last.file, last.filename, last.text) == ("document", b"a,b\n", "data.csv", "rekap")
    assert len(fake_api.errors) == 8


async def test_idle_waits_for_queued_updates_and_quiet(bot: Harness) -> None:
    bot.api.send_text(SITI, "/start")
    bot.api.send_text(SITI + 1, "/start")
    await bot.api.idle()
    assert len(bot.api.sent_to(SITI)) == len(bot.api.sent_to(SITI + 1)) == 1
    assert bot.api.user(SITI + 1).last.buttons == ["Ya", "Tidak"]


def test_the_carried_method_list_is_cut_from_the_shared_reference() -> None:
    """``sandbox/bot-api-methods.json`` equals what ``sandbox.spec`` cuts from the full reference."""
    import json
    from pathlib import Path

    from sandbox.spec import METHODS_PATH, methods_of

    reference = Path(__file__).resolve().parents[3] / "shared" / "telegram" / "bot-api-10.1.json"
    if not reference.exists():
        pytest.skip(f"the full Bot API reference is not beside the repository ({reference})")
    carried = json.loads(METHODS_PATH.read_text(encoding="utf-8"))
    assert carried == methods_of(json.loads(reference.read_text(encoding="utf-8")))
    assert {"getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery"} <= set(carried["methods"])


async def raw_call(fake: FakeBotApi, method: str, **data: str) -> tuple[int, str]:
    """One form POST to the fake; (status, body text), or (0, "") when the connection was dropped."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(f"{fake.base_url}/bot1:T/{method}", data=data) as response:
                return response.status, await response.text()
        except aiohttp.ServerDisconnectedError:
            return 0, ""


@pytest.mark.parametrize(("kind", "status"), [("http_500", 500), ("http_502", 502), ("drop", 0),
                                              ("http_429", 429)])
async def test_each_network_fault_refuses_the_call_before_it_takes_effect(kind: str, status: int) -> None:
    import json

    api = await FakeBotApi.start(fault_share=1.0, fault_mix={kind: 1.0}, fault_retry_after=2)
    try:
        api.user(SITI)
        code, body = await raw_call(api, "sendMessage", chat_id=str(SITI), text="halo")
        assert code == status
        if kind == "http_502":
            assert body.startswith("<html>") and "502 Bad Gateway" in body  # not JSON, like a proxy
        elif kind == "http_500":
            assert json.loads(body) == {"ok": False, "error_code": 500,
                                        "description": "Internal Server Error"}
        elif kind == "http_429":
            assert json.loads(body)["parameters"] == {"retry_after": 2}
        assert api.user(SITI).messages == [] and api.calls == []  # nothing was sent
        assert api.fault_counts == {kind: 1} and len(api.faults) == 1 and api.errors == []
    finally:
        await api.stop()


async def test_a_slow_fault_delays_the_reply_and_then_serves_the_call() -> None:
    import time as clock

    api = await FakeBotApi.start(fault_share=1.0, fault_mix={"slow": 1.0}, fault_slow_max=0.6,
                                 fault_seed=3)
    try:
        api.user(SITI)
        began = clock.monotonic()
        for _ in range(4):
            assert (await raw_call(api, "sendMessage", chat_id=str(SITI), text="halo"))[0] == 200
        assert clock.monotonic() - began > 0.3  # four waits drawn from 0–0.6 s (seeded)
        assert len(api.user(SITI).messages) == 4 and api.fault_counts == {"slow": 4}
        assert all("slow reply" in fault for fault in api.faults)
    finally:
        await api.stop()


async def test_fault_share_counts_all_calls_is_seeded_and_may_spare_get_updates() -> None:
    async def run(**options: object) -> FakeBotApi:
        api = await FakeBotApi.start(fault_share=0.1, fault_slow_max=0.0, **options)
        try:
            for _ in range(300):
                await raw_call(api, "getMe")
            for _ in range(100):
                await raw_call(api, "getUpdates", timeout="0")
        finally:
            await api.stop()
        return api

    first, again = await run(), await run()
    assert 20 <= sum(first.fault_counts.values()) <= 65  # about 10 % of 400 calls
    assert set(first.fault_counts) == {"http_500", "http_502", "drop", "slow", "http_429"}
    assert first.faults == again.faults  # the same seed fails the same calls the same way
    assert any(f.startswith("getUpdates:") for f in first.faults)
    spared = await run(fault_get_updates=False, fault_seed=11)
    assert not any(f.startswith("getUpdates:") for f in spared.faults) and spared.faults
    assert first.requests == {"getMe": 300, "getUpdates": 100}


async def test_updates_come_again_until_a_later_offset_confirms_them(fake_api: FakeBotApi) -> None:
    """What a restarted bot relies on: an update fetched but not confirmed is delivered again."""
    import json

    update_id = fake_api.send_text(SITI, "3")
    for _ in range(2):  # the process that fetched it died before its next poll; a new one asks
        status, body = await raw_call(fake_api, "getUpdates", offset="0", timeout="0")
        assert status == 200 and [u["update_id"] for u in json.loads(body)["result"]] == [update_id]
    _, body = await raw_call(fake_api, "getUpdates", offset=str(update_id + 1), timeout="0")
    assert json.loads(body)["result"] == []
    _, body = await raw_call(fake_api, "getUpdates", offset="0", timeout="0")
    assert json.loads(body)["result"] == []  # confirmed: gone for good

"""Sending, editing and answering, with PTB's real Bot against the fake Bot API over HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from telegram.error import BadRequest

from sandbox.fakeapi import BotMessage, FakeBotApi
from telegram_io import Notice, View, answer_press, delete_quietly, edit_or_send, send_view, strip_keyboard
from telegram_io.text import LIMIT, utf16_len

SITI = 424242
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Berikutnya", callback_data="v1:p:1")]])
OTHER_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Kembali", callback_data="v1:p:0")]])
PROGRESS = "<b>Progres</b>\n\n" + "\n".join(
    f"<b>Kader Nama Panjang {n}</b>: 12 keluarga, 9 dimulai, 7 selesai, indeks 71,3" for n in range(1, 121))


@dataclass
class Setup:
    """The fake API and a real Bot talking to it, with Siti's chat open."""

    api: FakeBotApi
    bot: Bot

    def shown(self) -> list[BotMessage]:
        """Siti's chat as she sees it now."""
        return self.api.user(SITI).messages


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    """A fake Bot API on loopback and an initialised Bot pointed at it."""
    api = await FakeBotApi.start()
    api.user(SITI)
    bot = Bot("1:T", base_url=api.base_url + "/bot", base_file_url=api.base_url + "/file/bot")
    async with bot:
        yield Setup(api, bot)
    await api.stop()


async def test_send_view_short(setup: Setup) -> None:
    """One message, with its keyboard, as HTML."""
    sent = await send_view(setup.bot, SITI, View("<b>Halo</b> &amp; selamat", KEYBOARD))
    [message] = setup.shown()
    assert (sent.message_id, message.text, message.buttons) == (message.message_id, "Halo & selamat",
                                                                 ["Berikutnya"])
    assert message.entities[0]["type"] == "bold"


async def test_send_view_over_the_limit_splits_with_keyboard_last(setup: Setup) -> None:
    """Issue 12: 120 kader are several valid messages, and the buttons come last."""
    assert utf16_len(PROGRESS) > 2 * LIMIT
    sent = await send_view(setup.bot, SITI, View(PROGRESS, KEYBOARD))
    shown = setup.shown()
    assert len(shown) == 3 and setup.api.errors == []
    assert [m.buttons for m in shown] == [[], [], ["Berikutnya"]]
    assert sent.message_id == shown[-1].message_id
    assert "Kader Nama Panjang 120" in shown[-1].text and shown[0].text.startswith("Progres")


async def test_edit_in_place(setup: Setup) -> None:
    """An existing message is edited; nothing new is sent."""
    first = await send_view(setup.bot, SITI, View("Halaman 1", KEYBOARD))
    now = await edit_or_send(setup.bot, SITI, View("<i>Halaman 2</i>", OTHER_KEYBOARD), first)
    [message] = setup.shown()
    assert now is not None and now.message_id == first.message_id == message.message_id
    assert (message.text, message.buttons, message.edits) == ("Halaman 2", ["Kembali"], 1)


async def test_not_modified_is_nothing_to_do(setup: Setup) -> None:
    """The same screen again: the message stays, no error, no new message."""
    first = await send_view(setup.bot, SITI, View("Halaman 1", KEYBOARD))
    assert await edit_or_send(setup.bot, SITI, View("Halaman 1", KEYBOARD), first) is first
    assert len(setup.shown()) == 1 and setup.shown()[0].edits == 0


async def test_without_a_message_sends(setup: Setup) -> None:
    """No message to edit: a new one."""
    sent = await edit_or_send(setup.bot, SITI, View("Baru", KEYBOARD), None)
    assert sent is not None and [m.message_id for m in setup.shown()] == [sent.message_id]


async def test_deleted_message_is_sent_anew(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 19: "message to edit not found" sends the screen as a new message, no apology."""
    first = await send_view(setup.bot, SITI, View("Halaman 1", KEYBOARD))
    assert await delete_quietly(setup.bot, SITI, first.message_id)
    with caplog.at_level(logging.INFO, logger="telegram_io"):
        now = await edit_or_send(setup.bot, SITI, View("Halaman 2", KEYBOARD), first)
    [message] = setup.shown()
    assert now is not None and now.message_id == message.message_id != first.message_id
    assert message.text == "Halaman 2" and message.buttons == ["Berikutnya"]
    assert "sending the screen anew" in caplog.text


@pytest.mark.parametrize("description", ["Bad Request: message can't be edited",
                                         "Bad Request: MESSAGE_ID_INVALID",
                                         "Bad Request: message to be edited not found",
                                         "Bad Request: there is no text in the message to edit"])
async def test_uneditable_message_is_sent_anew(setup: Setup, description: str) -> None:
    """Every way Telegram says the old message cannot show the screen."""
    first = await send_view(setup.bot, SITI, View("Halaman 1", KEYBOARD))
    setup.api.fail_next("editMessageText", 400, description)
    now = await edit_or_send(setup.bot, SITI, View("Halaman 2"), first)
    assert now is not None and now.message_id != first.message_id
    assert [m.text for m in setup.shown()] == ["Halaman 1", "Halaman 2"]


async def test_other_bad_request_is_raised(setup: Setup) -> None:
    """A screen Telegram refuses for its own sake is a bug to hear about, not to paper over."""
    first = await send_view(setup.bot, SITI, View("Halaman 1"))
    with pytest.raises(BadRequest, match="parse entities"):
        await edit_or_send(setup.bot, SITI, View("<b>tidak ditutup"), first)
    assert [m.text for m in setup.shown()] == ["Halaman 1"]


async def test_edit_over_the_limit_sends_new_messages(setup: Setup) -> None:
    """A screen too long for one message is sent as several; the old message is left as it was."""
    first = await send_view(setup.bot, SITI, View("Halaman 1", KEYBOARD))
    now = await edit_or_send(setup.bot, SITI, View(PROGRESS, OTHER_KEYBOARD), first)
    shown = setup.shown()
    assert len(shown) == 4 and shown[0].text == "Halaman 1" and shown[0].edits == 0
    assert now is not None and now.message_id == shown[-1].message_id and shown[-1].buttons == ["Kembali"]
    assert setup.api.errors == []


async def test_strip_keyboard(setup: Setup) -> None:
    """Buttons removed; a message gone, a failing call or no message at all raise nothing."""
    message = await send_view(setup.bot, SITI, View("Pilih", KEYBOARD))
    await strip_keyboard(message)
    assert setup.shown()[0].buttons == [] and setup.shown()[0].text == "Pilih"
    await strip_keyboard(message)  # "message is not modified"
    setup.api.fail_next("editMessageReplyMarkup", 500, "Internal Server Error")
    await strip_keyboard(message)  # a NetworkError
    await delete_quietly(setup.bot, SITI, message.message_id)
    await strip_keyboard(message)  # "message to edit not found"
    await strip_keyboard(None)


async def test_delete_quietly(setup: Setup) -> None:
    """True once; then False, as for no message at all."""
    message = await send_view(setup.bot, SITI, View("Sementara"))
    assert await delete_quietly(setup.bot, SITI, message.message_id) is True
    assert await delete_quietly(setup.bot, SITI, message.message_id) is False
    assert await delete_quietly(setup.bot, SITI, None) is False
    assert setup.shown() == []


def press(setup: Setup, message: Message) -> CallbackQuery:
    """Siti presses the button on ``message``: the query as the bot receives it."""
    query_id = setup.api.user(SITI).push_press("v1:p:1", message.message_id)
    query = CallbackQuery(query_id, User(SITI, "Siti", False), chat_instance="1", message=message,
                          data="v1:p:1")
    query.set_bot(setup.bot)
    return query


async def test_answer_press_twice(setup: Setup) -> None:
    """The first answer shows the notice; the second (a redelivered press) is refused and swallowed."""
    query = press(setup, await send_view(setup.bot, SITI, View("Pilih", KEYBOARD)))
    await answer_press(query, Notice("Tersimpan"))
    await answer_press(query, Notice("Tersimpan lagi", alert=True))
    answered = setup.api._queries[query.id]
    assert (answered.answered, answered.text, answered.show_alert, answered.tries) == (True, "Tersimpan",
                                                                                        False, 2)


async def test_answer_press_clips_long_notice_and_alerts(setup: Setup) -> None:
    """A notice over Telegram's 200 characters is clipped rather than refused."""
    query = press(setup, await send_view(setup.bot, SITI, View("Pilih", KEYBOARD)))
    await answer_press(query, Notice("Nama keluarga terlalu panjang: " + "😀" * 300, alert=True))
    answered = setup.api._queries[query.id]
    assert answered.answered and answered.show_alert and setup.api.errors == []
    assert answered.text is not None and answered.text.endswith("…") and utf16_len(answered.text) <= 200


async def test_answer_press_without_text(setup: Setup) -> None:
    """An empty notice still answers, so the button stops spinning."""
    query = press(setup, await send_view(setup.bot, SITI, View("Pilih", KEYBOARD)))
    await answer_press(query, Notice())
    answered = setup.api._queries[query.id]
    assert answered.answered and answered.text is None

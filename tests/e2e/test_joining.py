"""Joining by invitation: the deep link, its outcomes, and the server-side invite command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from telegram import BotCommandScopeChat

from cli import invite
from flows.invites import hash_code, new_code
from sandbox.fakeapi import BOT_USERNAME, FakeBotApi
from settings import load_settings
from tests.e2e.harness import KELURAHAN, RunningBot


async def new_invite(bot: RunningBot, name: str, role: str = "kader", *,
                     valid: timedelta = timedelta(days=7), **where: str) -> str:
    person = await bot.repo.people.add(name, role, **where)  # type: ignore[arg-type]
    code = new_code()
    await bot.repo.invites.create(person.id, hash_code(code), bot.repo.db.now() + valid)
    return code


async def test_an_invitation_binds_the_account_and_greets_by_name_and_role(running: RunningBot) -> None:
    code = await new_invite(running, "Siti Aminah", kelurahan=KELURAHAN)
    user = running.api.user(830001)
    await user.send(f"/start {code}")
    greeting, home = user.messages
    assert greeting.text == "Selamat datang, Siti Aminah! Anda terdaftar sebagai kader di Tangguh."
    assert "Belum ada keluarga" in home.text
    person = await running.repo.people.by_telegram_id(830001)
    assert person is not None and person.name == "Siti Aminah"
    invites_used = await running.repo.db.conn.execute_fetchall(
        "SELECT count(*) FROM invites WHERE used_at IS NOT NULL")
    assert invites_used[0][0] == 1
    # The same link again from the same account is harmless; from another account it is used.
    await user.send(f"/start {code}")
    intruder = running.api.user(830002)
    await intruder.send(f"/start {code}")
    assert intruder.last.text == running.svc.text(None, "invite_used")
    assert await running.repo.people.by_telegram_id(830002) is None


@pytest.mark.parametrize("case", ["expired", "unknown"])
async def test_expired_and_unknown_codes_get_a_clear_message(running: RunningBot, case: str) -> None:
    if case == "expired":
        code = await new_invite(running, "Budi", valid=timedelta(seconds=-1), kelurahan=KELURAHAN)
    else:
        code = new_code()
    user = running.api.user(830003)
    await user.send(f"/start {code}")
    assert user.last.text == running.svc.text(None, f"invite_{case}")
    assert await running.repo.people.by_telegram_id(830003) is None
    await user.send("/survey")  # still a stranger
    assert user.last.text == running.svc.text(None, "stranger")


async def test_an_official_gets_a_menu_of_their_own(running: RunningBot) -> None:
    code = await new_invite(running, "Pak Rahman", "agency", agency_code="DINSOS")
    user = running.api.user(830004)
    await user.send(f"/start {code}")
    assert "petugas SKPD" in user.messages[0].text
    menu = running.api.commands(BotCommandScopeChat(830004).to_dict())
    assert [c["command"] for c in menu] == ["digest", "language", "help"]
    await user.send("/survey")
    assert user.last.text == running.svc.text(None, "kader_only")


async def test_the_invite_command_prints_a_working_link(fake_api: FakeBotApi, config_file: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake_api.base_url)
    settings = load_settings(config_file)
    lines = await invite(settings, "admin", "Admin  Kota", kelurahan=None, agency=None,
                         bot_username=None)
    link = lines[-1]
    assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    code = link.split("=", 1)[1]
    bot = await RunningBot.start(fake_api, config_file)
    try:
        user = fake_api.user(830005)
        await user.send(f"/start {code}")
        assert user.messages[0].text == "Selamat datang, Admin Kota! Anda terdaftar sebagai admin di Tangguh."
        [entry] = await bot.repo.audit.latest()
        assert entry.action == "invite.create" and code not in str(entry.detail)
    finally:
        await bot.stop()

"""Webhook mode: ``python bot.py`` serves Telegram's POSTs (secret token checked) instead of polling."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from cli import check
from flows.invites import hash_code, new_code
from sandbox.fakeapi import FakeBotApi
from settings import SetupError, load_secrets, load_settings
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.conftest import ROOT
from tests.e2e.test_startup import assert_setup_error, bot_command

SECRET = "s3cret_Token-for-tests"
STRANGER = 556001
KADER = 556002
PATH = "telegram-hook"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_config(config_file: Path, port: int) -> None:
    """Turn webhook mode on in the test config, with the bot's own address as the public URL."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["webhook"] = {"enabled": True, "listen": "127.0.0.1", "port": port,
                         "url": f"http://127.0.0.1:{port}", "path": PATH}
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


async def until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Wait for ``condition()`` to hold, checking every 50 ms."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
    assert condition(), what


async def until_listening(port: int, timeout: float = 30) -> None:
    """Wait until something accepts connections on ``port`` (the bot's server starts just after
    setWebhook, as python-telegram-bot orders it)."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


async def seed_kader(config_file: Path) -> str:
    """A kader with one family, joined from Telegram account KADER; returns the family's code."""
    (config_file.parent / "data").mkdir(exist_ok=True)
    db = await Database.open(config_file.parent / "data" / "tangguh.db")
    try:
        repo = Repository(db)
        person = await repo.people.add("Siti Aminah", "kader", kelurahan="Guntung Manggis")
        code = new_code()
        await repo.invites.create(person.id, hash_code(code), db.now() + timedelta(days=1))
        assert (await repo.invites.redeem(hash_code(code), KADER)).outcome == "ok"
        await repo.households.add("GM-101", "Ahmad Fauzi", "Jl. Kenanga No. 9", "003", "004",
                                  "Guntung Manggis", kader_id=person.id)
    finally:
        await db.close()
    return "GM-101"


@asynccontextmanager
async def webhook_bot(fake_api: FakeBotApi, config_file: Path,
                      stderr: list[str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python bot.py`` in webhook mode with JSON logs; stopped with SIGTERM on leaving."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANGGUH_", "TELEGRAM_"))}
    env |= {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_API_BASE_URL": fake_api.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "TANGGUH_LOGGING__FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bot.py"), "--config", str(config_file), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    try:
        yield process
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
        stderr.extend(err.decode().splitlines())
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_updates_arrive_by_webhook_only_with_the_secret_token(
        fake_api: FakeBotApi, config_file: Path) -> None:
    port = free_port()
    webhook_config(config_file, port)
    family = await seed_kader(config_file)
    stderr: list[str] = []
    async with webhook_bot(fake_api, config_file, stderr) as process:
        await until(lambda: fake_api.webhook is not None, "the bot set its webhook")
        assert fake_api.webhook is not None
        assert fake_api.webhook["url"] == f"http://127.0.0.1:{port}/{PATH}"
        assert fake_api.webhook["secret_token"] == SECRET
        assert "message" in fake_api.webhook["allowed_updates"]
        await until_listening(port)

        forged = fake_api.user(STRANGER, first_name="Joko").push_text("/start")
        assert await fake_api.deliver(forged, secret_token="not-the-secret") == 403
        assert await fake_api.deliver(forged, secret_token=None) == 403
        assert await fake_api.deliver(fake_api.user(KADER).push_text("/start"), "wrong") == 403

        assert await fake_api.deliver(forged, secret_token=SECRET) == 200
        [reply] = await fake_api.wait_for(STRANGER, timeout=30)
        assert "hanya untuk kader dan petugas yang diundang" in reply["text"]
        assert await fake_api.deliver(fake_api.user(KADER).push_text("/survey"), SECRET) == 200
        [families] = await fake_api.wait_for(KADER, timeout=30)
        assert family in json.dumps(families["reply_markup"])
        # The refused deliveries were answered 403 before reaching the bot's queue: handled, they
        # would have been answered long before the accepted ones that followed them.
        assert len(fake_api.sent_to(STRANGER)) == 1
        assert len(fake_api.sent_to(KADER)) == 1  # the refused /start got no reply
        assert process.returncode is None
    assert process.returncode == 0, "\n".join(stderr)
    assert not fake_api.errors, fake_api.errors  # no getUpdates: Telegram refuses it with a webhook set
    events = [json.loads(line) for line in stderr]  # TANGGUH_LOGGING__FORMAT=json: every line parses
    messages = [event["message"] for event in events]
    assert any(m.startswith("webhook: listening on 127.0.0.1") for m in messages)
    assert "database closed" in messages and "Tangguh stopped" in messages
    assert not any(event["level"] in {"ERROR", "CRITICAL"} for event in events), messages
    assert not any("Ahmad Fauzi" in line or "Kenanga" in line or "Siti" in line for line in stderr)


def test_webhook_mode_without_its_secret_exits_2(config_file: Path) -> None:
    webhook_config(config_file, free_port())
    result = bot_command("--config", str(config_file), env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert_setup_error(result, "TELEGRAM_WEBHOOK_SECRET", "webhook.enabled")


def test_a_malformed_secret_or_a_missing_url_is_a_setup_error(config_file: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")
    with pytest.raises(SetupError, match="only A-Z, a-z, 0-9, _ and -"):
        load_secrets(webhook=True)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    assert load_secrets(webhook=True).webhook_secret == SECRET
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    assert load_secrets().webhook_secret is None  # polling needs none
    webhook_config(config_file, free_port())
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["webhook"]["url"] = None
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(SetupError, match="webhook.url is needed when webhook.enabled is true"):
        load_settings(config_file)


async def test_a_port_already_taken_exits_2_with_one_line(fake_api: FakeBotApi, config_file: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        webhook_config(config_file, taken.getsockname()[1])
        env = {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_API_BASE_URL": fake_api.base_url,
               "TELEGRAM_WEBHOOK_SECRET": SECRET}
        result = await asyncio.to_thread(bot_command, "--config", str(config_file), env=env)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the start-up's log lines
    assert last.startswith("tangguh: cannot listen on 127.0.0.1:") and "webhook.port" in last, last


async def test_check_describes_webhook_backups_and_logs(config_file: Path) -> None:
    port = free_port()
    webhook_config(config_file, port)
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["backup"]["enabled"] = True  # the shipped default; the test config turns it off
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    lines = await check(load_settings(config_file), str(config_file))
    [operations] = [line for line in lines if line.startswith("Updates: ")]
    assert operations == (f"Updates: webhook http://127.0.0.1:{port}/{PATH} (listening on 127.0.0.1:{port}); "
                          f"backups: nightly after 01:30 into {config_file.parent / 'data' / 'backups'}, "
                          "14 days kept; logs: text, INFO")

"""The sandbox (``python bot.py sandbox``) through its HTTP API, as the page uses it: the fake Bot API,
the real bot polling it, the demo data, the chats, time travel, and that nothing leaves the machine."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
import yaml
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot import build_application
from sandbox.clock import MovableClock
from sandbox.server import Sandbox, ensure_loopback_url
from sandbox.web import Slot, make_app
from settings import SetupError, load_settings
from tests.conftest import ROOT
from tests.e2e.test_startup import assert_setup_error, bot_command

in_module_loop = pytest.mark.asyncio(loop_scope="module")  # the loop of the shared sandbox

TUESDAY_NIGHT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Tue 24 Nov 02:00 WITA: quiet, nothing due
RINA, SITI, DEWI, BUDI, NUR = 5100101, 5100201, 5100202, 5100301, 5100302
LONG_POLL = 3.0


def write_config(folder: Path) -> Path:
    """The shipped config with its database in ``folder``."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["database"]["path"] = str(folder / "data" / "tangguh.db")
    config["instruments"]["active"] = str(ROOT / "instruments" / "ketahanan-keluarga-24.yaml")
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def ticking_from(start: datetime) -> MovableClock:
    """A sandbox clock whose real time starts at ``start`` and runs."""
    began = time.monotonic()
    return MovableClock(lambda: start + timedelta(seconds=time.monotonic() - began))


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose database lives in a temporary folder."""
    return write_config(tmp_path_factory.mktemp("sandbox"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(config: Path) -> AsyncIterator[Sandbox]:
    """One seeded sandbox for the module's tests (each test uses its own people or counts changes)."""
    running = await Sandbox.start(load_settings(config), build_application, clock=ticking_from(TUESDAY_NIGHT))
    yield running
    await running.stop()
    assert running.api.errors == [], running.api.errors
    assert running.api.unanswered_queries() == [], "every button press must be answered"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient]:
    """An HTTP client of the sandbox's web app."""
    async with TestClient(TestServer(make_app(Slot(sandbox), long_poll=LONG_POLL))) as http:
        yield http


async def get_json(client: TestClient, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def post_json(client: TestClient, path: str, body: Any, status: int = 200) -> Any:
    response = await client.post(path, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def bot_messages(client: TestClient, user_id: int) -> list[dict[str, Any]]:
    return [m for m in (await get_json(client, f"/api/chats/{user_id}"))["messages"] if m["from"] == "bot"]


# --- the demo data -------------------------------------------------------------------------------


@in_module_loop
async def test_state_lists_the_five_pretend_people_and_the_clock(client: TestClient,
                                                                  sandbox: Sandbox) -> None:
    state = await get_json(client, "/api/state")
    assert [(p["id"], p["name"], p["role"], p["role_label"]) for p in state["people"]] == [
        (RINA, "Rina Kartika", "admin", "Admin"), (SITI, "Siti Aminah", "kader", "Kader"),
        (DEWI, "Dewi Lestari", "kader", "Kader"), (BUDI, "Budi Santoso", "agency", "Petugas Dinas Sosial"),
        (NUR, "Nur Hasanah", "agency", "Petugas Dinas Kesehatan / Puskesmas")]
    assert state["bot_username"] == sandbox.bot_username
    label = state["clock_label"]
    assert label.startswith("Selasa, 24 November 2026 02.") and label.endswith(" WITA")
    assert datetime.fromisoformat(state["clock"]).utcoffset() == timedelta(hours=8)
    page = await client.get("/")
    assert page.status == 200 and "<html" in (await page.text()).lower()


@in_module_loop
async def test_seeding_joined_everyone_by_invitation_and_left_interviews_in_three_states(
        sandbox: Sandbox) -> None:
    repo, survey_round = sandbox.svc.repository, sandbox.settings.survey_round
    assert sandbox.seeded
    assert await repo.invites.pending() == []  # every invitation was redeemed in the chat
    people = {p.name: p for p in await repo.people.list()}
    assert {p.telegram_user_id for p in people.values()} == {RINA, SITI, DEWI, BUDI, NUR}
    siti, dewi = people["Siti Aminah"], people["Dewi Lestari"]
    assert [len(await repo.households.for_kader(k.id)) for k in (siti, dewi)] == [6, 6]
    assert {h.kelurahan for h in await repo.households.for_kader(siti.id)} == {"Guntung Manggis"}
    [dewis] = await repo.interviews.for_kader(dewi.id, survey_round)
    [sitis, draft] = await repo.interviews.for_kader(siti.id, survey_round)
    assert [sitis.status, draft.status, dewis.status] == ["submitted", "draft", "submitted"]
    assert len(await repo.interviews.answers(draft.id)) == 6
    scores = [await repo.scores.get(i.id) for i in (sitis, dewis)]
    assert all(s is not None and s.index_value is not None for s in scores)
    assert scores[0].index_value > scores[1].index_value  # type: ignore[union-attr]  # a well-off family


# --- chats ---------------------------------------------------------------------------------------


@in_module_loop
async def test_a_kader_gets_the_household_list_and_a_press_edits_the_message_in_place(
        client: TestClient) -> None:
    assert await post_json(client, f"/api/chats/{SITI}/text", {"text": "/start"}) == {"ok": True}
    chat = await get_json(client, f"/api/chats/{SITI}")
    said, home = chat["messages"][-2:]
    assert said == {**said, "from": "user", "html": "/start", "keyboard": None}
    assert "<b>Keluarga yang Anda data</b> (6)" in home["html"]
    labels = [b["text"] for row in home["keyboard"] for b in row]
    assert any("GM-003" in label and "Fitriani" in label for label in labels)
    [button] = [b for row in home["keyboard"] for b in row if "GM-003" in b["text"]]
    pressed = await post_json(client, f"/api/chats/{SITI}/press",
                              {"message_id": home["id"], "data": button["data"]})
    assert pressed["ok"] is True and set(pressed["answer"]) == {"text", "alert"}
    after = await get_json(client, f"/api/chats/{SITI}")
    [card] = [m for m in after["messages"] if m["id"] == home["id"]]
    assert card["edited"] is True and "Fitriani" in card["html"] and "Alamat" in card["html"]
    assert "Keluarga setuju" in " ".join(b["text"] for row in card["keyboard"] for b in row)
    assert after["version"] > chat["version"]
    assert len(after["messages"]) == len(chat["messages"])  # edited, not sent anew
    stale = await post_json(client, f"/api/chats/{SITI}/press",
                            {"message_id": home["id"], "data": "v1:h:9999"})
    assert stale["answer"]["text"]  # a family that does not exist: the bot says so in a notice
    notice = (await get_json(client, f"/api/chats/{SITI}"))["notice"]
    assert notice["text"] == stale["answer"]["text"] and notice["alert"] == stale["answer"]["alert"]
    assert isinstance(notice["seq"], int)


@in_module_loop
async def test_an_upload_reaches_the_bot_and_can_be_downloaded_again(client: TestClient) -> None:
    await post_json(client, f"/api/chats/{RINA}/text", {"text": "/import"})
    csv = (b"Kode KK,Nama kepala keluarga,Alamat,RT,RW,Kelurahan,Kader\r\n"
           b"GM-013,Hasanuddin,Jl. Trikora No. 30,007,003,Guntung Manggis,Siti Aminah\r\n")
    form = aiohttp.FormData(quote_fields=False)  # as browsers send file names
    form.add_field("file", csv, filename="keluarga baru.csv", content_type="text/csv")
    response = await client.post(f"/api/chats/{RINA}/upload", data=form)
    assert response.status == 200 and await response.json() == {"ok": True}
    chat = await get_json(client, f"/api/chats/{RINA}")
    [sent] = [m for m in chat["messages"] if m["from"] == "user" and m["document"]]
    assert sent["document"]["name"] == "keluarga baru.csv"
    preview = chat["messages"][-1]
    assert preview["from"] == "bot" and "Pratinjau impor" in preview["html"]
    assert "1 keluarga baru" in preview["html"]
    download = await client.get(sent["document"]["url"])
    assert download.status == 200 and await download.read() == csv
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "keluarga%20baru.csv" in download.headers["Content-Disposition"]


@in_module_loop
async def test_unread_counts_until_the_page_opens_the_chat(client: TestClient) -> None:
    def unread(state: dict[str, Any]) -> int:
        return next(p["unread"] for p in state["people"] if p["id"] == DEWI)

    assert unread(await get_json(client, "/api/state")) >= 2  # joined, the household list, the result
    await get_json(client, f"/api/chats/{DEWI}")
    assert unread(await get_json(client, "/api/state")) == 0
    await post_json(client, f"/api/chats/{DEWI}/text", {"text": "/help"})
    assert unread(await get_json(client, "/api/state")) == 1


@in_module_loop
async def test_a_chat_request_waits_for_news_and_returns_as_soon_as_there_is_some(client: TestClient) -> None:
    version = (await get_json(client, f"/api/chats/{NUR}"))["version"]
    began = time.monotonic()
    quiet = await get_json(client, f"/api/chats/{NUR}?since={version}")
    assert quiet["version"] == version and time.monotonic() - began >= LONG_POLL * 0.9
    waiting = asyncio.ensure_future(get_json(client, f"/api/chats/{NUR}?since={version}"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    began = time.monotonic()
    await post_json(client, f"/api/chats/{NUR}/text", {"text": "/help"})
    news = await waiting
    assert news["version"] > version and time.monotonic() - began < LONG_POLL
    assert news["messages"][-1] == {**news["messages"][-1], "from": "user", "html": "/help"}  # first news


# --- time travel ---------------------------------------------------------------------------------


@in_module_loop
async def test_time_travel_to_the_digest_then_the_reminders(client: TestClient) -> None:
    before = len(await bot_messages(client, BUDI))
    moved = await post_json(client, "/api/time", {"action": "digest"})
    assert moved["ok"] is True
    assert moved["clock_label"] == "Senin, 30 November 2026 07.30 WITA"
    assert moved["summary"] == "Ringkasan mingguan dikirim ke 2 petugas dan 1 admin."
    new = (await bot_messages(client, BUDI))[before:]
    assert [m["photo"] is not None for m in new][-2:] == [True, False] and new[-1]["document"]
    assert any(m["html"] and "Guntung Manggis" in m["html"] for m in new)
    photo = await client.get(new[-2]["photo"])
    assert photo.status == 200 and photo.content_type == "image/png"
    assert photo.headers["Content-Disposition"].startswith("inline")
    workbook = await client.get(new[-1]["document"]["url"])
    assert workbook.status == 200 and workbook.headers["Content-Disposition"].startswith("attachment;")
    assert load_workbook(io.BytesIO(await workbook.read()), read_only=True).sheetnames
    again = await post_json(client, "/api/time", {"action": "digest"})
    assert again["clock_label"] == "Senin, 7 Desember 2026 07.30 WITA"  # always the next one

    reminded = await post_json(client, "/api/time", {"action": "reminders"})
    assert reminded["clock_label"] == "Senin, 7 Desember 2026 16.00 WITA"
    assert reminded["summary"] == "Pengingat dikirim ke 2 kader."
    reminder = (await bot_messages(client, SITI))[-1]
    assert "Pengingat" in reminder["html"] and reminder["date"].startswith("2026-12-07T16:00")
    state = await get_json(client, "/api/state")
    assert state["clock_label"].startswith("Senin, 7 Desember 2026 16.0")


# --- refusals ------------------------------------------------------------------------------------


@in_module_loop
async def test_the_api_refuses_with_one_indonesian_sentence(client: TestClient) -> None:
    for path in ("/api/chats/123", "/api/chats/abc", "/files/fake-photo-999999", "/static/..%2Fserver.py"):
        body = await get_json(client, path, status=404)
        assert body["ok"] is False and body["error"].endswith(".")
    assert (await post_json(client, "/api/time", {"action": "tomorrow"}, status=400))["ok"] is False
    response = await client.post(f"/api/chats/{SITI}/text", data=b"not json")
    assert response.status == 400 and "JSON" in (await response.json())["error"]
    await post_json(client, f"/api/chats/{SITI}/press", {"message_id": 999999, "data": "v1:h:1"}, status=404)
    foreign = await client.post(f"/api/chats/{SITI}/text", json={"text": "/start"},
                                headers={"Origin": "http://evil.example"})
    assert foreign.status == 403
    rebound = await client.get("/api/state", headers={"Host": "evil.example:8080"})
    assert rebound.status == 403


@in_module_loop
async def test_nothing_is_sent_beyond_this_computer(sandbox: Sandbox) -> None:
    bot = sandbox.app.bot
    for url in (bot.base_url, bot.base_file_url):
        assert url.startswith(sandbox.api.base_url) and urlsplit(url).hostname == "127.0.0.1"
    assert sandbox.api.requests["getUpdates"] > 0  # the bot really polls the fake
    for url in ("https://api.telegram.org/bot", "http://192.0.2.1:8081/bot"):
        with pytest.raises(SetupError):
            ensure_loopback_url(url)
    assert ensure_loopback_url("http://[::1]:8081/bot") == "http://[::1]:8081/bot"


# --- starting and stopping -----------------------------------------------------------------------


@in_module_loop
async def test_a_restart_keeps_the_data_and_greets_everyone_and_reset_starts_clean(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path))
    first = await Sandbox.start(settings, build_application, clock=ticking_from(TUESDAY_NIGHT))
    try:
        kader = await first.svc.repository.people.by_telegram_id(SITI)
        assert kader is not None
        await first.svc.repository.households.add("GM-099", "Keluarga Sesi Pertama", "Jl. Golf", "001", "001",
                                                  "Guntung Manggis", kader_id=kader.id)
        assert (await first.travel("reminders")).endswith("Pengingat dikirim ke 2 kader.")
        travelled = first.clock()
    finally:
        await first.stop()
    second = await Sandbox.start(settings, build_application,
                                 clock=ticking_from(TUESDAY_NIGHT + timedelta(hours=1)))
    try:
        assert not second.seeded
        assert second.clock() >= travelled  # the clock does not run back over a restart
        assert await second.svc.repository.households.by_code("GM-099") is not None
        assert len(await second.people()) == 5
        for user_id in (RINA, SITI, DEWI, BUDI, NUR):
            shown = second.api.transcript(user_id)
            assert [type(m).__name__ for m in shown] == ["dict", "BotMessage"]  # /start, then the answer
        assert "GM-099" in " ".join(second.api.user(SITI).last.buttons)
    finally:
        await second.stop()
    third = await Sandbox.start(settings, build_application, fresh=True, clock=ticking_from(TUESDAY_NIGHT))
    try:
        assert third.seeded
        assert third.clock() < travelled
        assert await third.svc.repository.households.by_code("GM-099") is None
        assert len(await third.people()) == 5
    finally:
        await third.stop()


def test_a_host_other_computers_can_reach_is_refused_without_allow_remote(tmp_path: Path) -> None:
    result = bot_command("sandbox", "--host", "0.0.0.0", "--config", str(write_config(tmp_path)))
    assert_setup_error(result, "0.0.0.0", "--allow-remote")
    assert not (tmp_path / "data" / "sandbox.db").exists()  # refused before anything started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@in_module_loop
async def test_bot_py_sandbox_starts_without_a_token_serves_the_state_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANGGUH_", "TELEGRAM_"))}
    env["TELEGRAM_API_BASE_URL"] = "http://192.0.2.1:9"  # ignored: the sandbox talks only to its own fake
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bot.py"), "sandbox", "--port", str(port), "--config",
        str(write_config(tmp_path)), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert first.startswith(f"Mode sandbox (tanpa Telegram): buka http://127.0.0.1:{port} ")
        assert "no Telegram" in first
        async with aiohttp.ClientSession() as session, session.get(
                f"http://127.0.0.1:{port}/api/state", timeout=aiohttp.ClientTimeout(total=60)) as response:
            state = await response.json()
        assert [p["name"] for p in state["people"]][:3] == ["Rina Kartika", "Siti Aminah", "Dewi Lestari"]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "Sandbox berhenti" in stdout.decode() and "Traceback" not in stderr.decode()
    assert (tmp_path / "data" / "sandbox.db").exists() and not (tmp_path / "data" / "tangguh.db").exists()


def test_make_run_without_a_token_starts_the_sandbox() -> None:
    result = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=False,
                            env={k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"})
    assert result.returncode == 0, result.stderr
    assert "bot.py sandbox" in result.stdout and "TELEGRAM_BOT_TOKEN" in result.stdout

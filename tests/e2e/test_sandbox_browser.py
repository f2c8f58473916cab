"""The sandbox page in a real browser: `python bot.py sandbox` as a subprocess, Debian's Chromium
driven by Playwright (never a downloaded browser), a trainer's walk through it by clicking."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from playwright.async_api import Locator, Page, Request, Route, async_playwright, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]  # containers (CI) often have a tiny /dev/shm
STARTUP_SECONDS = 90.0
STEP_MS = 30_000  # one click or one typed answer, the bot's reaction included
JOB_MS = 90_000  # a time-travel run: scheduler, then the outbox drained at one message a second per chat
LAST_BOT = 'article[data-from="bot"]'
CATEGORIES = ("Rentan", "Berkembang", "Tangguh")
DAYS = "Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu"
CLOCK_LABEL = re.compile(rf"^({DAYS}), \d{{1,2}} \w+ \d{{4}} \d{{2}}\.\d{{2}} WITA$")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get install "
                                                "chromium); CI installs it so the test runs there"),
]


@dataclass
class Sandbox:
    """`python bot.py sandbox` running on a free loopback port."""

    base: str
    log: Path

    def output(self) -> str:
        """The end of the server's own output, for failure messages."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox(config_file: Path, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox web app on a fresh database in tmp_path, stopped (SIGTERM) after the test."""
    port = free_port()
    log = tmp_path / "sandbox.log"
    env = {key: value for key, value in os.environ.items()
           if key not in {"TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL"}}
    with log.open("wb") as out:
        command = [sys.executable, "bot.py", "sandbox", "--port", str(port), "--reset",
                   "--config", str(config_file)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Sandbox(f"http://127.0.0.1:{port}", log)
    try:
        wait_until_serving(running, process)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_serving(running: Sandbox, process: subprocess.Popen[bytes]) -> None:
    """Block until `/api/state` answers (the bot, the fake Bot API and the demo data are ready)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`bot.py sandbox` exited with {process.returncode}:\n{running.output()}")
        try:
            with urllib.request.urlopen(f"{running.base}/api/state", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # another process opening its port: there is nothing to await
    pytest.fail(f"`bot.py sandbox` did not serve /api/state in {STARTUP_SECONDS:.0f} s:\n{running.output()}")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, f"GET {url}: {response.status} {await response.text()}"
        return await response.json()


LAST_BOT_SIGNATURE = """() => {
    const shown = document.querySelectorAll('article[data-from="bot"]');
    const last = shown[shown.length - 1];
    return last ? `${last.dataset.messageId}\\n${last.innerText}` : "";
}"""


@dataclass
class Chat:
    """The page with one person's chat open, and the sandbox's own view of that chat."""

    page: Page
    http: aiohttp.ClientSession
    base: str
    user_id: int

    async def open(self, name: str) -> None:
        """Pick the person in the sidebar; wait until their chat is on the page."""
        await self.page.get_by_test_id(f"person-{self.user_id}").click()
        await expect(self.page.get_by_test_id("chat-name")).to_have_text(name)
        await self.synced()

    async def synced(self) -> None:
        """Wait until the page shows everything the server holds for this chat (its version or later)."""
        await expect(self.page.get_by_test_id("chat")).to_have_attribute("data-busy", "false")
        version = (await get_json(self.http, f"{self.base}/api/chats/{self.user_id}?since=-1"))["version"]
        await self.page.wait_for_function(
            "v => Number(document.querySelector('[data-testid=chat]').dataset.version) >= v",
            arg=version, timeout=STEP_MS)

    async def _reacted(self, endpoint: str, act: Callable[[], Awaitable[None]]) -> None:
        """Do ``act`` (which posts to ``endpoint``); wait until the bot's latest message on the page
        is another one or reads differently, and the page has caught up with the server."""
        before = await self.page.evaluate(LAST_BOT_SIGNATURE)
        async with self.page.expect_response(lambda r: r.url.endswith(endpoint), timeout=STEP_MS) as reply:
            await act()
        response = await reply.value
        assert response.ok, await response.text()
        await self.page.wait_for_function(f"before => ({LAST_BOT_SIGNATURE})() !== before", arg=before,
                                          timeout=STEP_MS)
        await self.synced()

    async def press(self, button: Locator) -> None:
        """Click an inline-keyboard button; wait for the bot's reaction on the page."""
        await self._reacted("/press", button.click)

    async def send(self, text: str) -> None:
        """Type into the composer and press Enter; wait for the bot's reaction on the page."""
        composer = self.page.get_by_test_id("composer")
        await composer.fill(text)
        await self._reacted("/text", lambda: composer.press("Enter"))
        await expect(composer).to_have_value("")

    def last_bot(self) -> Locator:
        return self.page.locator(LAST_BOT).last


def typed_example(text: str) -> str | None:
    """The example a number question shows ("✍️ Ketik jawabannya dalam angka, misalnya 2.")."""
    found = re.search(r"Ketik jawabannya dalam angka, misalnya (\S+?)\.?$", text, re.MULTILINE)
    return found.group(1) if found else None


async def test_a_trainer_clicks_through_an_interview_and_shows_the_monday_digest(
        sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    state = await get_json(http, f"{sandbox.base}/api/state")
    roles = {person["role"] for person in state["people"]}
    assert {"admin", "kader", "agency"} <= roles and len(state["people"]) == 5, state["people"]
    kader, official, admin = (next(p for p in state["people"] if p["role"] == role)
                              for role in ("kader", "agency", "admin"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=STEP_MS)  # the bot answers in well under a second, unless CI is busy
    outside: list[str] = []
    page_errors: list[str] = []

    async def loopback_only(route: Route, request: Request) -> None:
        """Nothing may load from the internet: record and refuse anything not on loopback."""
        if urlsplit(request.url).hostname in {"127.0.0.1", "localhost"}:
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
            await context.route("**/*", loopback_only)
            page = await context.new_page()
            page.set_default_timeout(STEP_MS)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            await page.goto(sandbox.base)
            await expect(page.locator("html")).to_have_attribute("lang", "id")
            await expect(page.get_by_test_id("clock")).to_have_text(CLOCK_LABEL)  # the sandbox's, ticking

            # A kader: the list of families, a family not started yet, consent.
            chat = Chat(page, http, sandbox.base, kader["id"])
            await chat.open(kader["name"])
            await chat.send("/survey")
            await expect(chat.last_bot()).to_contain_text("Keluarga yang Anda data")
            await chat.press(chat.last_bot().get_by_role("button", name=re.compile("^⬜")).first)
            await expect(chat.last_bot()).to_contain_text("pastikan keluarga setuju")
            await chat.press(chat.last_bot().get_by_role("button", name="Keluarga setuju"))

            # Every question: its first option, the first of a multiple choice, or the example typed.
            for _ in range(60):
                text = await chat.last_bot().locator(".text").inner_text()
                if "Indeks ketahanan keluarga" in text:
                    break
                if "Ringkasan jawaban" in text:
                    await chat.press(chat.last_bot().get_by_role("button", name="Kirim"))
                elif (example := typed_example(text)) is not None:
                    await chat.send(example)
                else:
                    option = await chat.last_bot().get_by_test_id("kb-button").first.inner_text()
                    assert not re.search("Kembali|Simpan", option), text
                    await chat.press(chat.last_bot().get_by_role("button", name=option, exact=True))
                    if "Boleh pilih lebih dari satu" in text:
                        await chat.press(chat.last_bot().get_by_role("button", name="Lanjut"))
            else:
                pytest.fail("the interview did not reach the result card in 60 steps")

            result = chat.last_bot()
            result_text = await result.inner_text()
            assert "Hasil" in result_text, result_text
            assert re.search(r"Indeks ketahanan keluarga: \d+(,\d+)?", result_text), result_text
            assert any(category in result_text for category in CATEGORIES), result_text
            await expect(result.get_by_test_id("edited")).to_be_visible()  # the one interview message
            toast = page.get_by_test_id("toast")  # the bot's answer to ✅ Kirim
            await expect(toast).to_contain_text("Terkirim")
            await toast.click()
            await expect(toast).to_be_hidden()
            await page.mouse.move(0, 0)
            await result.screenshot(path=ARTIFACTS / "result-card.png", animations="disabled")
            await page.screenshot(path=ARTIFACTS / "sandbox-page.png", animations="disabled")
            assert (ARTIFACTS / "result-card.png").stat().st_size > 2000

            # An official; time travel to Monday morning; the digest with its chart and Excel list.
            chat = Chat(page, http, sandbox.base, official["id"])
            await chat.open(official["name"])
            await page.get_by_test_id("time-digest").click()
            summary = page.get_by_test_id("time-summary")
            await expect(summary).to_have_attribute("data-state", "done", timeout=JOB_MS)
            await expect(summary).to_contain_text("Ringkasan mingguan")
            await expect(page.get_by_test_id("clock")).to_contain_text("Senin")
            await chat.synced()
            chart = page.get_by_test_id("photo").last
            await expect(chart).to_be_visible()
            await page.wait_for_function("img => img.complete && img.naturalWidth > 100",
                                         arg=await chart.element_handle(), timeout=STEP_MS)
            excel = page.locator('a[data-testid="document"][download$=".xlsx"]').last
            await expect(excel).to_be_visible()
            href = await excel.get_attribute("href")
            assert href and href.startswith("/files/"), href
            async with http.get(f"{sandbox.base}{href}") as response:
                assert response.status == 200
                assert "attachment" in response.headers.get("Content-Disposition", "")
                assert (await response.read()).startswith(b"PK")

            # An admin invites someone; the link in the reply is followed inside the sandbox.
            chat = Chat(page, http, sandbox.base, admin["id"])
            await chat.open(admin["name"])
            await chat.send("/invite kader Ani Wijaya Guntung Manggis")
            link = page.locator(f'{LAST_BOT} a[href*="t.me/{state["bot_username"]}?start="]').last
            await expect(link).to_be_visible()
            code = (await link.get_attribute("href") or "").split("start=", 1)[1]
            async with page.expect_request(lambda r: r.url.endswith("/text")) as followed:
                await link.click()
            assert (await followed.value).post_data_json == {"text": f"/start {code}"}
            assert page.url.startswith(sandbox.base)  # followed in place, not opened as a web page

            # A phone-sized screen: the sidebar becomes a picker.
            await page.set_viewport_size({"width": 390, "height": 800})
            await expect(page.get_by_test_id(f"person-{kader['id']}")).to_be_hidden()
            await page.get_by_test_id("person-picker").select_option(str(kader["id"]))
            await expect(page.get_by_test_id("chat-name")).to_have_text(kader["name"])
            await expect(page.locator(LAST_BOT).last).to_contain_text("Indeks ketahanan keluarga")
        finally:
            await browser.close()
    assert outside == [], f"the page tried to load from outside: {outside}"
    assert page_errors == [], page_errors

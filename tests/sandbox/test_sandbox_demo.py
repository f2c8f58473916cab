"""The sandbox's parts that need no running bot: the movable clock and its calendar, the safe HTML of
messages, loopback checks, its settings, summaries, and what the fake Bot API keeps for the page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.clock import MovableClock, clock_label, next_digest_at, next_reminder_at
from sandbox.demo import HOUSEHOLDS, INTERVIEWS, PEOPLE, SITI
from sandbox.fakeapi import FakeBotApi, TelegramHtml
from sandbox.markup import entities_html, keyboard, plain_html
from sandbox.server import banner, check_host, is_loopback, sandbox_settings, summary
from sandbox.web import disposition
from settings import QuietHours, ScheduleSettings, SetupError, load_settings
from storage.records import Person, Role
from tests.conftest import ROOT

WITA = ZoneInfo("Asia/Makassar")
SCHEDULE = ScheduleSettings()  # reminders 16:00, digest Monday 07:30, quiet 21:00–07:00


def wita(*args: int) -> datetime:
    return datetime(*args, tzinfo=WITA)


# --- the clock -----------------------------------------------------------------------------------


def test_the_clock_moves_forward_only() -> None:
    real = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    clock = MovableClock(lambda: real)
    assert clock() == real
    assert clock.move_to(real + timedelta(days=6)) == real + timedelta(days=6)
    assert clock.move_to(real + timedelta(days=1)) == real + timedelta(days=6)  # never back
    assert clock.timestamp() == (real + timedelta(days=6)).timestamp()


def test_the_next_reminder_is_the_first_reminder_time_after_now_outside_quiet_hours() -> None:
    assert next_reminder_at(wita(2026, 11, 24, 2, 0), SCHEDULE, WITA) == wita(2026, 11, 24, 16, 0)
    assert next_reminder_at(wita(2026, 11, 24, 16, 0), SCHEDULE, WITA) == wita(2026, 11, 25, 16, 0)
    two = SCHEDULE.model_copy(update={"reminders": [time(16, 0), time(9, 0)]})
    assert next_reminder_at(wita(2026, 11, 24, 10, 0), two, WITA) == wita(2026, 11, 24, 16, 0)
    assert next_reminder_at(wita(2026, 11, 24, 17, 0), two, WITA) == wita(2026, 11, 25, 9, 0)
    late = SCHEDULE.model_copy(update={"reminders": [time(22, 0)]})
    assert next_reminder_at(wita(2026, 11, 24, 10, 0), late, WITA) is None  # always in quiet hours


def test_the_next_digest_is_the_next_digest_day_and_time() -> None:
    assert next_digest_at(wita(2026, 11, 24, 2, 0), SCHEDULE, WITA) == wita(2026, 11, 30, 7, 30)
    assert next_digest_at(wita(2026, 11, 30, 7, 0), SCHEDULE, WITA) == wita(2026, 11, 30, 7, 30)
    assert next_digest_at(wita(2026, 11, 30, 7, 30), SCHEDULE, WITA) == wita(2026, 12, 7, 7, 30)
    early = SCHEDULE.model_copy(update={"digest_time": time(5, 0), "quiet_hours": QuietHours()})
    assert next_digest_at(wita(2026, 11, 24, 2, 0), early, WITA) == wita(2026, 11, 30, 7, 0)  # after quiet


def test_the_clock_reads_in_indonesian() -> None:
    monday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert clock_label(monday, WITA) == "Senin, 30 November 2026 07.30 WITA"
    assert clock_label(wita(2026, 12, 6, 16, 5), WITA) == "Minggu, 6 Desember 2026 16.05 WITA"


# --- messages as HTML ----------------------------------------------------------------------------


def reserialised(source: str) -> str:
    """The bot's Telegram HTML as the fake parses it, then as the page gets it."""
    return entities_html(*TelegramHtml().parse(source))


def test_telegram_html_comes_back_with_its_tags_and_everything_else_escaped() -> None:
    assert reserialised("<b>Hasil</b>\n<i>Indeks <b>72,5</b></i> · Tangguh") == \
        "<b>Hasil</b><br><i>Indeks <b>72,5</b></i> · Tangguh"
    assert reserialised("1 &lt; 2 &amp; &quot;<code>&lt;script&gt;</code>&quot;") == \
        "1 &lt; 2 &amp; &quot;<code>&lt;script&gt;</code>&quot;"
    assert reserialised("😀 <u>garis</u> 🇮🇩 <s>coret</s>") == "😀 <u>garis</u> 🇮🇩 <s>coret</s>"
    assert reserialised('<a href="https://t.me/bot?start=ABC&amp;x=1">Gabung</a>') == \
        '<a href="https://t.me/bot?start=ABC&amp;x=1" target="_blank" rel="noopener noreferrer">Gabung</a>'
    blocks = "<blockquote>kutipan</blockquote><tg-spoiler>rahasia</tg-spoiler><pre>a{}b</pre>"
    assert reserialised(blocks.format("\n")) == blocks.format("<br>")


def test_unsafe_links_and_crossing_entities_do_not_become_tags() -> None:
    link = {"type": "text_link", "offset": 0, "length": 4, "url": "javascript:alert(1)"}
    assert entities_html("klik", [link]) == "klik"
    crossing = [{"type": "bold", "offset": 0, "length": 3}, {"type": "italic", "offset": 2, "length": 3}]
    assert entities_html("abcde", crossing) == "<b>abc</b>de"
    assert entities_html("<img src=x onerror=alert(1)>", []) == "&lt;img src=x onerror=alert(1)&gt;"
    assert entities_html("", []) == ""
    assert plain_html('<b>"saya"</b>\nbaris') == "&lt;b&gt;&quot;saya&quot;&lt;/b&gt;<br>baris"


def test_keyboards_keep_callback_and_url_buttons() -> None:
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "v1:a"}, {"text": "Buka", "url": "https://t.me/x"}],
                                  [{"text": "Salin", "copy_text": {"text": "x"}}]]}
    assert keyboard(markup) == [[{"text": "Ya", "data": "v1:a"}, {"text": "Buka", "url": "https://t.me/x"}]]
    assert keyboard(None) is None and keyboard({"inline_keyboard": []}) is None


# --- nothing leaves the machine ------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts_are_accepted(host: str) -> None:
    assert is_loopback(host)
    check_host(host, allow_remote=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "tangguh.example.go.id"])
def test_other_hosts_need_allow_remote(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(SetupError, match="--allow-remote"):
        check_host(host, allow_remote=False)
    check_host(host, allow_remote=True)


def test_the_sandbox_has_its_own_database_beside_the_configured_one(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "config.yaml")
    sandbox = sandbox_settings(settings)
    beside = settings.resolve(settings.database.path).parent / "sandbox.db"
    assert sandbox.resolve(sandbox.database.path) == beside
    assert settings.database.path == Path("data/tangguh.db")  # the original is untouched
    backup = getattr(sandbox, "backup", None)
    assert backup is None or backup.enabled is False  # no nightly copies of demo data
    same = settings.model_copy(update={"database": settings.database.model_copy(
        update={"path": tmp_path / "sandbox.db"})})
    with pytest.raises(SetupError, match="sandbox"):
        sandbox_settings(same)


def test_banner_and_summaries_are_in_indonesian_first() -> None:
    assert banner("127.0.0.1", 8080) == \
        "Mode sandbox (tanpa Telegram): buka http://127.0.0.1:8080 — sandbox mode, no Telegram"
    assert "http://[::1]:8090" in banner("::1", 8090)

    def person(role: Role) -> Person:
        return Person(id=1, telegram_user_id=1, name="X", role=role, kelurahan=None, agency_code=None,
                      language="id", active=True, created_at=datetime.now(UTC), focus_interview_id=None,
                      unreachable_at=None, reminders_paused_until=None)

    reached = [person("agency"), person("agency"), person("admin")]
    assert summary("digest", reached, 0) == "Ringkasan mingguan dikirim ke 2 petugas dan 1 admin."
    assert summary("digest", [person("admin")], 0) == "Ringkasan mingguan dikirim ke 1 admin."
    assert summary("reminders", [person("kader")] * 2, 1) == \
        "Pengingat dikirim ke 2 kader. 1 pesan menunggu dikirim ulang."
    assert summary("reminders", [], 0) == "Tidak ada kader yang perlu diingatkan."


def test_downloads_keep_non_ascii_file_names() -> None:
    assert disposition("attachment", "Ringkasan «DINSOS».xlsx") == (
        "attachment; filename=\"Ringkasan _DINSOS_.xlsx\"; "
        "filename*=UTF-8''Ringkasan%20%C2%ABDINSOS%C2%BB.xlsx")


# --- the demo data -------------------------------------------------------------------------------


def test_the_demo_data_is_a_dozen_families_five_people_and_three_interviews() -> None:
    assert len(HOUSEHOLDS) == 12 and len({code for code, *_ in HOUSEHOLDS}) == 12
    assert sum(kader is SITI for *_, kader in HOUSEHOLDS) == 6
    assert [p.role for p in PEOPLE] == ["admin", "kader", "kader", "agency", "agency"]
    assert len({p.telegram_id for p in PEOPLE}) == 5
    assert [(i.household, i.stop_after is None) for i in INTERVIEWS] == [
        ("GM-001", True), ("GM-002", False), ("GM-007", True)]


# --- what the fake Bot API keeps for the page ----------------------------------------------------


async def test_the_fake_keeps_a_transcript_with_versions_and_files() -> None:
    api = FakeBotApi(clock=lambda: 1_800_000_000.0)
    user = api.user(77, "Siti")
    assert api.version(77) == 0 and api.transcript(77) == []
    user.push_text("halo")
    assert api.version(77) == 1
    [said] = api.transcript(77)
    assert isinstance(said, dict) and said["text"] == "halo" and said["date"] == 1_800_000_000
    assert await api.wait_version(77, 0, timeout=0.01) == 1  # already newer: no wait
    assert await api.wait_version(77, 1, timeout=0.05) == 1  # nothing new: after the timeout
    assert api.users() == [user]
    assert api.file("fake-photo-999") is None and api.file("nonsense") is None
    assert api.last_notice(77) is None

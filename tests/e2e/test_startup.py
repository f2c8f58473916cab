"""The bot as an operator starts it: ``python bot.py`` against the fake Bot API, and its commands."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from sandbox.fakeapi import FakeBotApi
from storage.sqlite.database import find_migrations
from tests.conftest import ROOT

STRANGER = 555001


def bot_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python bot.py ARGS`` to completion."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TANGGUH_", "TELEGRAM_"))}
    environment.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True,
                          text=True, env=environment, timeout=60, check=False)


def assert_setup_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2, one line on stderr that contains ``words``, no traceback."""
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


async def test_bot_polls_the_fake_api_answers_and_stops_on_sigterm(
        fake_api: FakeBotApi, config_file: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANGGUH_", "TELEGRAM_"))}
    env |= {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_API_BASE_URL": fake_api.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bot.py"), "--config", str(config_file), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        fake_api.send_text(STRANGER, "/start")
        [reply] = await fake_api.wait_for(STRANGER, timeout=30)
        assert "hanya untuk kader dan petugas yang diundang" in reply["text"]
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "database closed" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert not fake_api.errors, fake_api.errors
    with sqlite3.connect(config_file.parent / "data" / "tangguh.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_missing_token_exits_2_with_one_line(config_file: Path) -> None:
    result = bot_command("--config", str(config_file))
    assert_setup_error(result, "TELEGRAM_BOT_TOKEN", "BotFather")


def test_unreadable_config_exits_2(tmp_path: Path) -> None:
    result = bot_command("check", "--config", str(tmp_path / "nowhere.yaml"),
                         env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert_setup_error(result, "cannot read config", "nowhere.yaml", "--config")


def test_invalid_config_value_exits_2(config_file: Path) -> None:
    config = yaml.safe_load(config_file.read_text())
    config["timezone"] = "Mars/Olympus"
    config_file.write_text(yaml.safe_dump(config))
    assert_setup_error(bot_command("check", "--config", str(config_file)), "timezone",
                       "Mars/Olympus")


def test_environment_overrides_config(config_file: Path) -> None:
    result = bot_command("check", "--config", str(config_file),
                         env={"TANGGUH_SURVEY_ROUND": "2031"})
    assert result.returncode == 0, result.stderr
    assert "round 2031" in result.stdout


def test_invalid_instrument_exits_2(config_file: Path, tmp_path: Path) -> None:
    text = (ROOT / "instruments" / "ketahanan-keluarga-24.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("lead: [DISDUKCAPIL", "lead: [NO_SUCH_AGENCY", 1), encoding="utf-8")
    config = yaml.safe_load(config_file.read_text())
    config["instruments"]["active"] = str(broken)
    config_file.write_text(yaml.safe_dump(config))
    result = bot_command("--config", str(config_file), env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert_setup_error(result, "invalid instrument", "broken.yaml:", "NO_SUCH_AGENCY", ".lead[0]")


def test_database_that_cannot_be_opened_exits_2(config_file: Path, tmp_path: Path) -> None:
    config = yaml.safe_load(config_file.read_text())
    config["database"]["path"] = str(tmp_path)  # a folder, not a file
    config_file.write_text(yaml.safe_dump(config))
    result = bot_command("--config", str(config_file), env={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert_setup_error(result, str(tmp_path), "database.path")


def test_database_newer_than_the_program_exits_2(config_file: Path) -> None:
    database = config_file.parent / "data" / "tangguh.db"
    database.parent.mkdir()
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA user_version = 999")
    result = bot_command("check", "--config", str(config_file))
    assert_setup_error(result, "999")


def test_check_prints_the_instrument_summary(config_file: Path) -> None:
    result = bot_command("check", "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ketahanan-keluarga-24 v1.0.0" in out
    assert "5 dimensions, 15 variables, 24 indicators (4 sensitive)" in out
    assert "languages id, en" in out
    assert f"schema version {len(find_migrations())}, integrity ok" in out
    assert out.strip().endswith("OK")


def test_backup_makes_a_readable_copy(config_file: Path, tmp_path: Path) -> None:
    assert bot_command("check", "--config", str(config_file)).returncode == 0
    database = config_file.parent / "data" / "tangguh.db"
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO people (name, role, created_at) VALUES ('Siti', 'kader', '2026')")
    copy = tmp_path / "copy.db"
    result = bot_command("backup", str(copy), "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM people").fetchall() == [("Siti",)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert_setup_error(bot_command("backup", str(copy), "--config", str(config_file)),
                       "already exists")


def test_import_households_on_the_server(config_file: Path, tmp_path: Path) -> None:
    rows = ["Kode KK,Nama Kepala Keluarga,Alamat,RT,RW,Kelurahan,Kader",
            "GM-001,Ahmad,Jl. Mawar 1,1,2,Guntung Manggis,",
            "GM-002,Budi,Jl. Mawar 2,1,2,Atlantis,"]
    file = tmp_path / "keluarga.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dry = bot_command("import", "households", str(file), "--dry-run", "--config", str(config_file))
    assert dry.returncode == 0, dry.stderr
    assert "Baris 3, kolom Kelurahan" in dry.stdout and "1 new" in dry.stdout
    database = config_file.parent / "data" / "tangguh.db"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM households").fetchone() == (0,)
    done = bot_command("import", "households", str(file), "--config", str(config_file))
    assert done.returncode == 0, done.stderr
    assert "Applied: 1 added" in done.stdout
    again = bot_command("import", "households", str(file), "--config", str(config_file))
    assert "Applied: 0 added, 0 updated" in again.stdout
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT code, rt FROM households").fetchall() == [("GM-001", "001")]
    missing = bot_command("import", "households", str(tmp_path / "nope.csv"), "--config", str(config_file))
    assert_setup_error(missing, "cannot read")


def test_export_on_the_server(config_file: Path, tmp_path: Path) -> None:
    import pandas as pd

    assert bot_command("check", "--config", str(config_file)).returncode == 0
    database = config_file.parent / "data" / "tangguh.db"
    with sqlite3.connect(database) as conn:
        conn.execute("""INSERT INTO households (code, head_name, address, rt, rw, kelurahan, created_at,
                        updated_at) VALUES ('GM-1', '=1+1', 'Jl. A', '001', '002', 'Komet', ?1, ?1)""",
                     ("2026-11-27T00:00:00.000000+00:00",))
    out = tmp_path / "export.xlsx"
    result = bot_command("export", "--out", str(out), "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    assert "1 households" in result.stdout
    households = pd.read_excel(out, sheet_name="Rumah tangga", dtype=str)
    assert "=1+1" in set(households.to_numpy().ravel())
    csv = tmp_path / "export.csv"
    assert bot_command("export", "--out", str(csv), "--config", str(config_file)).returncode == 0
    assert csv.read_text(encoding="utf-8-sig").startswith("Putaran survei,")  # one row per interview

"""The command line in-process (tests/e2e/test_startup.py runs it as ``python bot.py``): every
command through the same use cases as the chat, its output lines and exit codes."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

import cli
from flows.imports import TEMPLATE_HEADERS
from settings import Settings, SetupError, load_settings


@pytest.fixture
def settings(config_file: Path) -> Settings:
    return load_settings(config_file)


def database(config_file: Path) -> Path:
    return config_file.parent / "data" / "tangguh.db"


async def test_invite_prints_a_link_and_refuses_what_it_cannot_do(settings: Settings,
                                                                  config_file: Path) -> None:
    lines = await cli.invite(settings, "kader", "Siti  Aminah", kelurahan="guntung manggis", agency=None,
                             bot_username="tangguh_bot")
    assert lines[0].startswith("Invitation for Siti Aminah (kader, Guntung Manggis), valid until ")
    assert lines[1].startswith("https://t.me/tangguh_bot?start=")
    with sqlite3.connect(database(config_file)) as conn:
        assert conn.execute("SELECT name, role FROM people").fetchall() == [("Siti Aminah", "kader")]
        assert conn.execute("SELECT action, actor_id FROM audit_log").fetchall() == [("invite.create", None)]
    for role, kelurahan, agency, message in (("kader", None, None, "needs --kelurahan"),
                                             ("agency", None, "NOPE", "needs --agency")):
        with pytest.raises(SetupError, match=message):
            await cli.invite(settings, role, "Budi", kelurahan=kelurahan, agency=agency,  # type: ignore[arg-type]
                             bot_username="tangguh_bot")
    with pytest.raises(SetupError, match="give the person's name"):
        await cli.invite(settings, "admin", "  ", kelurahan=None, agency=None, bot_username="x")


async def test_import_households_dry_run_then_apply(settings: Settings, config_file: Path,
                                                   tmp_path: Path) -> None:
    file = tmp_path / "keluarga.csv"
    file.write_text("\n".join([",".join(TEMPLATE_HEADERS), "GM-001,Ahmad,Jl. A,1,2,Guntung Manggis,",
                               "GM-002,Budi,Jl. B,1,2,Atlantis,"]) + "\n", encoding="utf-8")
    dry = await cli.import_households(settings, file, dry_run=True)
    assert any("Baris 3, kolom Kelurahan" in line for line in dry)
    assert dry[-2:] == ["2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected", "Dry run: nothing was written."]
    with sqlite3.connect(database(config_file)) as conn:
        assert conn.execute("SELECT count(*) FROM households").fetchone() == (0,)
    done = await cli.import_households(settings, file, dry_run=False)
    assert done[-1] == "Applied: 1 added, 0 updated, 0 skipped"
    with pytest.raises(SetupError, match="cannot read"):
        await cli.import_households(settings, tmp_path / "nope.csv", dry_run=False)
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"PK\x03\x04 nope")
    with pytest.raises(SetupError, match=str(broken)):
        await cli.import_households(settings, broken, dry_run=False)


async def test_export_writes_the_file_and_is_audited(settings: Settings, config_file: Path,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    line = await cli.export(settings, out, "csv")
    assert line == f"Wrote {out}: 0 households, 0 interviews (round {settings.survey_round})"
    assert out.read_text(encoding="utf-8-sig").startswith("Putaran survei,")
    with sqlite3.connect(database(config_file)) as conn:
        assert conn.execute("SELECT action FROM audit_log").fetchall() == [("export.csv",)]
    with pytest.raises(SetupError, match="cannot write"):
        await cli.export(settings, tmp_path / "no-such-folder" / "x.xlsx", "xlsx")


async def test_check_and_backup(settings: Settings, tmp_path: Path) -> None:
    lines = await cli.check(settings, "config.yaml")
    assert lines[0].startswith("Config: config.yaml") and "integrity ok" in lines[-1]
    copy = tmp_path / "copy.db"
    await cli.backup(settings, copy)
    assert copy.exists()
    with pytest.raises(SetupError, match="already exists"):
        await cli.backup(settings, copy)


def test_main_dispatches_and_hands_run_and_sandbox_back(config_file: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[str] = []
    sandboxed: list[argparse.Namespace] = []

    def run(settings: Settings) -> None:
        ran.append(settings.survey_round)

    def sandbox(settings: Settings, args: argparse.Namespace) -> None:
        sandboxed.append(args)

    config = ["--config", str(config_file)]
    assert cli.main(config, run=run, sandbox=sandbox) == 0 and len(ran) == 1
    assert cli.main(["sandbox", "--port", "9000", *config], run=run, sandbox=sandbox) == 0
    assert sandboxed[0].port == 9000 and len(ran) == 1
    assert cli.main(["check", *config], run=run, sandbox=sandbox) == 0
    assert capsys.readouterr().out.endswith("OK\n")
    assert cli.main(["backup", str(tmp_path / "copy.db"), *config], run=run, sandbox=sandbox) == 0
    assert capsys.readouterr().out == f"Backup written to {tmp_path / 'copy.db'}\n"
    assert cli.main(["backup", str(tmp_path / "copy.db"), *config], run=run, sandbox=sandbox) == 2
    assert capsys.readouterr().err.startswith("tangguh: ")
    assert cli.main(["export", "--out", str(tmp_path / "x.csv"), *config], run=run, sandbox=sandbox) == 0
    assert "0 households" in capsys.readouterr().out
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert cli.main(["invite", "admin", "Dewi", "Lestari", "--bot-username", "b", *config], run=run,
                    sandbox=sandbox) == 0
    assert "https://t.me/b?start=" in capsys.readouterr().out

"""The example systemd unit and its environment file: they start this repository's bot, hardened, with
variables the code actually reads."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from cli import parse_args
from settings import Settings, load_settings
from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "tangguh.service"
ENV_EXAMPLE = ROOT / "deploy" / "tangguh.env.example"


def unit_entries(text: str) -> dict[str, dict[str, list[str]]]:
    """``[Section]`` → key → every value given (systemd allows a key more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def env_entries(text: str, *, commented: bool) -> dict[str, str]:
    """``NAME=value`` lines of an environment file; ``commented`` includes ``#NAME=value`` examples."""
    entries = {}
    for raw in text.splitlines():
        line = raw.strip()
        if commented:
            line = line.removeprefix("#")
        name, sep, value = line.partition("=")
        if sep and name.isidentifier() and name.isupper():
            entries[name] = value
    return entries


SERVICE = unit_entries(UNIT.read_text(encoding="utf-8"))["Service"]


def one(key: str) -> str:
    [value] = SERVICE[key]
    return value


def test_exec_start_runs_bot_py_of_this_repository_with_the_venv_make_creates() -> None:
    home = Path(one("WorkingDirectory"))
    python, script, *args = shlex.split(one("ExecStart"))
    assert Path(python) == home / ".venv" / "bin" / "python"
    assert "VENV := .venv" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert Path(script).parent == home
    assert (ROOT / Path(script).relative_to(home)).is_file()
    assert parse_args(args).command is None  # no command: run the bot


def test_hardened_and_restarted_like_the_brief_says() -> None:
    assert one("ProtectSystem") == "strict"
    assert one("User") == one("Group") == "tangguh" or one("DynamicUser") == "yes"
    assert one("Restart") == "on-failure" and one("KillSignal") == "SIGTERM"
    assert 10 <= int(one("TimeoutStopSec")) <= 120
    assert one("RestartPreventExitStatus") == "2"  # a set-up error does not loop
    assert one("NoNewPrivileges") == "yes" and one("PrivateTmp") == "yes"
    writable = [Path(p) for value in SERVICE["ReadWritePaths"] for p in value.split()]
    environment = env_entries(ENV_EXAMPLE.read_text(encoding="utf-8"), commented=False)
    for variable in ("TANGGUH_DATABASE__PATH", "TANGGUH_BACKUP__FOLDER"):
        place = Path(environment[variable])
        assert any(place.is_relative_to(folder) for folder in writable), variable


def test_the_environment_file_names_only_variables_the_code_reads_and_no_real_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert one("EnvironmentFile").endswith("/tangguh.env")
    variables = env_entries(text, commented=True)
    settings_source = (ROOT / "settings" / "__init__.py").read_text(encoding="utf-8")
    assert {"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TANGGUH_DATABASE__PATH"} <= set(variables)
    for name, value in variables.items():
        if name.startswith("TELEGRAM_"):
            assert f'"{name}"' in settings_source, f"{name} is not read by settings.load_secrets"
            continue
        section, _, key = name.removeprefix("TANGGUH_").lower().partition("__")
        assert section in Settings.model_fields, name
        annotation = Settings.model_fields[section].annotation
        assert annotation is not None and key in annotation.model_fields, name  # type: ignore[union-attr]
        monkeypatch.setenv(name, value)
    assert "replace-with" in variables["TELEGRAM_BOT_TOKEN"]
    assert "replace-with" in variables["TELEGRAM_WEBHOOK_SECRET"]
    settings = load_settings()  # every example value, the commented ones too, is a valid setting
    assert settings.logging.format == "json" and settings.webhook.enabled


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd's own check, with the unit pointed at this checkout instead of /opt/tangguh."""
    home = one("WorkingDirectory")
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in this checkout (make creates it)")
    text = UNIT.read_text(encoding="utf-8").replace(home, str(ROOT))
    (tmp_path / "tangguh.service").write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "tangguh.service")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr

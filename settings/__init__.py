"""Settings: ``config.yaml`` overridden by ``TANGGUH_*`` environment variables.

Also reads the files the settings name (instruments, locale texts), so that everything that can be
wrong with the set-up fails here, at start-up, with a message naming the fix.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from flows.i18n import Catalog
from flows.instrument import Instrument, InstrumentError, parse_instrument
from flows.scoring import Rubric

HERE = Path(__file__).resolve().parents[1]  # the project folder (this package sits in it)
DEFAULT_CONFIG = HERE / "config.yaml"
LOCALES = HERE / "locales"
TELEGRAM_API = "https://api.telegram.org"


class SetupError(Exception):
    """A problem with the set-up; the message is one line that names the fix."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    """Where the SQLite file lives."""

    path: Path = Path("data/tangguh.db")


class InstrumentSettings(_Section):
    """Which questionnaire files to load."""

    active: Path = Path("instruments/ketahanan-keluarga-24.yaml")
    extra: list[Path] = []


class ScoringOverrides(_Section):
    """Rubric values the city sets differently from the instrument's defaults."""

    na_counts_as_met: bool | None = None
    complete_share: float | None = Field(default=None, gt=0, le=1)
    dimension_weights: dict[str, float] = {}
    params: dict[str, float] = {}


class Agency(_Section):
    """A local agency (SKPD) or partner that indicators are routed to."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str


class ImportSettings(_Section):
    """Limits on household files sent to the bot or imported on the server."""

    max_rows: int = Field(default=20_000, ge=1, le=200_000)
    max_bytes: int = Field(default=10_000_000, ge=1_000, le=20_000_000)
    allow_kader_households: bool = False


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class QuietHours(_Section):
    """The hours in which nothing is sent in bulk (local time)."""

    start: time = time(21, 0)
    end: time = time(7, 0)


class ScheduleSettings(_Section):
    """When reminders and digests go out, in the city's timezone."""

    reminders: list[time] = [time(16, 0)]
    reminder_idle_hours: int = Field(default=48, ge=1, le=24 * 30)
    digest_day: Weekday = "monday"
    digest_time: time = time(7, 30)
    quiet_hours: QuietHours = QuietHours()


class OutboxSettings(_Section):
    """How fast and how persistently bulk messages are sent."""

    max_per_second: float = Field(default=25.0, gt=0, le=30)
    per_chat_interval_seconds: float = Field(default=1.0, ge=0)
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_seconds: float = Field(default=5.0, gt=0)
    backoff_cap_seconds: float = Field(default=600.0, gt=0)


class FloodSettings(_Section):
    """How many updates (messages and button presses) one person may send before being slowed down."""

    enabled: bool = True
    per_minute: float = Field(default=60.0, gt=0, le=6000)
    burst: int = Field(default=40, ge=1, le=10_000)
    cooldown_seconds: float = Field(default=60.0, ge=0, le=3600)


class DigestSettings(_Section):
    """What the weekly agency digest may show."""

    protection_unit: str | None = "UPTD_PPA"


class WebhookSettings(_Section):
    """Receiving updates by webhook instead of long polling; the secret token comes only from the
    environment (TELEGRAM_WEBHOOK_SECRET)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url: str | None = None
    path: str = Field(default="telegram", pattern=r"^[A-Za-z0-9_\-/]*$")

    @model_validator(mode="after")
    def _url_when_enabled(self) -> WebhookSettings:
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            raise ValueError(f"webhook.url must start with https:// (got {self.url!r})")
        if self.enabled and not self.url:
            raise ValueError("webhook.url is needed when webhook.enabled is true: the public https:// "
                             "address Telegram posts updates to")
        return self

    @property
    def public_url(self) -> str:
        """The full address given to Telegram: ``url`` followed by ``path``."""
        return f"{(self.url or '').rstrip('/')}/{self.path.strip('/')}"


class BackupSettings(_Section):
    """The nightly online copy of the database, kept for ``keep_days`` local days."""

    enabled: bool = True
    folder: Path = Path("data/backups")
    at: time = time(1, 30)
    keep_days: int = Field(default=14, ge=1, le=3650)


class LoggingSettings(_Section):
    """How much the bot logs, and as what: one line of text or one JSON object per event."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(BaseSettings):
    """Everything configurable; secrets are not here (see :class:`Secrets`)."""

    model_config = SettingsConfigDict(env_prefix="TANGGUH_", env_nested_delimiter="__",
                                      extra="forbid")

    timezone: str = "Asia/Makassar"
    default_language: Literal["id", "en"] = "id"
    survey_round: str = "2026"
    database: DatabaseSettings = DatabaseSettings()
    instruments: InstrumentSettings = InstrumentSettings()
    scoring: ScoringOverrides = ScoringOverrides()
    invite_valid_days: int = Field(default=7, ge=1, le=90)
    imports: ImportSettings = ImportSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    outbox: OutboxSettings = OutboxSettings()
    flood: FloodSettings = FloodSettings()
    digest: DigestSettings = DigestSettings()
    webhook: WebhookSettings = WebhookSettings()
    backup: BackupSettings = BackupSettings()
    agencies: list[Agency] = []
    areas: dict[str, list[str]] = {}
    logging: LoggingSettings = LoggingSettings()
    base_dir: Path = Field(default=HERE, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment wins over the file's values, which come in as init arguments."""
        return env_settings, init_settings

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as "
                             "Asia/Makassar)") from None
        return value

    @model_validator(mode="after")
    def _known_protection_unit(self) -> Settings:
        unit = self.digest.protection_unit
        if unit is not None and self.agencies and unit not in self.agency_codes:
            raise ValueError(f"digest.protection_unit {unit!r} is not one of the agencies' codes")
        return self

    def resolve(self, path: Path) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        return path if path.is_absolute() else self.base_dir / path

    @property
    def agency_codes(self) -> list[str]:
        """The codes instruments may route indicators to."""
        return [agency.code for agency in self.agencies]

    @property
    def kelurahan(self) -> list[str]:
        """Every kelurahan of the city, in config order."""
        return [name for names in self.areas.values() for name in names]


class Secrets(BaseModel):
    """Values that come only from the environment."""

    token: str
    api_base_url: str = TELEGRAM_API
    webhook_secret: str | None = None

    @property
    def bot_url(self) -> str:
        """Base URL of Bot API methods (the token is appended by the library)."""
        return f"{self.api_base_url.rstrip('/')}/bot"

    @property
    def file_url(self) -> str:
        """Base URL of file downloads, derived from the same server."""
        return f"{self.api_base_url.rstrip('/')}/file/bot"


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the config file and the environment; raise SetupError naming the problem."""
    config = Path(path) if path else DEFAULT_CONFIG
    try:
        raw: Any = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise SetupError(f"cannot read config {config}: {error.strerror or error}; "
                         "pass an existing file with --config") from None
    except yaml.YAMLError as error:
        raise SetupError(f"config {config} is not valid YAML: {_one_line(error)}") from None
    if not isinstance(raw, dict):
        raise SetupError(f"config {config} must hold a mapping of settings")
    try:
        return Settings(**raw, base_dir=config.resolve().parent)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(settings)"
        message = first["msg"].removeprefix("Value error, ")
        raise SetupError(f"config {config}: {where}: {message} "
                         f"({error.error_count()} problem(s); fix the file or the "
                         "TANGGUH_* variable)") from None


def load_secrets(*, webhook: bool = False) -> Secrets:
    """The bot token, API server and (in webhook mode) the webhook's secret token from the
    environment; raise SetupError when one that is needed is absent or malformed."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SetupError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and run "
                         "`export TELEGRAM_BOT_TOKEN=...` before starting the bot")
    base = os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or TELEGRAM_API
    if not base.startswith(("http://", "https://")):
        raise SetupError(f"TELEGRAM_API_BASE_URL must start with http:// or https:// (got {base!r})")
    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if webhook and secret is None:
        raise SetupError("TELEGRAM_WEBHOOK_SECRET is not set but webhook.enabled is true: make one with "
                         "`openssl rand -hex 32` and put it in the environment (or use long polling)")
    if webhook and secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise SetupError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 "
                         "characters); make one with `openssl rand -hex 32`")
    return Secrets(token=token, api_base_url=base, webhook_secret=secret)


def load_instrument(settings: Settings, path: Path) -> Instrument:
    """Read and validate one instrument file, applying the config's scoring overrides."""
    full = settings.resolve(path)
    try:
        text = full.read_text(encoding="utf-8")
    except OSError as error:
        raise SetupError(f"cannot read instrument {full}: {error.strerror or error}; "
                         "check instruments.active in the config") from None
    try:
        instrument = parse_instrument(text, str(full), settings.agency_codes)
    except InstrumentError as error:
        raise SetupError(f"invalid instrument {error}") from error
    return apply_overrides(instrument, settings.scoring)


def load_instruments(settings: Settings) -> list[Instrument]:
    """The active instrument first, then the extra ones."""
    paths = [settings.instruments.active, *settings.instruments.extra]
    return [load_instrument(settings, path) for path in paths]


def apply_overrides(instrument: Instrument, overrides: ScoringOverrides) -> Instrument:
    """The instrument with the config's rubric values and dimension weights."""
    rubric: dict[str, Any] = {}
    if overrides.na_counts_as_met is not None:
        rubric["na_counts_as_met"] = overrides.na_counts_as_met
    if overrides.complete_share is not None:
        rubric["complete_share"] = overrides.complete_share
    if overrides.params:
        rubric["params"] = {**instrument.rubric.params, **overrides.params}
    unknown = set(overrides.dimension_weights) - {d.code for d in instrument.dimensions}
    if unknown:
        raise SetupError(f"scoring.dimension_weights names unknown dimension(s) "
                         f"{', '.join(sorted(unknown))} of instrument {instrument.id}")
    if not rubric and not overrides.dimension_weights:
        return instrument
    data = instrument.model_dump()
    data["rubric"] = Rubric.model_validate({**data["rubric"], **rubric})
    for dimension in data["dimensions"]:
        dimension["weight"] = overrides.dimension_weights.get(dimension["code"], dimension["weight"])
    # Validated anew rather than model_copy(), which would carry cached properties over.
    return Instrument.model_validate(data)


def load_catalog() -> Catalog:
    """The interface texts: ``locales/<language>/*.yaml``, one folder per language."""
    messages: dict[str, dict[str, str]] = {}
    for folder in sorted(p for p in LOCALES.iterdir() if p.is_dir()):
        texts: dict[str, str] = {}
        for file in sorted(folder.glob("*.yaml")):
            try:
                part = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as error:
                raise SetupError(f"cannot read locale file {file}: {_one_line(error)}") from None
            clash = sorted(set(part) & set(texts))
            if clash:
                raise SetupError(f"locale file {file} repeats keys {', '.join(clash[:5])}")
            texts.update(part)
        messages[folder.name] = texts
    try:
        return Catalog(messages)
    except ValueError as error:
        raise SetupError(f"locale files in {LOCALES}: {error}") from None


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())

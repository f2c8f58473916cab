"""Immutable records the repository returns and the few it accepts; datetimes are aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["admin", "kader", "agency", "coordinator"]
InterviewStatus = Literal["draft", "submitted"]
OutboxStatus = Literal["pending", "sending", "sent", "failed", "inactive"]
RedeemOutcome = Literal["ok", "unknown", "used", "expired", "already_bound"]


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who uses the bot: admin, kader, agency or coordinator."""

    id: int
    telegram_user_id: int | None
    name: str
    role: Role
    kelurahan: str | None
    agency_code: str | None
    language: str
    active: bool
    created_at: datetime
    focus_interview_id: int | None
    unreachable_at: datetime | None
    reminders_paused_until: datetime | None


@dataclass(frozen=True, slots=True)
class Invite:
    """A one-time join code (stored only as its hash) for one person."""

    id: int
    code_hash: str
    person_id: int
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_telegram_id: int | None


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """What redeeming an invite did; `person` is set only when the outcome is 'ok'."""

    outcome: RedeemOutcome
    person: Person | None = None


@dataclass(frozen=True, slots=True)
class Household:
    """A family (KK) to interview, optionally assigned to a kader."""

    id: int
    code: str
    head_name: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kader_id: int | None
    created_at: datetime
    updated_at: datetime
    needs_review: bool


@dataclass(frozen=True, slots=True)
class InstrumentRef:
    """Which questionnaire an interview uses: its id, version and content hash."""

    id: str
    version: str
    hash: str


@dataclass(frozen=True, slots=True)
class Interview:
    """One household's interview in one survey round; current_question None means "at review"."""

    id: int
    household_id: int
    kader_id: int
    instrument: InstrumentRef
    survey_round: str
    status: InterviewStatus
    current_question: str | None
    consent_at: datetime | None
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    message_id: int | None
    last_text_message_id: int | None


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """A score computed by the caller, written when the interview is submitted."""

    instrument_version: str
    rubric_version: str
    index_value: float | None
    category: str | None
    complete: bool
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredScore:
    """The score saved with a submitted interview."""

    interview_id: int
    instrument_version: str
    rubric_version: str
    index_value: float | None
    category: str | None
    complete: bool
    detail: dict[str, Any]
    scored_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message to send in bulk (reminder, digest), unique per kind, period and recipient."""

    id: int
    kind: str
    period: str
    recipient_id: int
    chat_id: int
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who did what to which subject."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject: str
    detail: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One kader's (or the unassigned) households in one kelurahan, for /progress."""

    kelurahan: str
    kader_id: int | None
    kader_name: str | None
    assigned: int
    started: int
    submitted: int
    mean_index: float | None

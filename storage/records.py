"""Immutable records the repository returns and the few it accepts, whichever database is behind it:
one class per table, then the results of joins and reports. Datetimes are aware UTC."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from flows.answers import AnswerValue

if TYPE_CHECKING:  # pandas is imported by the code that builds a DigestSource, when it does
    import pandas as pd

Role = Literal["admin", "kader", "agency", "coordinator"]
InterviewStatus = Literal["draft", "submitted"]
OutboxStatus = Literal["pending", "sending", "sent", "failed", "inactive"]
RedeemOutcome = Literal["ok", "unknown", "used", "expired", "already_bound"]
ImportStatus = Literal["pending", "applied", "cancelled"]
Claim = Literal["claimed", "inactive", "gone"]
"""What claiming an outbox row for sending found: ours to send, recipient unreachable, or moved on."""
OUTBOX_STATUSES: Final[tuple[OutboxStatus, ...]] = ("pending", "sending", "sent", "failed", "inactive")
INTERRUPTED: Final = "interrupted: delivery unknown"
"""``last_error`` of an outbox row a crash left 'sending'."""
UNREACHABLE: Final = "recipient unreachable"
"""``last_error`` of an outbox row retired because its recipient cannot be written to."""


# --- one record per table ---------------------------------------------------------------------------


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
class DialogState:
    """A person's open dialog (table dialogs): what it is, which step, what was collected so far."""

    kind: str
    step: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One household import (table imports), the plan itself kept only while pending."""

    id: int
    person_id: int | None
    file_name: str
    file_sha256: str
    status: ImportStatus
    counts: dict[str, int]
    created_at: datetime
    applied_at: datetime | None
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class DigestRun:
    """The stored figures of one agency's digest for one period (table digest_runs)."""

    agency: str
    period: str
    figures: dict[str, Any]
    created_at: datetime


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """What redeeming an invite did; `person` is set only when the outcome is 'ok'."""

    outcome: RedeemOutcome
    person: Person | None = None


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What applying an import wrote.

    ``skipped`` counts planned rows the register no longer called for when applied: a code added
    meanwhile by someone else, a household deleted meanwhile, or values already equal.
    """

    import_id: int
    added: int
    updated: int
    skipped: int


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person a broadcast did not reach, with the last error of their rows."""

    person_id: int
    name: str
    role: Role
    chat_id: int
    last_error: str | None
    unreachable_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """How one broadcast (kind and period) went: messages by status, who was not reached."""

    kind: str
    period: str
    counts: dict[OutboxStatus, int]
    unreachable: list[Recipient]
    failed: list[Recipient]

    @property
    def total(self) -> int:
        """Messages queued for the broadcast."""
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class DigestSource:
    """A round's submitted families: the int8 code matrix and their household and score columns.

    ``matrix``: index interview id, one int8 column per indicator code asked for. ``families``: the
    same index; ``household_id``, ``household_code``, ``head_name``, ``address``, ``rt``, ``rw``,
    ``kelurahan``, ``submitted_at`` (UTC), ``index`` (NaN if none), ``category``, ``complete``.
    """

    matrix: pd.DataFrame
    families: pd.DataFrame


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


# --- what an export reads: rows joined with their kader's name, flattened for a sheet -------------------


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """A household with its kader's name; ``extra`` holds columns added by later migrations."""

    id: int
    code: str
    head_name: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kader_id: int | None
    kader_name: str | None
    created_at: datetime
    updated_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InterviewRow:
    """One interview: its household, kader, round, status, instrument and timestamps."""

    id: int
    household_id: int
    kader_id: int
    kader_name: str
    survey_round: str
    status: InterviewStatus
    instrument_id: str
    instrument_version: str
    instrument_hash: str
    consent_at: datetime | None
    started_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One stored answer; ``value`` is None exactly when ``refused``."""

    interview_id: int
    question_id: str
    value: AnswerValue | None
    refused: bool


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """The score saved at submission, its detail kept as stored JSON text (parsed on demand)."""

    interview_id: int
    instrument_version: str
    rubric_version: str
    index_value: float | None
    category: str | None
    complete: bool
    detail_json: str
    scored_at: datetime

    @property
    def detail(self) -> dict[str, Any]:
        """``detail_json`` parsed anew (index, category, dimensions, indicators, failing, flags...)."""
        return dict(json.loads(self.detail_json))


@dataclass(frozen=True, slots=True)
class ExportData:
    """Everything one export shows: every household, and the round's interviews, answers, scores."""

    survey_round: str
    exported_at: datetime
    households: list[HouseholdRow]
    interviews: list[InterviewRow]
    answers: list[AnswerRow]
    scores: list[ScoreRow]

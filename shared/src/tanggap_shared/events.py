"""Event contracts: the envelope of DESIGN.md "Events" and one discriminated union of every event.

Consumers ignore fields they do not know, so a producer may add fields without a new schema version;
renaming or removing a field, or changing its meaning, needs a new `schema_version` that old consumers
can still read.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from tanggap_shared.contracts import (
    Category,
    Channel,
    DraftKind,
    MediaReach,
    NotificationStatus,
    Role,
    Source,
    Tier,
)

SUBJECT_PREFIX = "tanggap"


def utcnow() -> datetime:
    return datetime.now(UTC)


def derive_event_id(causation_id: uuid.UUID, *parts: str) -> uuid.UUID:
    """A deterministic id for an event caused by another one.

    A handler that runs twice for the same cause produces the same id, so JetStream's
    de-duplication (Nats-Msg-Id) and the consumers' inboxes drop the second copy.
    """
    return uuid.uuid5(causation_id, "/".join(parts))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class UnitRef(_Model):
    """The unit (UPT) an incident is about, with its regional office, as the intake knows it."""

    code: str
    name: str
    type: str
    unit_class: str = ""
    city: str = ""
    region: str
    region_name: str = ""
    specialisation: str = ""


class Fact(_Model):
    """One 5W+1H answer and whether it has been verified (DOMAIN.md §6.4)."""

    value: str
    verified: bool = False


class Facts(_Model):
    what: Fact | None = None
    who: Fact | None = None
    when: Fact | None = None
    where: Fact | None = None
    why: Fact | None = None
    how: Fact | None = None


class Impact(_Model):
    """Impact answers of the self-assessment; None means "not known yet", never "no"."""

    deaths: int | None = Field(default=None, ge=0)
    injuries: int | None = Field(default=None, ge=0)
    escapees: int | None = Field(default=None, ge=0)
    media_reach: MediaReach | None = None
    children_involved: bool | None = None
    officers_involved: bool | None = None
    video_exists: bool | None = None


class ReportSnapshot(_Model):
    """The report as received, carried in events so that no service needs to read the intake's database."""

    report_id: uuid.UUID
    text: str
    channel: Channel = Channel.WEB
    source: Source | None = None
    facts: Facts = Facts()
    impact: Impact = Impact()
    links: list[str] = []
    received_at: datetime


class Reason(_Model):
    """One rule of the policy that fired, with the words or answers that triggered it."""

    code: str
    text: str
    level: int = Field(ge=0, le=4)
    triggers: list[str] = []


class LibraryRef(_Model):
    """A library item (approved key message or statement) a draft was built from."""

    id: str
    title: str
    score: float


class Finding(_Model):
    """A check result on a draft (DOMAIN.md §6.8)."""

    code: str
    severity: Literal["info", "warning", "blocking"]
    message: str
    excerpt: str = ""


class Recipient(_Model):
    person_id: str
    name: str
    role: Role
    tier: Tier


class EventBase(_Model):
    """The envelope every event carries."""

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    schema_version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    incident_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    producer: str

    @property
    def subject(self) -> str:
        return subject_for(self.type)  # type: ignore[attr-defined]


class ReportReceived(EventBase):
    """A report was accepted by the intake and attached to an incident."""

    type: Literal["report.received"] = "report.received"
    unit: UnitRef
    report: ReportSnapshot
    recent_incidents_at_unit: int = Field(
        default=0, ge=0, description="Other incidents at the same unit in the last 12 months (recurrence)."
    )


class IncidentClassified(EventBase):
    """The classifier assigned a crisis level, with its reasons."""

    type: Literal["incident.classified"] = "incident.classified"
    unit: UnitRef
    report: ReportSnapshot
    crisis: bool
    level: int = Field(ge=1, le=4)
    category: Category
    secondary_categories: list[Category] = []
    reasons: list[Reason] = []
    policy_version: str
    deadlines: dict[str, int] = Field(
        default={}, description="Minutes from the report to each response target (DOMAIN.md §6.3)."
    )


class DraftProposed(EventBase):
    """The drafter proposes a draft; it waits for a named human's review."""

    type: Literal["draft.proposed"] = "draft.proposed"
    draft_id: uuid.UUID
    kind: DraftKind
    level: int = Field(ge=1, le=4)
    unit: UnitRef
    text: str
    method: Literal["template", "llm"]
    sources: list[LibraryRef] = []
    findings: list[Finding] = []


class DraftReviewed(EventBase):
    """A named human approved or rejected a draft (possibly edited)."""

    type: Literal["draft.reviewed"] = "draft.reviewed"
    draft_id: uuid.UUID
    kind: DraftKind
    decision: Literal["approved", "rejected"]
    reviewer: str
    text: str
    comment: str = ""


class NotificationSent(EventBase):
    """A notification reached a channel of a crisis-team member."""

    type: Literal["notification.sent"] = "notification.sent"
    notification_id: uuid.UUID
    recipient: Recipient
    channel: str
    trigger_event_id: uuid.UUID
    trigger_type: str
    roster_gaps: list[str] = Field(
        default=[],
        description="Roles nobody holds on file, for which this recipient stood in.",
    )
    status: Literal[NotificationStatus.SENT] = NotificationStatus.SENT


class NotificationFailed(EventBase):
    """Every channel of a recipient failed for one notification."""

    type: Literal["notification.failed"] = "notification.failed"
    notification_id: uuid.UUID
    recipient: Recipient
    channel: str
    trigger_event_id: uuid.UUID
    trigger_type: str
    roster_gaps: list[str] = Field(
        default=[],
        description="Roles nobody holds on file, for which this recipient stood in.",
    )
    error: str
    status: Literal[NotificationStatus.FAILED] = NotificationStatus.FAILED


class NotificationAcknowledged(EventBase):
    """A recipient acknowledged a notification; escalation for it stops."""

    type: Literal["notification.acknowledged"] = "notification.acknowledged"
    notification_id: uuid.UUID
    acknowledged_by: str


class IncidentClosed(EventBase):
    """Someone with the authority of the incident's level declared the crisis over."""

    type: Literal["incident.closed"] = "incident.closed"
    closed_by: str
    declaration: str


Event = Annotated[
    ReportReceived
    | IncidentClassified
    | DraftProposed
    | DraftReviewed
    | NotificationSent
    | NotificationFailed
    | NotificationAcknowledged
    | IncidentClosed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_TYPES: tuple[str, ...] = (
    "report.received",
    "incident.classified",
    "draft.proposed",
    "draft.reviewed",
    "notification.sent",
    "notification.failed",
    "notification.acknowledged",
    "incident.closed",
)


def subject_for(event_type: str) -> str:
    """`report.received` → `tanggap.report.received`."""
    return f"{SUBJECT_PREFIX}.{event_type}"


def parse_event(data: bytes | str) -> Event:
    """Validate a message body into its event model (raises pydantic.ValidationError)."""
    return EVENT_ADAPTER.validate_json(data)

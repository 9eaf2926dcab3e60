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


FactKind = Literal["what", "when", "where", "who", "amount", "casualty", "how", "source", "reach"]
FactRole = Literal["warga_binaan", "tahanan", "anak", "petugas", "pengunjung", "keluarga", "aph"]
FactStatus = Literal["suggested", "confirmed", "corrected", "removed"]


class TextSpan(_Model):
    """Where in the report text a fact was read: `text == report.text[start:end]`, always."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class Amount(_Model):
    """An amount as the report says it: a vague word is a range, never an invented number.

    "dua" → low 2, high 2, exact; "puluhan" → low 10, high 99; "ratusan" → low 100, high 999;
    "sejumlah"/"beberapa" → low 2, high None (unknown upper bound).
    """

    words: str = Field(description="The report's own words for the amount, as written.")
    low: int = Field(ge=0)
    high: int | None = Field(default=None, ge=0)
    exact: bool = False


class ReadFact(_Model):
    """One fact read from a report's free text, with the exact span it came from (issue 12).

    A fact read by a machine is `suggested` and unverified until a person confirms or corrects it.
    """

    fact_id: str = Field(description="Stable within its report: '<kind>:<start>-<end>' for read facts.")
    kind: FactKind
    value: str = Field(description="The report's own phrase, or the person's correction.")
    span: TextSpan | None = Field(default=None, description="None only for a person's correction.")
    detail: str = Field(
        default="",
        description="Sub-kind: when → day|date|part_of_day|clock|relative; amount/casualty → what is "
        "counted (escapees, deaths, injuries, inmates, officers, items…); source → a Source code; "
        "reach → a MediaReach code; where → block|room|area.",
    )
    role: FactRole | None = None
    amount: Amount | None = None
    sensitive: bool = Field(
        default=False, description="A method of escape or a weakness of the building: never public."
    )
    status: FactStatus = "suggested"
    verified: bool = Field(default=False, description="True only once a person confirmed or corrected it.")
    extractor: Literal["rules", "llm", "person"] = "rules"


class FactDecision(_Model):
    """A person's decision on one read fact; it stands over any later machine reading."""

    fact_id: str
    decision: Literal["confirmed", "corrected", "removed"]
    value: str = Field(default="", description="The corrected phrase (decision 'corrected').")
    decided_by: str
    decided_at: datetime


class ReportReading(_Model):
    """The structured reading of one report's text; versioned on its own (issue 12)."""

    schema_version: int = 1
    report_id: uuid.UUID
    facts: list[ReadFact] = []
    extractor: Literal["rules", "llm"] = "rules"


class ReportSnapshot(_Model):
    """The report as received, carried in events so that no service needs to read the intake's database."""

    report_id: uuid.UUID
    text: str
    channel: Channel = Channel.WEB
    source: Source | None = None
    facts: Facts = Facts()
    impact: Impact = Impact()
    links: list[str] = []
    stakeholders: list[str] = Field(default=[], description="Affected stakeholders (DOMAIN.md §6.4).")
    received_at: datetime
    fact_decisions: list[FactDecision] = Field(
        default=[], description="What people decided on the facts read from this report's text."
    )


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
    trace_context: dict[str, str] = Field(
        default={}, description="W3C trace headers of the span that produced the event (tracing on)."
    )

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
    joined_existing: bool = Field(default=False, description="The report joined an incident already open.")
    match_reason: str = ""


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
    scct_cluster: Literal["victim", "accidental", "preventable"] | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    missing: list[str] = Field(
        default=[], description="Questions the self-assessment should answer (Indonesian)."
    )
    assessor: Literal["rules", "llm"] = "rules"
    trigger: Literal["report", "update", "spike", "override", "reclassify", "triage"] = "report"
    previous_level: int | None = Field(default=None, ge=1, le=4)
    readings: list[ReportReading] = Field(
        default=[], description="The reading of every report of the incident, person decisions applied."
    )
    needs_review: bool = Field(
        default=False,
        description="'Perlu ditinjau': Tanggap is unsure this is routine; a person must decide (triage).",
    )
    review_reasons: list[str] = Field(default=[], description="Why a person must look (Indonesian).")


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
    recorded_by: str = Field(
        default="", description="Who really decided: the person logged in, the API key or the bootstrap key."
    )
    recorded_by_kind: str = Field(default="", description="user, api_key, bootstrap or open.")
    on_behalf_of: str = Field(
        default="", description="The name the caller sent ('diisi atas nama'): a claim, never a signature."
    )
    revision: int = Field(
        default=0, ge=0, description="The edit revision approved (0: the text as proposed)."
    )


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


class ReportUpdated(EventBase):
    """The self-assessment of a report was completed or corrected; carries the whole new snapshot."""

    type: Literal["report.updated"] = "report.updated"
    unit: UnitRef
    report: ReportSnapshot
    updated_by: str
    changes: list[str] = Field(default=[], description="Names of the fields that changed.")


class IncidentLevelOverridden(EventBase):
    """A human set the level; it stands until another human changes it."""

    type: Literal["incident.level_overridden"] = "incident.level_overridden"
    level: int = Field(ge=1, le=4)
    previous_level: int | None = Field(default=None, ge=1, le=4)
    reason: str
    overridden_by: str


class IncidentPhaseChanged(EventBase):
    """The incident moved through its life cycle (DOMAIN.md §6.1)."""

    type: Literal["incident.phase_changed"] = "incident.phase_changed"
    phase: Literal["pra_krisis", "krisis", "pasca_krisis", "ditutup"]
    previous_phase: str
    changed_by: str
    reason: str


class IncidentMerged(EventBase):
    """`incident_id` was merged into `into_incident_id` (two incidents were one event)."""

    type: Literal["incident.merged"] = "incident.merged"
    into_incident_id: uuid.UUID
    merged_by: str
    reason: str


class MediaSpikeDetected(EventBase):
    """Negative coverage of a unit rose far above its baseline."""

    type: Literal["media.spike_detected"] = "media.spike_detected"
    unit: UnitRef
    negative_count: int = Field(ge=0)
    baseline: float = Field(ge=0)
    window_hours: int = Field(ge=1)
    links: list[str] = []


class TeamMember(_Model):
    recipient: Recipient
    stands_in_for: list[str] = []


class CrisisTeamFormed(EventBase):
    """Who is on an incident's crisis team, in which role and tier, and which roles nobody holds."""

    type: Literal["crisis_team.formed"] = "crisis_team.formed"
    level: int = Field(ge=1, le=4)
    members: list[TeamMember]
    gaps: list[str] = []


class DraftRequested(EventBase):
    """A human asked for a draft of a kind not drafted automatically (e.g. a DPO notice)."""

    type: Literal["draft.requested"] = "draft.requested"
    kind: DraftKind
    requested_by: str
    note: str = ""


class IncidentTriaged(EventBase):
    """A person decided a 'perlu ditinjau' incident: a crisis after all, or not a crisis."""

    type: Literal["incident.triaged"] = "incident.triaged"
    decision: Literal["crisis", "not_crisis"]
    decided_by: str
    reason: str = ""


class DraftEdited(EventBase):
    """A person saved (or is approving) an edited text of a proposed draft; the drafter checks it (§6.8).

    One event per revision: its id is derived from the draft and the revision, so a retry is one edit.
    """

    type: Literal["draft.edited"] = "draft.edited"
    draft_id: uuid.UUID
    kind: DraftKind
    revision: int = Field(ge=1)
    text: str
    text_sha256: str
    edited_by: str
    known: list[str] = Field(
        default=[], description="What an edit may quote: the incident's report texts, facts and figures."
    )
    unverified: list[str] = Field(default=[], description="Facts of the incident marked not verified.")
    children_involved: bool = Field(default=False, description="A report says an Anak is involved.")


class DraftChecked(EventBase):
    """The drafter's checks (DOMAIN.md §6.8) on one edit revision of a draft."""

    type: Literal["draft.checked"] = "draft.checked"
    draft_id: uuid.UUID
    revision: int = Field(ge=1)
    text_sha256: str = Field(description="SHA-256 of the text that was checked.")
    findings: list[Finding] = []
    checked_at: datetime
    checks_version: str


Event = Annotated[
    ReportReceived
    | IncidentClassified
    | DraftProposed
    | DraftReviewed
    | NotificationSent
    | NotificationFailed
    | NotificationAcknowledged
    | IncidentClosed
    | ReportUpdated
    | IncidentLevelOverridden
    | IncidentPhaseChanged
    | IncidentMerged
    | MediaSpikeDetected
    | CrisisTeamFormed
    | DraftRequested
    | IncidentTriaged
    | DraftEdited
    | DraftChecked,
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
    "report.updated",
    "incident.level_overridden",
    "incident.phase_changed",
    "incident.merged",
    "media.spike_detected",
    "crisis_team.formed",
    "draft.requested",
    "incident.triaged",
    "draft.edited",
    "draft.checked",
)


def subject_for(event_type: str) -> str:
    """`report.received` → `tanggap.report.received`."""
    return f"{SUBJECT_PREFIX}.{event_type}"


def parse_event(data: bytes | str) -> Event:
    """Validate a message body into its event model (raises pydantic.ValidationError)."""
    return EVENT_ADAPTER.validate_json(data)

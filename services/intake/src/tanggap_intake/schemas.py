"""HTTP request and response shapes of the public contract (DESIGN.md "Public HTTP contract")."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    UrlConstraints,
    field_validator,
    model_validator,
)

from tanggap_shared.contracts import Channel, DraftKind, MediaReach, Role, Source
from tanggap_shared.textnorm import require_safe


def _no_control_characters(value: str) -> str:
    # Newlines and tabs are normal in a pasted report; control characters are not text, and invisible or
    # text-direction characters make a text read differently from what is stored (see textnorm).
    return require_safe(value)


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_control_characters),
]
# The acting person as named in the body: only read from the bootstrap key and in open mode; a console
# session or a scoped API key acts as itself (see README "People and access").
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_no_control_characters)
]
# A name the caller gives for someone else (a claim): the column holds 200 characters.
ClaimedName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_control_characters)
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000),
    AfterValidator(_no_control_characters),
]
MAX_LINK = 2048  # what browsers and servers reliably handle; a longer "link" is a payload, not an address
Link = Annotated[AnyHttpUrl, UrlConstraints(max_length=MAX_LINK)]
Links = Annotated[list[Link], Field(max_length=20)]


class Stakeholder(StrEnum):
    """Pemangku kepentingan terdampak (DOMAIN.md §6.4)."""

    KELUARGA = "keluarga"
    MASYARAKAT = "masyarakat"
    APH = "aph"
    KANWIL = "kanwil"
    DITJENPAS = "ditjenpas"
    DPR = "dpr"
    OMBUDSMAN = "ombudsman"
    KOMNAS_HAM = "komnas_ham"
    KPAI = "kpai"
    MEDIA = "media"


class FactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: ShortText
    verified: bool = False


class FactsIn(BaseModel):
    """5W+1H; each answer is a string or {"value": ..., "verified": true|false}."""

    model_config = ConfigDict(extra="forbid")

    what: FactIn | None = None
    who: FactIn | None = None
    when: FactIn | None = None
    where: FactIn | None = None
    why: FactIn | None = None
    how: FactIn | None = None

    @field_validator("what", "who", "when", "where", "why", "how", mode="before")
    @classmethod
    def _plain_string_is_unverified(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"value": value, "verified": False}
        return value


class ImpactIn(BaseModel):
    """Impact answers; leave out what is not known yet."""

    model_config = ConfigDict(extra="forbid")

    deaths: int | None = Field(default=None, ge=0, le=100_000)
    injuries: int | None = Field(default=None, ge=0, le=100_000)
    escapees: int | None = Field(default=None, ge=0, le=100_000)
    media_reach: MediaReach | None = None
    children_involved: bool | None = None
    officers_involved: bool | None = None
    video_exists: bool | None = None


class ReportIn(BaseModel):
    """A report about something that happened at a unit. Only `unit_code` and `text` are required."""

    model_config = ConfigDict(extra="forbid")

    unit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Unit code (e.g. DKI-LAPAS-CIPINANG), full name or alias (e.g. Rutan Salemba)."
    )
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    channel: Channel = Channel.WEB
    source: Source | None = None
    facts: FactsIn = FactsIn()
    impact: ImpactIn = ImpactIn()
    links: Links = []
    stakeholders: list[Stakeholder] = Field(default=[], max_length=len(Stakeholder))
    reported_by: ClaimedName = Field(
        default="",
        description="Diisi atas nama: on whose behalf the report is filled, if not the caller. Kept as the "
        "caller's claim; the authenticated caller is recorded apart (recorded_by).",
    )

    _clean_text = field_validator("text", "unit_code")(_no_control_characters)


class ReportPatch(BaseModel):
    """Completing or correcting the self-assessment; send only what changes. A fact or impact answer
    sent as null is cleared; `links` and `stakeholders` replace the whole list."""

    model_config = ConfigDict(extra="forbid")

    updated_by: PersonName | None = None
    source: Source | None = None
    facts: FactsIn | None = None
    impact: ImpactIn | None = None
    links: Links | None = None
    stakeholders: list[Stakeholder] | None = Field(default=None, max_length=len(Stakeholder))


class ReportAccepted(BaseModel):
    report_id: uuid.UUID
    incident_id: uuid.UUID
    status_url: str
    joined_existing: bool = False
    match_reason: str = ""


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "rejected"]
    reviewer: PersonName | None = None
    text: LongText | None = Field(default=None, description="The edited text; null approves it as proposed.")
    comment: Comment = ""


class DraftRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DraftKind
    requested_by: PersonName | None = None
    note: Comment = ""


class DraftRequested(BaseModel):
    incident_id: uuid.UUID
    kind: DraftKind
    event_id: uuid.UUID
    status: Literal["requested"] = "requested"


class LevelOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=4)
    reason: ShortText
    overridden_by: PersonName | None = None


class PhaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Literal["pra_krisis", "krisis", "pasca_krisis", "ditutup"]
    changed_by: PersonName | None = None
    reason: ShortText


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed_by: PersonName | None = None
    role: Role | None = None
    declaration: ShortText


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
    merged_by: PersonName | None = None
    reason: ShortText
    across_units: bool = Field(
        default=False,
        description="Must be true to merge incidents of two different units (one event reported by both); "
        "the report then follows the target incident's scope, and both timelines record it.",
    )


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    split_by: PersonName | None = None
    reason: ShortText


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acknowledged_by: PersonName | None = None


class Acknowledged(BaseModel):
    notification_id: uuid.UUID
    incident_id: uuid.UUID
    acknowledged_by: str
    already: bool = Field(description="True when this notification had been acknowledged before.")


class UnitOut(BaseModel):
    code: str
    name: str
    type: str
    unit_class: str
    specialisation: str
    city: str
    region: str
    region_name: str
    aliases: list[str] = []


class ReportOut(BaseModel):
    id: str
    incident_id: str
    channel: str
    source: str | None
    text: str
    facts: dict[str, Any]
    impact: dict[str, Any]
    links: list[Any]
    received_at: datetime
    stakeholders: list[str] = []
    reported_by: str = Field(
        default="", description="Diisi atas nama: the name the caller gave (a claim, not checked)."
    )
    recorded_by: str = Field(default="", description="Who sent it: the person logged in, API key or channel.")
    recorded_by_kind: str = Field(
        default="", description="user, api_key, bootstrap, open, channel or legacy."
    )
    match_reason: str = ""
    updated_at: datetime | None = None
    updated_by: str | None = None
    fact_decisions: list[Any] = Field(
        default=[], description="People's decisions on facts read from the text."
    )


class DraftOut(BaseModel):
    id: str
    kind: str
    status: str
    method: str
    text: str
    sources: list[Any]
    findings: list[Any]
    created_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    final_text: str | None = None
    review_comment: str = ""
    working_text: str | None = Field(default=None, description="An edit saved for the approver, if any.")
    working_by: str | None = None
    working_at: datetime | None = None
    edit_revision: int = Field(default=0, description="Edits sent to be checked (0: the text as proposed).")
    checked_revision: int = Field(default=0, description="The revision whose check is in check_findings.")
    check_findings: list[Any] = Field(default=[], description="The drafter's findings on that revision.")
    checked_at: datetime | None = None
    checks_version: str = ""
    recorded_by: str = Field(
        default="", description="Who really decided: the person, API key or bootstrap key."
    )
    recorded_by_kind: str = ""
    on_behalf_of: str = Field(
        default="", description="The name the caller sent ('diisi atas nama'): a claim."
    )


class DraftEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: LongText
    edited_by: PersonName | None = None


class DraftCheckOut(BaseModel):
    """The latest revision of a draft and where its check stands."""

    draft_id: str
    revision: int
    state: Literal["proposal", "pending", "checked"]
    findings: list[Any] = []
    blocking: int = 0
    checked_at: datetime | None = None
    checks_version: str = ""


class NotificationOut(BaseModel):
    id: str
    recipient: str
    person_id: str
    role: str
    tier: str
    channel: str
    status: str
    trigger_type: str
    trigger_event_id: str
    roster_gaps: list[str]
    error: str
    at: datetime
    notification_id: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    summary: str
    actor: str
    event_id: str | None = None


class IncidentSummary(BaseModel):
    id: str
    unit: UnitOut
    phase: str
    level: int | None
    crisis: bool | None
    category: str | None
    created_at: datetime
    updated_at: datetime
    number: str = Field(default="", description="Short incident number people quote (first 8 of the id).")
    level_source: str | None = None
    merged_into: str | None = None


class IncidentOut(IncidentSummary):
    secondary_categories: list[str]
    reasons: list[Any]
    deadlines: dict[str, Any]
    policy_version: str | None
    classified_at: datetime | None
    reports: list[ReportOut]
    drafts: list[DraftOut]
    notifications: list[NotificationOut]
    timeline: list[TimelineOut]
    classifier_level: int | None = None
    level_override: dict[str, Any] | None = None
    crisis_team: dict[str, Any] | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    readings: list["ReadingOut"] = Field(
        default=[], description="Per report: the facts read from its text, with their spans and status."
    )
    needs_review: bool = Field(default=False, description="'Perlu ditinjau': a person must decide (triage).")
    review_reasons: list[str] = []
    triage: "TriageOut | None" = None


class ReportChanged(BaseModel):
    report: ReportOut
    changes: list[str] = Field(description="The fields that changed; empty when nothing did.")


class MeOut(BaseModel):
    """Who is calling and what they may see."""

    kind: Literal["user", "api_key", "bootstrap", "open"]
    name: str
    role: str
    scope: Literal["unit", "region", "all"]
    unit_code: str | None = None
    region_code: str | None = None


class FactDecisionIn(BaseModel):
    """A person's decision on one fact read from a report's text (issue 12)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirmed", "corrected", "removed"]
    value: ShortText | None = Field(
        default=None, description="The corrected phrase; required for 'corrected'."
    )
    decided_by: PersonName | None = None

    @field_validator("value")
    @classmethod
    def _short_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) > 500:
            raise ValueError("a fact is a short phrase: at most 500 characters")
        return value

    @model_validator(mode="after")
    def _correction_has_a_value(self) -> Self:
        if self.decision == "corrected" and not self.value:
            raise ValueError("value: required for a correction (the corrected phrase)")
        return self


class TriageIn(BaseModel):
    """A person's decision on a 'perlu ditinjau' incident."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["crisis", "not_crisis"]
    reason: Comment = ""
    decided_by: PersonName | None = None


class SpanOut(BaseModel):
    start: int
    end: int
    text: str


class ReadFactOut(BaseModel):
    """A fact read from a report's text, with the people's latest decision on it applied."""

    fact_id: str
    kind: str
    value: str
    span: SpanOut | None = None
    detail: str = ""
    role: str | None = None
    amount: dict[str, Any] | None = None
    sensitive: bool = False
    status: Literal["suggested", "confirmed", "corrected", "removed"] = "suggested"
    verified: bool = False
    extractor: str = "rules"
    decided_by: str | None = None
    decided_at: datetime | None = None


class ReadingOut(BaseModel):
    report_id: str
    extractor: str = "rules"
    facts: list[ReadFactOut] = []


class TriageOut(BaseModel):
    decision: Literal["crisis", "not_crisis"]
    by: str
    at: datetime
    reason: str = ""


IncidentOut.model_rebuild()

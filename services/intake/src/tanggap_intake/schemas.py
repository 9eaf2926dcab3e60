"""HTTP request and response shapes of the public contract (DESIGN.md "Public HTTP contract")."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tanggap_shared.contracts import Channel, MediaReach, Source

# Newlines and tabs are normal in a pasted report; other control characters are not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains control characters; send plain text")
    return value


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
    links: list[AnyHttpUrl] = Field(default=[], max_length=20)

    _clean_text = field_validator("text", "unit_code")(_no_control_characters)


class ReportAccepted(BaseModel):
    report_id: uuid.UUID
    incident_id: uuid.UUID
    status_url: str


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
    channel: str
    source: str | None
    text: str
    facts: dict[str, Any]
    impact: dict[str, Any]
    links: list[Any]
    received_at: datetime


class DraftOut(BaseModel):
    id: str
    kind: str
    status: str
    method: str
    text: str
    sources: list[Any]
    findings: list[Any]
    created_at: datetime


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


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    summary: str
    actor: str


class IncidentSummary(BaseModel):
    id: str
    unit: UnitOut
    phase: str
    level: int | None
    crisis: bool | None
    category: str | None
    created_at: datetime
    updated_at: datetime


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

"""The notifier's own tables, prefixed `notifier_` (every service's models share one metadata in tests)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Every channel failed and the person's deputy was paged instead; the deputy's row carries the outcome.
    PASSED_ON = "passed_on"


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class TimerKind(StrEnum):
    ESCALATION = "escalation"
    DEADLINE = "deadline"
    DIGEST = "digest"
    # The gathering window of an approval request: when it fires, the request goes out once.
    APPROVAL = "approval"


class ApprovalStatus(StrEnum):
    GATHERING = "gathering"  # the window is open: new drafts join this request
    REQUESTED = "requested"  # sent (or held for the person's digest); later drafts open the next round
    DONE = "done"  # every listed draft was reviewed
    CANCELLED = "cancelled"  # the incident closed, or every draft was reviewed before the window ended


class PersonRow(Base):
    """One crisis-team member; the API and the import write here, routing reads from here."""

    __tablename__ = "notifier_people"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    tier: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(100), default=None)
    region: Mapped[str | None] = mapped_column(String(50), default=None)
    deputies: Mapped[list[Any]] = mapped_column(default=list)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """A message to one person; the UNIQUE pair keeps a redelivered trigger from telling anyone twice.

    The texts are stored when the row is planned, so a delivery resumed after a crash sends exactly what
    was decided; channel URLs are not stored (they may hold tokens) but looked up in the directory.
    `chain_id` groups a page with its escalations: an acknowledgement of any of them stops the chain.
    """

    __tablename__ = "notifier_deliveries"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "person_id", name="uq_notifier_deliveries_trigger_person"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    trigger_type: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(40), default="")
    chain_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    # A digest covers several incidents; each gets its own notification event.
    incident_ids: Mapped[list[Any]] = mapped_column(default=list)
    level: Mapped[int] = mapped_column(Integer, default=0)
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    tier: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    short_body: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    gap_note: Mapped[str] = mapped_column(Text, default="")
    deputy_for: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")
    # A process sending the row owns it until then; another process (or a restart) takes it after.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)


class Attempt(Base):
    """One try of one channel for one delivery: what an operator reads to see why a page did not land."""

    __tablename__ = "notifier_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(500))
    try_number: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class Timer(Base):
    """A durable timer: it survives restarts and fires once (the firing flips `status` in its transaction).

    `key` groups what one decision cancels: `chain:<trigger>` for escalations, `incident:<id>` for
    deadlines, `person:<id>` for digests.
    """

    __tablename__ = "notifier_timers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(150), index=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    chain_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default=TimerStatus.PENDING.value, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)


class DigestItem(Base):
    """A notice held back for a person's next digest (level 1, or over the rate limit)."""

    __tablename__ = "notifier_digest_items"
    __table_args__ = (
        UniqueConstraint("trigger_event_id", "person_id", name="uq_notifier_digest_items_trigger_person"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    incident_id: Mapped[str] = mapped_column(String(36))
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(20))  # "level" or "rate_limit"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivery_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)


class IncidentState(Base):
    """What the notifier knows of an incident: enough to route events that carry no unit or level."""

    __tablename__ = "notifier_incidents"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit: Mapped[dict[str, Any]] = mapped_column(default=dict)
    level: Mapped[int] = mapped_column(Integer)
    crisis: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(30))
    known_at: Mapped[datetime] = mapped_column()
    deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approved_kinds: Mapped[list[Any]] = mapped_column(default=list)
    team: Mapped[list[Any]] = mapped_column(default=list)
    team_revision: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApprovalRequest(Base):
    """One request to one approver to review the drafts of one incident, instead of one page per draft.

    Round 1 opens with the incident's first draft for that person; drafts proposed while its window is
    open join it. A draft proposed after it went out opens the next round (a digest of what arrived
    since). The window is a durable timer (TimerKind.APPROVAL), so a restart inside it still sends the
    request, once. `drafts` lists {draft_id, kind, method, blocking}; `reviewed` the draft ids reviewed.
    """

    __tablename__ = "notifier_approval_requests"
    __table_args__ = (
        UniqueConstraint("incident_id", "person_id", "round", name="uq_notifier_approval_requests_round"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    round: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    unit: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.GATHERING.value)
    drafts: Mapped[list[Any]] = mapped_column(default=list)
    reviewed: Mapped[list[Any]] = mapped_column(default=list)
    due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""The intake's tables: reference data, reports, and the incident read model built from every event."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    province: Mapped[str] = mapped_column(String(100))
    office_name: Mapped[str] = mapped_column(String(200))
    former_name: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    unit_class: Mapped[str] = mapped_column(String(10), default="")
    specialisation: Mapped[str] = mapped_column(String(30), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"))


class UnitAlias(Base):
    __tablename__ = "unit_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("units.code"))


class Incident(Base):
    """The read model of one incident: what the API and the console show."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_unit_created", "unit_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    phase: Mapped[str] = mapped_column(String(20), default="pra_krisis")
    level: Mapped[int | None] = mapped_column(Integer, default=None)
    crisis: Mapped[bool | None] = mapped_column(default=None)
    category: Mapped[str | None] = mapped_column(String(30), default=None)
    secondary_categories: Mapped[list[Any]] = mapped_column(default=list)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    deadlines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version: Mapped[str | None] = mapped_column(String(50), default=None)
    classified_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20), default=None)
    text: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    impact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    links: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    method: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    tier: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    trigger_type: Mapped[str] = mapped_column(String(50))
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    roster_gaps: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TimelineEntry(Base):
    __tablename__ = "timeline"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(36), default=None)


class IdempotencyKey(Base):
    """The first answer to a request that carried an Idempotency-Key, replayed to its retries."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""The classifier's own tables, prefixed `classifier_` (every service's models share one metadata in tests).

The classifier keeps what it needs to re-classify an incident on its own: the snapshots of the
incident's reports (with what the LLM read from each), the level it last published, a media spike,
and a human override that stands until another human changes it.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class ClassifierIncident(Base):
    __tablename__ = "classifier_incidents"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # None until a report of the incident arrives (an override may come first after a state reset).
    unit: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    unit_code: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    recent_incidents: Mapped[int] = mapped_column(default=0)
    level: Mapped[int | None] = mapped_column(default=None)
    crisis: Mapped[bool] = mapped_column(default=False)
    override_level: Mapped[int | None] = mapped_column(default=None)
    override_by: Mapped[str | None] = mapped_column(String(200), default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    spike: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    closed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ClassifierReport(Base):
    __tablename__ = "classifier_reports"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    snapshot: Mapped[dict[str, Any]]
    llm_facts: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    llm_failure: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ClassifierTriage(Base):
    """A person's decision on a 'perlu ditinjau' incident (incident.triaged). Its own table: the others
    are made with create_all, which cannot add a column to a table that already exists."""

    __tablename__ = "classifier_triage"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[str] = mapped_column(String(36))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

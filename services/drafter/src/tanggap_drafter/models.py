"""The drafter's own tables."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class DraftRow(Base):
    """A draft as proposed (the reviewed version lives with the intake, which owns human decisions).

    Not named "drafts": every service's tables share one SQLAlchemy MetaData (tanggap_shared.db.Base),
    and the intake's read model already has a "drafts" table; one process (the test suite) loads both.
    """

    __tablename__ = "proposed_drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    causation_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(20))
    sources: Mapped[list[Any]]
    findings: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentSnapshot(Base):
    """The latest classification of an incident, so that a later request, review or closing can be
    drafted without asking another service."""

    __tablename__ = "drafter_incidents"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[dict[str, Any]]
    fingerprint: Mapped[str] = mapped_column(String(64))
    classified_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(200), default=None)


class ReviewRow(Base):
    """A human decision on one of our drafts, for the evaluation report's timeline and the library."""

    __tablename__ = "drafter_reviews"

    draft_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime]
    library_item: Mapped[str | None] = mapped_column(String(80), default=None)


class TeamRow(Base):
    """The crisis team of an incident (crisis_team.formed), kept so drafts name the people on it.

    `unit_code` lets a later incident of the same unit find the UPT's own people (a roster is per UPT)
    before its own team is formed."""

    __tablename__ = "drafter_teams"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str | None] = mapped_column(String(80), index=True, default=None)
    members: Mapped[list[Any]]
    formed_at: Mapped[datetime]

"""The notifier's own table: one row per (triggering event, recipient)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanggap_shared.db import Base
from tanggap_shared.events import utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Delivery(Base):
    """A notification to one person; the UNIQUE pair keeps a redelivered event from telling anyone twice.

    The text is stored when the row is planned, so a delivery resumed after a crash sends exactly what
    was decided; channel URLs are not stored (they may hold tokens) but looked up in the directory.
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("trigger_event_id", "person_id", name="uq_deliveries_trigger_person"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trigger_event_id: Mapped[str] = mapped_column(String(36))
    trigger_type: Mapped[str] = mapped_column(String(50))
    incident_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(50))
    tier: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    gap_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # A process sending the row owns it until then; another process (or a restart) takes it after.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)

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

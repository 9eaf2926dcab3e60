"""Version stamps of what a live page shows: a short string that changes whenever the page would.

The live script asks "has anything changed since stamp X?" about once a second; answering it must be
cheap, so a stamp is a few aggregates over indexed columns, not the page itself. Every event the read
model applies adds a timeline line, so the timeline's row count and highest number cover classifications,
drafts, notifications, reviews and closing. The count matters as well as the maximum: on PostgreSQL two
transactions may commit their sequence numbers out of order, and a lower number committed later leaves
the maximum alone but not the count. Draft edits and their checks write no timeline line, so the drafts'
revision counters are part of the incident's stamp.
"""

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.access import Principal, incident_filter
from tanggap_intake.models import Draft, Incident, TimelineEntry


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


async def dashboard_stamp(session: AsyncSession, user: Principal) -> str:
    """Changes when an incident in the user's scope is created, changes or gets a timeline line."""
    incidents = (
        await session.execute(
            select(
                func.count(Incident.id), func.max(Incident.updated_at), func.max(Incident.created_at)
            ).where(incident_filter(user))
        )
    ).one()
    lines = (
        await session.execute(
            select(func.count(TimelineEntry.seq), func.max(TimelineEntry.seq))
            .join(Incident, Incident.id == TimelineEntry.incident_id)
            .where(incident_filter(user))
        )
    ).one()
    return _digest(tuple(incidents), tuple(lines))


async def incident_stamp(session: AsyncSession, incident: Incident) -> str:
    """Changes when the incident, its timeline or any of its drafts (an edit, a check) changes."""
    lines = (
        await session.execute(
            select(func.count(TimelineEntry.seq), func.max(TimelineEntry.seq)).where(
                TimelineEntry.incident_id == incident.id
            )
        )
    ).one()
    drafts = (
        await session.execute(
            select(
                func.count(Draft.id),
                func.sum(Draft.edit_revision),
                func.sum(Draft.checked_revision),
                func.max(Draft.working_at),
                func.max(Draft.checked_at),
            ).where(Draft.incident_id == incident.id)
        )
    ).one()
    state = (
        incident.updated_at,
        incident.phase,
        incident.level,
        incident.classified_at,
        incident.merged_into,
    )
    return _digest(tuple(lines), tuple(drafts), state)

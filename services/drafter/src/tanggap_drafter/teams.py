"""The crisis team as the drafter knows it: stored from crisis_team.formed, read when drafting.

The notifier forms an incident's team after the classification, so the first drafts of the first
incident at a unit still show "[diisi Humas UPT: …]" for the people; every later draft of that incident,
and every draft of a later incident at the same unit (a roster is per UPT), names them.
"""

import uuid
from typing import Protocol

import structlog
from faststream.nats import NatsMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_drafter.known import Team
from tanggap_drafter.models import IncidentSnapshot, TeamRow
from tanggap_shared.db import already_applied
from tanggap_shared.events import CrisisTeamFormed, Event, IncidentClassified, TeamMember
from tanggap_shared.messaging import Handler
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.drafter")

CONSUMER = "drafter.crisis_team_formed"


async def team_for(runtime: Runtime, event: IncidentClassified) -> Team | None:
    """The incident's own team, else the latest team formed for an incident of the same unit."""
    async with runtime.sessions() as session:
        row = await session.get(TeamRow, str(event.incident_id))
        if row is None:
            row = await session.scalar(
                select(TeamRow)
                .where(TeamRow.unit_code == event.unit.code)
                .order_by(TeamRow.formed_at.desc())
                .limit(1)
            )
    if row is None:
        return None
    members = [TeamMember.model_validate(m) for m in row.members]
    return Team.from_members(members, event.unit)


async def _unit_of(session: AsyncSession, incident_id: uuid.UUID) -> str | None:
    snapshot = await session.get(IncidentSnapshot, str(incident_id))
    if snapshot is None:
        return None
    unit = snapshot.event.get("unit") or {}
    code = unit.get("code")
    return str(code) if code else None


class _HasRuntime(Protocol):
    @property
    def runtime(self) -> Runtime: ...


def make_crisis_team_formed_handler(deps: _HasRuntime) -> Handler:
    """Keep the newest team of each incident (events may arrive out of order)."""
    runtime = deps.runtime

    async def on_crisis_team_formed(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, CrisisTeamFormed):
            return
        async with runtime.unit_of_work() as session:
            if await already_applied(session, CONSUMER, event.event_id):
                return
            members = [m.model_dump(mode="json") for m in event.members]
            row = await session.get(TeamRow, str(event.incident_id))
            if row is None:
                unit = await _unit_of(session, event.incident_id)
                session.add(
                    TeamRow(
                        incident_id=str(event.incident_id),
                        unit_code=unit,
                        members=members,
                        formed_at=event.occurred_at,
                    )
                )
            elif event.occurred_at >= row.formed_at:
                row.members = members
                row.formed_at = event.occurred_at
                row.unit_code = row.unit_code or await _unit_of(session, event.incident_id)
        log.info("drafter.team_stored", members=len(event.members))

    return on_crisis_team_formed

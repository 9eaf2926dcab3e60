"""What the notifier remembers per incident, and the incident's crisis team (published when it changes)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.directory import Directory
from tanggap_notifier.messages import IncidentView
from tanggap_notifier.models import Delivery, IncidentState
from tanggap_notifier.notices import PAGE_KINDS, PRODUCER
from tanggap_notifier.routing import Routed, RoutingPolicy, resolve
from tanggap_shared.contracts import Category
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import (
    CrisisTeamFormed,
    IncidentClassified,
    Recipient,
    TeamMember,
    UnitRef,
    derive_event_id,
)


def view_of(state: IncidentState) -> IncidentView:
    return IncidentView(
        incident_id=uuid.UUID(state.incident_id),
        unit=UnitRef.model_validate(state.unit),
        level=state.level,
        category=Category(state.category),
        known_at=state.known_at,
        deadlines={str(k): int(v) for k, v in state.deadlines.items()},
    )


def view_of_classified(event: IncidentClassified, known_at: datetime) -> IncidentView:
    return IncidentView(
        incident_id=event.incident_id,
        unit=event.unit,
        level=event.level,
        category=event.category,
        known_at=known_at,
        deadlines=dict(event.deadlines),
        secondary_categories=tuple(event.secondary_categories),
    )


async def get_state(session: AsyncSession, incident_id: uuid.UUID | str) -> IncidentState | None:
    return await session.get(IncidentState, str(incident_id))


async def record_classification(
    session: AsyncSession, event: IncidentClassified
) -> tuple[IncidentState, int | None]:
    """Store the new level; returns the state and the level before it (None for a first classification)."""
    state = await get_state(session, event.incident_id)
    received = event.report.received_at
    if state is None:
        state = IncidentState(
            incident_id=str(event.incident_id),
            unit=event.unit.model_dump(mode="json"),
            level=event.level,
            crisis=event.crisis,
            category=event.category.value,
            known_at=received,
            deadlines=dict(event.deadlines),
            approved_kinds=[],
            team=[],
            team_revision=0,
            closed=False,
        )
        session.add(state)
        return state, None
    previous = state.level if state.crisis else None
    state.unit = event.unit.model_dump(mode="json")
    state.level = event.level
    state.crisis = event.crisis
    state.category = event.category.value
    # Deadlines run from when the incident became known: its first report.
    state.known_at = min(state.known_at, received)
    state.deadlines = dict(event.deadlines)
    return state, previous


def team_of(state: IncidentState, directory: Directory, policy: RoutingPolicy) -> list[Routed]:
    """Who carries the crisis at its current level (the same people a new page would reach)."""
    unit = UnitRef.model_validate(state.unit)
    return resolve(
        policy.incident_classified[state.level],
        directory=directory,
        policy=policy,
        unit=unit.code,
        region=unit.region,
    )


def recipient_of(routed: Routed) -> Recipient:
    person = routed.person
    return Recipient(person_id=person.id, name=person.name, role=routed.role, tier=person.tier)


def _members(team: list[Routed]) -> list[dict[str, Any]]:
    return [
        {
            "recipient": recipient_of(r).model_dump(mode="json"),
            "stands_in_for": [g.note for g in r.stands_in_for],
        }
        for r in team
    ]


async def refresh_team(
    session: AsyncSession, state: IncidentState, directory: Directory, policy: RoutingPolicy
) -> bool:
    """Recompute the team; if it changed, store it and stage crisis_team.formed. True if published.

    The event id comes from the incident and the team's revision, so a re-run of the same change
    produces the same id, and a later change a new one.
    """
    if not state.crisis or state.closed:
        return False
    members = _members(team_of(state, directory, policy))
    if members == state.team and state.team_revision > 0:
        return False
    state.team = members
    state.team_revision += 1
    gaps = sorted({gap for m in members for gap in m["stands_in_for"]})
    incident_id = uuid.UUID(state.incident_id)
    add_to_outbox(
        session,
        CrisisTeamFormed(
            event_id=derive_event_id(incident_id, PRODUCER, "crisis_team", str(state.team_revision)),
            incident_id=incident_id,
            producer=PRODUCER,
            level=state.level,
            members=[TeamMember.model_validate(m) for m in members],
            gaps=gaps,
        ),
    )
    return True


async def paged_people(session: AsyncSession, incident_id: uuid.UUID | str) -> set[str]:
    """Who has been paged about this crisis (its first page or a level rise), digests not counted."""
    rows = await session.scalars(
        select(Delivery.person_id).where(
            Delivery.incident_id == str(incident_id), Delivery.kind.in_(PAGE_KINDS)
        )
    )
    return set(rows.all())


async def open_crisis_states(session: AsyncSession) -> list[IncidentState]:
    query = select(IncidentState).where(IncidentState.crisis.is_(True), IncidentState.closed.is_(False))
    return list((await session.scalars(query)).all())

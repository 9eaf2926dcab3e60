"""Reading incidents and units for the API and the console."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.access import Principal, incident_filter
from tanggap_intake.errors import NotFound
from tanggap_intake.models import (
    Acknowledgement,
    Draft,
    Incident,
    Notification,
    Region,
    Report,
    TimelineEntry,
    Unit,
    UnitAlias,
)
from tanggap_intake.readings import reading_of
from tanggap_intake.readmodel import number
from tanggap_intake.schemas import (
    DraftOut,
    IncidentOut,
    IncidentSummary,
    NotificationOut,
    ReportOut,
    TimelineOut,
    TriageOut,
    UnitOut,
)


async def list_units(session: AsyncSession, *, region: str | None = None) -> list[UnitOut]:
    regions = {r.code: r.office_name for r in (await session.scalars(select(Region))).all()}
    aliases: dict[str, list[str]] = {}
    for a in (await session.scalars(select(UnitAlias))).all():
        aliases.setdefault(a.code, []).append(a.alias)
    query = select(Unit).order_by(Unit.code)
    if region:
        query = query.where(Unit.region == region.upper())
    return [_unit_out(u, regions, aliases) for u in (await session.scalars(query)).all()]


def _unit_out(unit: Unit, regions: dict[str, str], aliases: dict[str, list[str]]) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        type=unit.type,
        unit_class=unit.unit_class,
        specialisation=unit.specialisation,
        city=unit.city,
        region=unit.region,
        region_name=regions.get(unit.region, ""),
        aliases=sorted(aliases.get(unit.code, [])),
    )


async def _unit_for(session: AsyncSession, code: str) -> UnitOut:
    unit = await session.get(Unit, code)
    if unit is None:  # foreign key makes this impossible unless reference data was replaced
        return UnitOut(
            code=code,
            name=code,
            type="",
            unit_class="",
            specialisation="",
            city="",
            region="",
            region_name="",
        )
    region = await session.get(Region, unit.region)
    return _unit_out(unit, {unit.region: region.office_name if region else ""}, {})


async def list_incidents(
    session: AsyncSession, *, limit: int, offset: int, principal: Principal
) -> list[IncidentSummary]:
    """Incidents within the principal's scope, newest first."""
    rows = (
        await session.scalars(
            select(Incident)
            .where(incident_filter(principal))
            .order_by(Incident.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [await summary(session, i) for i in rows]


async def summary(session: AsyncSession, incident: Incident) -> IncidentSummary:
    return IncidentSummary(
        id=incident.id,
        unit=await _unit_for(session, incident.unit_code),
        phase=incident.phase,
        level=incident.level,
        crisis=incident.crisis,
        category=incident.category,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        number=number(incident.id),
        level_source=incident.level_source,
        merged_into=incident.merged_into,
    )


async def _notifications(session: AsyncSession, incident_id: str) -> list[NotificationOut]:
    rows = await session.scalars(
        select(Notification).where(Notification.incident_id == incident_id).order_by(Notification.at)
    )
    acks = {
        a.notification_id: a
        for a in await session.scalars(
            select(Acknowledgement).where(Acknowledgement.incident_id == incident_id)
        )
    }
    out = []
    for row in rows:
        item = NotificationOut.model_validate(row, from_attributes=True)
        ack = acks.get(row.notification_id or "")
        if ack is not None:
            item = item.model_copy(
                update={
                    "status": "acknowledged",
                    "acknowledged_by": ack.acknowledged_by,
                    "acknowledged_at": ack.at,
                }
            )
        out.append(item)
    return out


async def get_incident(session: AsyncSession, incident_id: str) -> IncidentOut:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident with id {incident_id}.")

    reports = (
        await session.scalars(
            select(Report).where(Report.incident_id == incident_id).order_by(Report.received_at)
        )
    ).all()
    drafts = await session.scalars(
        select(Draft).where(Draft.incident_id == incident_id).order_by(Draft.created_at)
    )
    timeline = await session.scalars(
        select(TimelineEntry).where(TimelineEntry.incident_id == incident_id).order_by(TimelineEntry.seq)
    )
    return IncidentOut(
        **(await summary(session, incident)).model_dump(),
        secondary_categories=list(incident.secondary_categories),
        reasons=list(incident.reasons),
        deadlines=dict(incident.deadlines),
        policy_version=incident.policy_version,
        classified_at=incident.classified_at,
        reports=[ReportOut.model_validate(r, from_attributes=True) for r in reports],
        drafts=[DraftOut.model_validate(d, from_attributes=True) for d in drafts],
        notifications=await _notifications(session, incident_id),
        timeline=[TimelineOut.model_validate(t, from_attributes=True) for t in timeline],
        classifier_level=incident.classifier_level,
        level_override=incident.override,
        crisis_team=incident.crisis_team,
        closed_by=incident.closed_by,
        closed_at=incident.closed_at,
        readings=[reading for r in reports if (reading := reading_of(r)) is not None],
        needs_review=incident.needs_review,
        review_reasons=list(incident.review_reasons),
        triage=TriageOut.model_validate(incident.triage) if incident.triage else None,
    )

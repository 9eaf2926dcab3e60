"""Accepting a report: store it, open its incident, stage report.received, all in one transaction."""

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.errors import IdempotencyConflict, UnknownUnit
from tanggap_intake.models import IdempotencyKey, Incident, Region, Report, TimelineEntry, Unit
from tanggap_intake.reference import closest_units, find_unit
from tanggap_intake.schemas import ReportAccepted, ReportIn
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import Facts, Impact, ReportReceived, ReportSnapshot, UnitRef, utcnow

PRODUCER = "intake"


def request_fingerprint(body: ReportIn) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def replay_idempotent(session: AsyncSession, key: str, fingerprint: str) -> ReportAccepted | None:
    """The first answer for this key, or None when the key is new; a different body is a conflict."""
    row = await session.get(IdempotencyKey, key)
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different report. "
            "Use a new key for a new report, or resend exactly the same body to get the first answer."
        )
    return ReportAccepted.model_validate(row.response)


async def resolve_unit(session: AsyncSession, query: str) -> Unit:
    unit = await find_unit(session, query)
    if unit is not None:
        return unit
    suggestions = await closest_units(session, query)
    hint = "; ".join(f"{u.code} ({u.name})" for u in suggestions) or "see GET /v1/units"
    raise UnknownUnit(
        f"Unknown unit '{query}'. Closest known units: {hint}.",
        detail=[
            {
                "field": "unit_code",
                "message": f"unknown unit '{query}'",
                "suggestions": [{"code": u.code, "name": u.name} for u in suggestions],
            }
        ],
    )


async def unit_ref(session: AsyncSession, unit: Unit) -> UnitRef:
    region = await session.get(Region, unit.region)
    return UnitRef(
        code=unit.code,
        name=unit.name,
        type=unit.type,
        unit_class=unit.unit_class,
        city=unit.city,
        region=unit.region,
        region_name=region.office_name if region else "",
        specialisation=unit.specialisation,
    )


async def recent_incidents(session: AsyncSession, unit_code: str, days: int) -> int:
    since = utcnow() - timedelta(days=days)
    count = await session.scalar(
        select(func.count())
        .select_from(Incident)
        .where(Incident.unit_code == unit_code, Incident.created_at >= since)
    )
    return int(count or 0)


async def accept_report(
    session: AsyncSession,
    body: ReportIn,
    *,
    public_url: str,
    recurrence_days: int,
    idempotency_key: str | None,
) -> ReportAccepted:
    """Store the report and its new incident, and stage report.received in the outbox."""
    fingerprint = request_fingerprint(body)
    if idempotency_key is not None:
        replay = await replay_idempotent(session, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    unit = await resolve_unit(session, body.unit_code)
    ref = await unit_ref(session, unit)
    recurrence = await recent_incidents(session, unit.code, recurrence_days)
    now = utcnow()
    incident_id, report_id = uuid.uuid4(), uuid.uuid4()
    snapshot = ReportSnapshot(
        report_id=report_id,
        text=body.text,
        channel=body.channel,
        source=body.source,
        facts=Facts.model_validate(body.facts.model_dump()),
        impact=Impact.model_validate(body.impact.model_dump()),
        links=[str(link) for link in body.links],
        received_at=now,
    )
    session.add(Incident(id=str(incident_id), unit_code=unit.code, created_at=now, updated_at=now))
    await session.flush()
    session.add(
        Report(
            id=str(report_id),
            incident_id=str(incident_id),
            unit_code=unit.code,
            channel=body.channel.value,
            source=body.source.value if body.source else None,
            text=body.text,
            facts=snapshot.facts.model_dump(mode="json", exclude_none=True),
            impact=snapshot.impact.model_dump(mode="json", exclude_none=True),
            links=snapshot.links,
            received_at=now,
        )
    )
    event = ReportReceived(
        incident_id=incident_id,
        producer=PRODUCER,
        unit=ref,
        report=snapshot,
        recent_incidents_at_unit=recurrence,
    )
    session.add(
        TimelineEntry(
            incident_id=str(incident_id),
            at=now,
            kind="report.received",
            summary=f"Laporan diterima melalui kanal {body.channel.value} untuk {unit.name}.",
            actor=body.channel.value,
            event_id=str(event.event_id),
        )
    )
    add_to_outbox(session, event)
    accepted = ReportAccepted(
        report_id=report_id,
        incident_id=incident_id,
        status_url=f"{public_url.rstrip('/')}/v1/incidents/{incident_id}",
    )
    if idempotency_key is not None:
        session.add(
            IdempotencyKey(
                key=idempotency_key,
                request_hash=fingerprint,
                status_code=202,
                response=accepted.model_dump(mode="json"),
            )
        )
    return accepted

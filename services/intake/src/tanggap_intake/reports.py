"""Accepting a report: store it, attach it to its incident (new or open), stage report.received, in one
transaction. Also the self-assessment's later completion (report.updated) and splitting a report off."""

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import readmodel
from tanggap_intake.access import Principal
from tanggap_intake.errors import Conflict, IdempotencyConflict, NotFound, UnknownUnit
from tanggap_intake.matching import Candidate, Match, find_match, report_category
from tanggap_intake.models import (
    IdempotencyKey,
    Incident,
    Region,
    Report,
    ReportRevision,
    TimelineEntry,
    Unit,
)
from tanggap_intake.readmodel import number
from tanggap_intake.reference import closest_units, find_unit
from tanggap_intake.schemas import ReportAccepted, ReportIn, ReportOut, ReportPatch, SplitIn
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel, Source
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import (
    FactDecision,
    Facts,
    Impact,
    ReportReceived,
    ReportSnapshot,
    ReportUpdated,
    UnitRef,
    utcnow,
)

PRODUCER = "intake"
CANDIDATE_TEXTS = 20


def caller_idempotency_key(caller: str, key: str) -> str:
    """The stored form of a caller's Idempotency-Key: keys belong to the caller who sent them, so the same
    key from two callers is two requests (never a 409 that tells one caller what another sent). Hashed, as
    the caller's id and a 200-character key would not fit the column together."""
    return "k1:" + hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


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


async def recent_incidents(session: AsyncSession, unit_code: str, days: int, *, exclude: str) -> int:
    """Other incidents at the unit in the recurrence window (merged ones were the same event)."""
    since = utcnow() - timedelta(days=days)
    count = await session.scalar(
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.unit_code == unit_code,
            Incident.created_at >= since,
            Incident.id != exclude,
            Incident.merged_into.is_(None),
        )
    )
    return int(count or 0)


async def open_candidates(session: AsyncSession, unit_code: str, since: datetime) -> list[Candidate]:
    """Open incidents of the unit with a report since `since`, with their recent report texts."""
    rows = (
        await session.execute(
            select(Incident, func.max(Report.received_at))
            .join(Report, Report.incident_id == Incident.id)
            .where(
                Incident.unit_code == unit_code,
                Incident.merged_into.is_(None),
                Incident.phase != "ditutup",
            )
            .group_by(Incident.id)
            .having(func.max(Report.received_at) >= since)
        )
    ).all()
    candidates = []
    for incident, last in rows:
        reports = (
            await session.scalars(
                select(Report)
                .where(Report.incident_id == incident.id)
                .order_by(Report.received_at.desc())
                .limit(CANDIDATE_TEXTS)
            )
        ).all()
        category = _incident_category(incident, reports)
        candidates.append(Candidate(incident.id, category, last, [r.text for r in reports]))
    return candidates


def _incident_category(incident: Incident, reports: Any) -> str:
    if incident.crisis is False:
        return "routine"
    if incident.category:
        return incident.category
    first = reports[-1] if reports else None
    return (first.category_hint if first else None) or "unknown"


async def find_open_incident(
    session: AsyncSession, unit: Unit, text: str, settings: IntakeSettings, now: datetime
) -> Match | None:
    if settings.match_window_hours == 0:
        return None
    since = now - timedelta(hours=settings.match_window_hours)
    candidates = await open_candidates(session, unit.code, since)
    return find_match(
        text,
        candidates,
        unit_name=unit.name,
        now=now,
        window_hours=settings.match_window_hours,
        min_similarity=settings.match_min_similarity,
    )


def snapshot_of(report: Report) -> ReportSnapshot:
    return ReportSnapshot(
        report_id=uuid.UUID(report.id),
        text=report.text,
        channel=Channel(report.channel),
        source=Source(report.source) if report.source else None,
        facts=Facts.model_validate(report.facts),
        impact=Impact.model_validate(report.impact),
        links=list(report.links),
        stakeholders=list(report.stakeholders),
        received_at=report.received_at,
        fact_decisions=[FactDecision.model_validate(d) for d in report.fact_decisions],
    )


async def _received(
    session: AsyncSession,
    report: Report,
    unit: Unit,
    settings: IntakeSettings,
    match: Match | None,
    now: datetime,
) -> ReportReceived:
    return ReportReceived(
        incident_id=uuid.UUID(report.incident_id),
        producer=PRODUCER,
        occurred_at=now,
        unit=await unit_ref(session, unit),
        report=snapshot_of(report),
        recent_incidents_at_unit=await recent_incidents(
            session, unit.code, settings.recurrence_days, exclude=report.incident_id
        ),
        joined_existing=match is not None,
        match_reason=match.reason if match else "",
    )


def _new_incident(session: AsyncSession, unit: Unit, now: datetime) -> Incident:
    incident = Incident(id=str(uuid.uuid4()), unit_code=unit.code, created_at=now, updated_at=now)
    session.add(incident)
    return incident


async def accept_report(
    session: AsyncSession,
    body: ReportIn,
    settings: IntakeSettings,
    *,
    idempotency_key: str | None = None,
    recorder: Principal | None = None,
) -> ReportAccepted:
    """Store the report in its incident (an open one about the same event, else a new one) and stage
    report.received in the outbox."""
    fingerprint = request_fingerprint(body)
    if idempotency_key is not None:
        replay = await replay_idempotent(session, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    unit = await resolve_unit(session, body.unit_code)
    now = utcnow()
    match = await find_open_incident(session, unit, body.text, settings, now)
    if match is not None:
        incident = await session.get(Incident, match.incident_id)
        assert incident is not None
        incident.updated_at = now
    else:
        incident = _new_incident(session, unit, now)
    await session.flush()
    report = Report(
        id=str(uuid.uuid4()),
        incident_id=incident.id,
        unit_code=unit.code,
        channel=body.channel.value,
        source=body.source.value if body.source else None,
        text=body.text,
        facts=body.facts.model_dump(mode="json", exclude_none=True),
        impact=body.impact.model_dump(mode="json", exclude_none=True),
        links=[str(link) for link in body.links],
        stakeholders=[s.value for s in body.stakeholders],
        reported_by=body.reported_by,
        recorded_by=recorder.label if recorder else f"kanal {body.channel.value}",
        recorded_by_kind=recorder.kind.value if recorder else "channel",
        category_hint=report_category(body.text),
        match_reason=match.reason if match else "",
        received_at=now,
    )
    session.add(report)
    event = await _received(session, report, unit, settings, match, now)
    if match is None:
        summary = f"Laporan diterima melalui kanal {body.channel.value} untuk {unit.name}."
    else:
        summary = (
            f"Laporan tambahan melalui kanal {body.channel.value} digabung ke insiden ini: {match.reason}"
        )
    _timeline(session, incident.id, now, "report.received", summary, body.channel.value, event)
    add_to_outbox(session, event)
    accepted = ReportAccepted(
        report_id=uuid.UUID(report.id),
        incident_id=uuid.UUID(incident.id),
        status_url=f"{settings.public_url.rstrip('/')}/v1/incidents/{incident.id}",
        joined_existing=match is not None,
        match_reason=match.reason if match else "",
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


def _timeline(
    session: AsyncSession,
    incident_id: str,
    at: datetime,
    kind: str,
    summary: str,
    actor: str,
    event: ReportReceived | None,
) -> None:
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            at=at,
            kind=kind,
            summary=summary,
            actor=actor[:100],
            event_id=str(event.event_id) if event else None,
        )
    )


def report_out(report: Report) -> ReportOut:
    return ReportOut.model_validate(report, from_attributes=True)


async def _report(session: AsyncSession, report_id: str) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report with id {report_id}.")
    return report


def _merge_answers(current: dict[str, Any], patch: BaseModel) -> dict[str, Any]:
    """Answers sent replace, answers sent as null are cleared, answers not sent stay."""
    sent = patch.model_dump(mode="json", include=patch.model_fields_set)
    return {k: v for k, v in {**current, **sent}.items() if v is not None}


def _changed_values(
    report: Report, patch: ReportPatch, text: str | None, fact_decision: FactDecision | None = None
) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    if fact_decision is not None:
        wanted["fact_decisions"] = [*report.fact_decisions, fact_decision.model_dump(mode="json")]
    if "source" in patch.model_fields_set:
        wanted["source"] = patch.source.value if patch.source else None
    if patch.facts is not None:
        wanted["facts"] = _merge_answers(report.facts, patch.facts)
    if patch.impact is not None:
        wanted["impact"] = _merge_answers(report.impact, patch.impact)
    if patch.links is not None:
        wanted["links"] = [str(link) for link in patch.links]
    if patch.stakeholders is not None:
        wanted["stakeholders"] = [s.value for s in patch.stakeholders]
    if text is not None:
        wanted["text"] = text
    return {k: v for k, v in wanted.items() if getattr(report, k) != v}


async def update_report(
    session: AsyncSession,
    report_id: str,
    patch: ReportPatch,
    updated_by: str,
    *,
    text: str | None = None,
    fact_decision: FactDecision | None = None,
) -> tuple[ReportOut, list[str]]:
    """Complete or correct a report; records the revision and stages report.updated with the whole new
    snapshot. Nothing changes (and nothing is published) when the values are the same. A person's
    decision on a fact read from the text (issue 12) is appended to the report's decisions."""
    report = await _report(session, report_id)
    changed = _changed_values(report, patch, text, fact_decision)
    if not changed:
        return report_out(report), []
    before = {k: getattr(report, k) for k in changed}
    now = utcnow()
    for key, value in changed.items():
        setattr(report, key, value)
    if "text" in changed:
        report.category_hint = report_category(report.text)
    report.updated_at, report.updated_by = now, updated_by
    session.add(
        ReportRevision(
            report_id=report.id, at=now, updated_by=updated_by, changes=sorted(changed), before=before
        )
    )
    unit = await session.get(Unit, report.unit_code)
    assert unit is not None
    event = ReportUpdated(
        incident_id=uuid.UUID(report.incident_id),
        producer=PRODUCER,
        occurred_at=now,
        unit=await unit_ref(session, unit),
        report=snapshot_of(report),
        updated_by=updated_by,
        changes=sorted(changed),
    )
    await readmodel.apply_event(session, event)
    add_to_outbox(session, event)
    return report_out(report), sorted(changed)


async def split_report(
    session: AsyncSession, report_id: str, body: SplitIn, settings: IntakeSettings, split_by: str
) -> ReportAccepted:
    """Move a report that was wrongly joined into an incident of its own, to be classified afresh."""
    report = await _report(session, report_id)
    old = report.incident_id
    siblings = await session.scalar(select(func.count()).select_from(Report).where(Report.incident_id == old))
    if int(siblings or 0) < 2:
        raise Conflict("This report is the only report of its incident; there is nothing to split it from.")
    unit = await session.get(Unit, report.unit_code)
    assert unit is not None
    now = utcnow()
    incident = _new_incident(session, unit, now)
    await session.flush()
    report.incident_id, report.match_reason = incident.id, ""
    event = await _received(session, report, unit, settings, None, now)
    why = f"oleh {split_by}: {body.reason}"
    _timeline(
        session,
        old,
        now,
        "report.split",
        f"Laporan dipisahkan ke insiden {number(incident.id)} {why}",
        split_by,
        None,
    )
    _timeline(
        session,
        incident.id,
        now,
        "report.split",
        f"Insiden dibuat dari laporan yang dipisahkan dari insiden {number(old)} {why}",
        split_by,
        event,
    )
    old_incident = await session.get(Incident, old)
    if old_incident is not None:
        old_incident.updated_at = now
    add_to_outbox(session, event)
    return ReportAccepted(
        report_id=uuid.UUID(report.id),
        incident_id=uuid.UUID(incident.id),
        status_url=f"{settings.public_url.rstrip('/')}/v1/incidents/{incident.id}",
    )

"""The public HTTP contract: health, units, reports, incidents, and the human decisions on them."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake import decisions, edit_checks, guards, readings
from tanggap_intake.access import Principal, ScopeKind, unit_filter
from tanggap_intake.actions import (
    actor,
    close_as,
    merge_as,
    override_as,
    phase_as,
    request_draft_as,
    review_as,
    save_edit_as,
)
from tanggap_intake.auth import PrincipalDep, api_principal
from tanggap_intake.errors import IdempotencyConflict, NotAllowed
from tanggap_intake.models import ChannelMessage, Draft, Incident, MediaTally
from tanggap_intake.queries import get_incident, list_incidents, list_units
from tanggap_intake.reports import (
    accept_report,
    caller_idempotency_key,
    replay_idempotent,
    request_fingerprint,
    resolve_unit,
    split_report,
    update_report,
)
from tanggap_intake.schemas import (
    Acknowledged,
    AcknowledgeIn,
    CloseIn,
    DraftCheckOut,
    DraftEditIn,
    DraftOut,
    DraftRequested,
    DraftRequestIn,
    FactDecisionIn,
    IncidentOut,
    IncidentSummary,
    LevelOverrideIn,
    MeOut,
    MergeIn,
    PhaseIn,
    ReportAccepted,
    ReportChanged,
    ReportIn,
    ReportOut,
    ReportPatch,
    ReviewIn,
    SplitIn,
    TriageIn,
    UnitOut,
)
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.runtime import Runtime

T = TypeVar("T")

log = structlog.get_logger("tanggap.intake.api")

router = APIRouter()
v1 = APIRouter(prefix="/v1", dependencies=[Depends(api_principal)])


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@router.get("/healthz", tags=["ops"], summary="Up and connected to the broker")
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    connected = await runtime.broker.ping(timeout=2.0)
    status = 200 if connected else 503
    return JSONResponse({"status": "ok" if connected else "broker unreachable"}, status_code=status)


@router.get("/metrics", include_in_schema=False)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics: events in and out, handler latency, outbox backlog, dead letters."""
    body, content_type = await runtime.metrics_response()
    return Response(body, media_type=content_type)


@v1.get("/units", response_model=list[UnitOut], tags=["reference"])
async def units(
    runtime: RuntimeDep, region: str | None = Query(default=None, max_length=20)
) -> list[UnitOut]:
    """The known units (UPT) with their regional office and aliases."""
    async with runtime.sessions() as session:
        return await list_units(session, region=region)


@v1.get("/me", response_model=MeOut, tags=["access"])
async def me(principal: PrincipalDep) -> MeOut:
    """Who the credentials belong to, with the role and the scope they give."""
    return MeOut(
        kind=principal.kind.value,
        name=principal.name,
        role=principal.role.value,
        scope=principal.scope.value,
        unit_code=principal.unit_code,
        region_code=principal.region_code,
    )


@v1.post("/reports", status_code=202, response_model=ReportAccepted, tags=["reports"])
async def post_report(
    body: ReportIn,
    request: Request,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    # Visible ASCII only: a key with invisible or look-alike characters would look equal to another
    # key in a log and differ in the database (a retry that makes a second report).
    idempotency_key: Annotated[
        str | None, Header(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> ReportAccepted:
    """Accept a report; it is stored before this answers, and published as soon as the broker takes it."""
    settings: IntakeSettings = request.app.state.settings
    async with runtime.sessions() as session:
        unit = await resolve_unit(session, body.unit_code)
        if not principal.sees(unit.code, unit.region):
            raise NotAllowed(
                f"You may report only for {principal.scope_label}; {unit.code} is outside it.",
                indonesian=f"Anda hanya dapat melapor untuk {principal.scope_label}.",
            )
    if not body.reported_by and not principal.trusted_names:
        body = body.model_copy(update={"reported_by": principal.actor(None) or ""})
    if idempotency_key is not None:
        idempotency_key = caller_idempotency_key(principal.key, idempotency_key)
    try:
        async with runtime.unit_of_work() as session:
            accepted = await accept_report(
                session, body, settings, idempotency_key=idempotency_key, recorder=principal
            )
    except IntegrityError:
        # Two retries with one key raced; the loser answers with the winner's answer.
        if idempotency_key is None:
            raise
        async with runtime.sessions() as session:
            replay = await replay_idempotent(session, idempotency_key, request_fingerprint(body))
        if replay is None:
            raise IdempotencyConflict(
                "Please retry: a request with this Idempotency-Key is in progress."
            ) from None
        accepted = replay
    log.info(
        "intake.report_accepted",
        incident_id=str(accepted.incident_id),
        report_id=str(accepted.report_id),
        channel=body.channel.value,
        joined=accepted.joined_existing,
    )
    return accepted


@v1.get("/incidents", response_model=list[IncidentSummary], tags=["incidents"])
async def incidents(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[IncidentSummary]:
    """Incidents within the caller's scope, newest first."""
    async with runtime.sessions() as session:
        return await list_incidents(session, limit=limit, offset=offset, principal=principal)


@v1.get("/incidents/{incident_id}", response_model=IncidentOut, tags=["incidents"])
async def incident(incident_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> IncidentOut:
    """One incident with its level and reasons, reports, drafts, notifications and timeline."""
    async with runtime.sessions() as session:
        await guards.visible_incident(session, principal, incident_id)
        return await get_incident(session, incident_id)


async def _decide(runtime: Runtime, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with runtime.unit_of_work() as session:
        return await action(session)


async def _incident_now(runtime: Runtime, incident_id: str) -> IncidentOut:
    async with runtime.sessions() as session:
        return await get_incident(session, incident_id)


@v1.patch("/reports/{report_id}", response_model=ReportChanged, tags=["reports"])
async def patch_report(
    report_id: str, body: ReportPatch, runtime: RuntimeDep, principal: PrincipalDep
) -> ReportChanged:
    """Complete or correct the self-assessment; each change is recorded and published (report.updated)."""
    by = actor(principal, body.updated_by, "updated_by")

    async def action(session: AsyncSession) -> tuple[ReportOut, list[str]]:
        await guards.visible_report(session, principal, report_id)
        return await update_report(session, report_id, body, by)

    report, changes = await _decide(runtime, action)
    log.info("intake.report_updated", report_id=report_id, changes=changes)
    return ReportChanged(report=report, changes=changes)


@v1.post("/reports/{report_id}/facts/{fact_id}", response_model=ReportChanged, tags=["reports"])
async def decide_fact(
    report_id: str, fact_id: str, body: FactDecisionIn, runtime: RuntimeDep, principal: PrincipalDep
) -> ReportChanged:
    """Confirm, correct or remove a fact read from the report's text: a report update like PATCH (same
    scope, recorded, published as report.updated); an empty 5W+1H or impact answer gets the fact."""
    by = actor(principal, body.decided_by, "decided_by")

    async def action(session: AsyncSession) -> tuple[ReportOut, list[str]]:
        await guards.visible_report(session, principal, report_id)
        return await readings.decide_fact(session, report_id, fact_id, body, by)

    report, changes = await _decide(runtime, action)
    log.info("intake.fact_decided", report_id=report_id, fact_id=fact_id, decision=body.decision)
    return ReportChanged(report=report, changes=changes)


@v1.post("/incidents/{incident_id}/triage", response_model=IncidentOut, tags=["decisions"])
async def triage(
    incident_id: str, body: TriageIn, runtime: RuntimeDep, principal: PrincipalDep
) -> IncidentOut:
    """Decide a 'perlu ditinjau' incident: a crisis after all, or not a crisis (once per incident)."""
    by = actor(principal, body.decided_by, "decided_by")

    async def action(session: AsyncSession) -> None:
        incident = await guards.visible_incident(session, principal, incident_id)
        await readings.triage(session, incident, body, by)

    try:
        await _decide(runtime, action)
    except IntegrityError:  # decided at the same moment by someone else: the first decision stands
        await _decide(runtime, action)
    log.info("intake.incident_triaged", incident_id=incident_id, decision=body.decision)
    return await _incident_now(runtime, incident_id)


@v1.post("/reports/{report_id}/split", status_code=202, response_model=ReportAccepted, tags=["reports"])
async def split(
    report_id: str, body: SplitIn, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> ReportAccepted:
    """Take a wrongly joined report out into an incident of its own; it is classified afresh."""
    settings: IntakeSettings = request.app.state.settings
    by = actor(principal, body.split_by, "split_by")

    async def action(session: AsyncSession) -> ReportAccepted:
        await guards.visible_report(session, principal, report_id)
        return await split_report(session, report_id, body, settings, by)

    accepted = await _decide(runtime, action)
    log.info("intake.report_split", report_id=report_id, incident_id=str(accepted.incident_id))
    return accepted


@v1.post("/drafts/{draft_id}/review", response_model=DraftOut, tags=["decisions"])
async def review(draft_id: str, body: ReviewIn, runtime: RuntimeDep, principal: PrincipalDep) -> DraftOut:
    """Approve (possibly edited) or reject a draft; refused while a blocking finding is still in the text.
    Needs the authority of the incident's level: Kepala UPT (1-2), Kanwil (3), Ditjenpas (4).

    An edited text is first saved as the draft's next revision and sent to the drafter's checks: the
    approval answers 409 (`check_pending`) until that check is in; send the same request again then."""
    text = body.text
    if body.decision == "approved" and text is not None:
        # Its own transaction: the edit stays saved (and on its way to the checks) when approval waits.
        await _decide(
            runtime, lambda s: save_edit_as(s, principal, draft_id, text, body.reviewer, approving=True)
        )
    draft = await _decide(runtime, lambda s: review_as(s, principal, draft_id, body))
    log.info("intake.draft_reviewed", draft_id=draft_id, decision=body.decision)
    return draft


def _check_out(draft: Draft) -> DraftCheckOut:
    state = edit_checks.check_state(draft)
    findings = {"proposal": draft.findings, "pending": [], "checked": draft.check_findings}[state]
    return DraftCheckOut(
        draft_id=draft.id,
        revision=draft.edit_revision,
        state=state,
        findings=findings,
        blocking=sum(f.get("severity") == "blocking" for f in findings),
        checked_at=draft.checked_at if state == "checked" else None,
        checks_version=draft.checks_version if state == "checked" else "",
    )


@v1.post("/drafts/{draft_id}/save", status_code=202, response_model=DraftCheckOut, tags=["decisions"])
async def save_edit(
    draft_id: str, body: DraftEditIn, runtime: RuntimeDep, principal: PrincipalDep
) -> DraftCheckOut:
    """Save an edited text for the approver without deciding; it is checked like a proposed draft
    (DOMAIN.md §6.8) and its findings appear at GET /v1/drafts/{id}/check. Anyone in scope may save."""
    await _decide(runtime, lambda s: save_edit_as(s, principal, draft_id, body.text, body.edited_by))
    return await check(draft_id, runtime, principal)


@v1.get("/drafts/{draft_id}/check", response_model=DraftCheckOut, tags=["decisions"])
async def check(draft_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> DraftCheckOut:
    """The draft's latest revision and its check: `pending` until the drafter's findings are in."""
    async with runtime.sessions() as session:
        draft, _incident = await guards.visible_draft(session, principal, draft_id)
        return _check_out(draft)


@v1.post(
    "/incidents/{incident_id}/drafts", status_code=202, response_model=DraftRequested, tags=["decisions"]
)
async def request_draft(
    incident_id: str, body: DraftRequestIn, runtime: RuntimeDep, principal: PrincipalDep
) -> DraftRequested:
    """Ask the drafter for a draft of a kind it does not write on its own (e.g. a DPO notice)."""
    return await _decide(runtime, lambda s: request_draft_as(s, principal, incident_id, body))


@v1.post("/incidents/{incident_id}/level", response_model=IncidentOut, tags=["decisions"])
async def override_level(
    incident_id: str, body: LevelOverrideIn, runtime: RuntimeDep, principal: PrincipalDep
) -> IncidentOut:
    """Set the level by hand, with a reason; it stands over later automatic levels until changed again."""
    await _decide(runtime, lambda s: override_as(s, principal, incident_id, body))
    log.info("intake.level_overridden", incident_id=incident_id, level=body.level)
    return await _incident_now(runtime, incident_id)


@v1.post("/incidents/{incident_id}/phase", response_model=IncidentOut, tags=["decisions"])
async def change_phase(
    incident_id: str, body: PhaseIn, runtime: RuntimeDep, principal: PrincipalDep
) -> IncidentOut:
    """Move the incident through pra-krisis, krisis and pasca-krisis (DOMAIN.md §6.1)."""
    await _decide(runtime, lambda s: phase_as(s, principal, incident_id, body))
    log.info("intake.phase_changed", incident_id=incident_id, phase=body.phase)
    return await _incident_now(runtime, incident_id)


@v1.post("/incidents/{incident_id}/close", response_model=IncidentOut, tags=["decisions"])
async def close(incident_id: str, body: CloseIn, runtime: RuntimeDep, principal: PrincipalDep) -> IncidentOut:
    """Declare the incident over; only a role with the authority of its level may."""
    await _decide(runtime, lambda s: close_as(s, principal, incident_id, body))
    log.info("intake.incident_closed", incident_id=incident_id)
    return await _incident_now(runtime, incident_id)


@v1.post("/incidents/{incident_id}/merge", response_model=IncidentOut, tags=["decisions"])
async def merge(incident_id: str, body: MergeIn, runtime: RuntimeDep, principal: PrincipalDep) -> IncidentOut:
    """Two incidents were one event: move this one's reports into `into`; answers with `into`."""
    await _decide(runtime, lambda s: merge_as(s, principal, incident_id, body))
    log.info("intake.incident_merged", incident_id=incident_id, into=body.into)
    return await _incident_now(runtime, body.into)


@v1.post("/notifications/{notification_id}/acknowledge", response_model=Acknowledged, tags=["decisions"])
async def acknowledge(
    notification_id: uuid.UUID, body: AcknowledgeIn, runtime: RuntimeDep, principal: PrincipalDep
) -> Acknowledged:
    """Acknowledge a notification (machines; people click the signed link in the message)."""
    by = actor(principal, body.acknowledged_by, "acknowledged_by")

    async def action(session: AsyncSession) -> Acknowledged:
        incident_id = await guards.visible_notification(session, principal, str(notification_id))
        return await decisions.acknowledge(session, notification_id, incident_id, by)

    try:
        return await _decide(runtime, action)
    except IntegrityError:  # acknowledged at the same moment through another channel
        return await _decide(runtime, action)


@v1.get("/channel-messages", tags=["channels"])
async def channel_messages(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    status: str | None = Query(default=None, max_length=20),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[dict[str, Any]]:
    """Bot messages as received; `status=unmatched` lists those that named no known unit. Messages that
    reached no incident are shown only to callers who see everything."""
    query = select(ChannelMessage).order_by(ChannelMessage.seq.desc()).limit(limit)
    if status:
        query = query.where(ChannelMessage.status == status)
    if principal.scope is not ScopeKind.ALL:
        visible = select(Incident.id).where(unit_filter(principal, Incident.unit_code))
        query = query.where(ChannelMessage.incident_id.in_(visible))
    async with runtime.sessions() as session:
        rows = (await session.scalars(query)).all()
    fields = ("channel", "external_id", "chat_id", "sender", "text", "status", "report_id", "incident_id")
    return [{**{f: getattr(r, f) for f in fields}, "received_at": r.received_at.isoformat()} for r in rows]


def tally_query(
    principal: Principal, unit_code: str | None, since: date | None, until: date | None
) -> Select[MediaTally]:
    """Tallies in scope; items about corrections in general (no unit) are public news, seen by all."""
    query = select(MediaTally).order_by(MediaTally.day, MediaTally.unit_code)
    if principal.scope is not ScopeKind.ALL:
        query = query.where(or_(MediaTally.unit_code == "", unit_filter(principal, MediaTally.unit_code)))
    if unit_code is not None:
        query = query.where(MediaTally.unit_code == unit_code.upper())
    if since is not None:
        query = query.where(MediaTally.day >= since)
    if until is not None:
        query = query.where(MediaTally.day <= until)
    return query


@v1.get("/media/tally", tags=["monitoring"])
async def media_tally(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    unit_code: str | None = Query(default=None, max_length=80),
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Positive, negative and neutral news items per day and unit, with totals."""
    async with runtime.sessions() as session:
        rows = (await session.scalars(tally_query(principal, unit_code, since, until))).all()
    counts = ("positive", "negative", "neutral")
    days: list[dict[str, Any]] = [
        {"day": r.day.isoformat(), "unit_code": r.unit_code, **{k: getattr(r, k) for k in counts}}
        for r in rows
    ]
    totals = {k: sum(getattr(r, k) for r in rows) for k in counts}
    return {"days": days, "totals": totals}


router.include_router(v1)

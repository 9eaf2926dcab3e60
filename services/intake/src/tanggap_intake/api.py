"""The public HTTP contract: health, units, reports, incidents."""

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from tanggap_intake.auth import require_api_key
from tanggap_intake.errors import IdempotencyConflict
from tanggap_intake.queries import get_incident, list_incidents, list_units
from tanggap_intake.reports import accept_report, replay_idempotent, request_fingerprint
from tanggap_intake.schemas import IncidentOut, IncidentSummary, ReportAccepted, ReportIn, UnitOut
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.intake.api")

router = APIRouter()
v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@router.get("/healthz", tags=["ops"], summary="Up and connected to the broker")
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    connected = await runtime.broker.ping(timeout=2.0)
    status = 200 if connected else 503
    return JSONResponse({"status": "ok" if connected else "broker unreachable"}, status_code=status)


@v1.get("/units", response_model=list[UnitOut], tags=["reference"])
async def units(
    runtime: RuntimeDep, region: str | None = Query(default=None, max_length=20)
) -> list[UnitOut]:
    """The known units (UPT) with their regional office and aliases."""
    async with runtime.sessions() as session:
        return await list_units(session, region=region)


@v1.post("/reports", status_code=202, response_model=ReportAccepted, tags=["reports"])
async def post_report(
    body: ReportIn,
    request: Request,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> ReportAccepted:
    """Accept a report; it is stored before this answers, and published as soon as the broker takes it."""
    settings: IntakeSettings = request.app.state.settings
    try:
        async with runtime.unit_of_work() as session:
            accepted = await accept_report(
                session,
                body,
                public_url=settings.public_url,
                recurrence_days=settings.recurrence_days,
                idempotency_key=idempotency_key,
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
    )
    return accepted


@v1.get("/incidents", response_model=list[IncidentSummary], tags=["incidents"])
async def incidents(
    runtime: RuntimeDep,
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
) -> list[IncidentSummary]:
    """Incidents, newest first."""
    async with runtime.sessions() as session:
        return await list_incidents(session, limit=limit, offset=offset)


@v1.get("/incidents/{incident_id}", response_model=IncidentOut, tags=["incidents"])
async def incident(incident_id: str, runtime: RuntimeDep) -> IncidentOut:
    """One incident with its level and reasons, reports, drafts, notifications and timeline."""
    async with runtime.sessions() as session:
        return await get_incident(session, incident_id)


router.include_router(v1)

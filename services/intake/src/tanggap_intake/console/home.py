"""The dashboard and the new-report form."""

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.access import Principal, unit_filter
from tanggap_intake.auth import settings_of
from tanggap_intake.console import stamps
from tanggap_intake.console.common import UserDep, checked_form, redirect, render, runtime
from tanggap_intake.console.forms import (
    COUNT_KEYS,
    COUNT_LABELS,
    FACT_KEYS,
    FACT_LABELS,
    FLAG_KEYS,
    FLAG_LABELS,
    REACH_LABELS,
    STAKEHOLDER_LABELS,
    error_lines,
    parse_report,
)
from tanggap_intake.dashboard import first_words, rows_by_level
from tanggap_intake.errors import IntakeError
from tanggap_intake.models import Draft, IdempotencyKey, Incident, Region, Report, Unit
from tanggap_intake.reports import accept_report, resolve_unit
from tanggap_shared.events import utcnow

log = structlog.get_logger("tanggap.intake.console")

router = APIRouter()

DASHBOARD_LIMIT = 300


async def units_in_scope(session: AsyncSession, principal: Principal) -> list[Unit]:
    query = select(Unit).where(unit_filter(principal, Unit.code)).order_by(Unit.region, Unit.name)
    return list((await session.scalars(query)).all())


async def unit_names(session: AsyncSession, codes: set[str]) -> dict[str, tuple[str, str]]:
    """Unit code → (unit name, Kanwil name)."""
    if not codes:
        return {}
    units = (await session.scalars(select(Unit).where(Unit.code.in_(codes)))).all()
    regions = {r.code: r.office_name for r in (await session.scalars(select(Region))).all()}
    return {u.code: (u.name, regions.get(u.region, u.region)) for u in units}


def open_incidents(user: Principal) -> Select[Incident]:
    """Incidents in the user's scope that are neither closed nor merged into another."""
    return select(Incident).where(
        unit_filter(user, Incident.unit_code), Incident.phase != "ditutup", Incident.merged_into.is_(None)
    )


async def triage_queue(session: AsyncSession, incidents: Sequence[Incident]) -> list[dict[str, Any]]:
    """ "Perlu ditinjau": open incidents the classifier is unsure of and nobody has decided yet, oldest
    first, each with the first words of its first report."""
    waiting = sorted((i for i in incidents if i.needs_review and not i.triage), key=lambda i: i.created_at)
    if not waiting:
        return []
    reports = await session.scalars(
        select(Report)
        .where(Report.incident_id.in_([i.id for i in waiting]))
        .order_by(Report.received_at.desc())
    )
    texts = {r.incident_id: r.text for r in reports}  # the oldest report wins: it comes last
    return [{"incident": i, "words": first_words(texts.get(i.id, ""))} for i in waiting]


async def dashboard_context(session: AsyncSession, user: Principal) -> dict[str, Any]:
    """What the dashboard shows (the page and its live fragment alike)."""
    # Stamped before reading: an event landing in between makes one refresh too many, never one too few.
    stamp = await stamps.dashboard_stamp(session, user)
    query = open_incidents(user).order_by(Incident.created_at.desc()).limit(DASHBOARD_LIMIT)
    incidents = (await session.scalars(query)).all()
    ids = [i.id for i in incidents]
    approved: dict[str, set[str]] = {}
    if ids:
        drafts = await session.execute(
            select(Draft.incident_id, Draft.kind).where(
                Draft.incident_id.in_(ids), Draft.status == "approved"
            )
        )
        for incident_id, kind in drafts:
            approved.setdefault(incident_id, set()).add(kind)
    codes = {i.unit_code for i in incidents}
    names = await unit_names(session, codes)
    regions = await unit_regions(session, codes)
    queue = await triage_queue(session, incidents)
    now = utcnow()
    return {
        "queue": queue,
        "groups": rows_by_level(incidents, approved, now),
        "now": now,
        "names": names,
        "regions": regions,
        "total": len(incidents),
        "live_version": stamp,
    }


async def unit_regions(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """Unit code → its Kanwil's code (which decides the unit's time zone)."""
    if not codes:
        return {}
    rows = await session.execute(select(Unit.code, Unit.region).where(Unit.code.in_(codes)))
    return {row.code: row.region for row in rows}


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, user: UserDep) -> Response:
    async with runtime(request).sessions() as session:
        context = await dashboard_context(session, user)
    return render(request, "dashboard.html", context, user=user)


async def _form_context(session: AsyncSession, user: Principal, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "units": await units_in_scope(session, user),
        "values": values,
        "fact_keys": FACT_KEYS,
        "fact_labels": FACT_LABELS,
        "count_keys": COUNT_KEYS,
        "count_labels": COUNT_LABELS,
        "flag_keys": FLAG_KEYS,
        "flag_labels": FLAG_LABELS,
        "reach_labels": REACH_LABELS,
        "stakeholder_labels": {s.value: label for s, label in STAKEHOLDER_LABELS.items()},
        "request_key": values.get("request_key") or uuid.uuid4().hex,
    }


@router.get("/reports/new", response_class=HTMLResponse)
async def new_report(request: Request, user: UserDep) -> Response:
    async with runtime(request).sessions() as session:
        context = await _form_context(session, user, {})
    return render(request, "report_new.html", {**context, "errors": {}, "error_lines": []}, user=user)


@router.post("/reports/new", response_class=HTMLResponse)
async def file_report(request: Request, user: UserDep) -> Response:
    form = await checked_form(request, user)
    body, errors = parse_report(form)
    problem = ""
    if body is not None:
        async with runtime(request).sessions() as session:
            try:
                unit = await resolve_unit(session, body.unit_code)
                if not user.sees(unit.code, unit.region):
                    problem = f"Anda hanya dapat melapor untuk {user.scope_label}."
            except IntakeError:
                problem = "UPT tidak dikenal; pilih dari daftar."
    if body is None or problem:
        values = {k: form.get(k) for k in form} | {"stakeholders": form.getlist("stakeholders")}
        async with runtime(request).sessions() as session:
            context = await _form_context(session, user, values)
        lines = [problem] if problem else error_lines(errors)
        return render(
            request,
            "report_new.html",
            {**context, "errors": errors, "error_lines": lines},
            user=user,
            status_code=422,
        )
    # The hidden request key makes a double submit (or a reload of the POST) one report, not two.
    key = f"console-{user.id}-{str(form.get('request_key') or '')[:64]}"
    try:
        async with runtime(request).unit_of_work() as session:
            accepted = await accept_report(
                session, body, settings_of(request), idempotency_key=key, recorder=user
            )
    except (IntegrityError, IntakeError):
        # The same form sent twice at once, or with changed answers: the first one stands.
        async with runtime(request).sessions() as session:
            row = await session.get(IdempotencyKey, key)
        if row is None:
            raise
        return redirect(request, f"/incidents/{row.response['incident_id']}", "Laporan sudah terkirim.")
    log.info("intake.report_accepted", incident_id=str(accepted.incident_id), channel="web", console=True)
    message = (
        "Laporan digabung ke insiden yang sudah ada." if accepted.joined_existing else "Laporan diterima."
    )
    return redirect(request, f"/incidents/{accepted.incident_id}", message)

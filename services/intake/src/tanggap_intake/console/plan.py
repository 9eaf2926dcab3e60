"""The crisis communication plan form (DOMAIN.md §6.6): prefilled, saved, exported as text."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from tanggap_intake import crisis_plan, guards
from tanggap_intake.access import Principal
from tanggap_intake.console.common import SOURCE_NAMES, UserDep, checked_form, redirect, render, runtime
from tanggap_intake.console.words import REPORT_CHANNELS, plain_gaps
from tanggap_intake.errors import NotFound, Refused
from tanggap_intake.models import CrisisPlan
from tanggap_intake.queries import get_incident
from tanggap_intake.readmodel import add_timeline
from tanggap_intake.schemas import IncidentOut
from tanggap_shared import textnorm
from tanggap_shared.events import utcnow

router = APIRouter()


async def _load(request: Request, user: Principal, incident_id: str) -> tuple[IncidentOut, CrisisPlan | None]:
    async with runtime(request).sessions() as session:
        await guards.visible_incident(session, user, incident_id)
        return await get_incident(session, incident_id), await session.get(CrisisPlan, incident_id)


@router.get("/incidents/{incident_id}/plan", response_class=HTMLResponse)
async def plan_form(request: Request, incident_id: str, user: UserDep) -> Response:
    incident, plan = await _load(request, user, incident_id)
    values = dict(plan.fields) if plan else _prefill(incident)
    context = {
        "incident": incident,
        "plan": plan,
        "fields": crisis_plan.FIELDS,
        "values": values,
        "warnings": crisis_plan.key_message_warnings(values),
        "chain": crisis_plan.approval_chain(incident.level),
        "prefilled": plan is None,
    }
    return render(request, "plan.html", context, user=user)


def _prefill(incident: IncidentOut) -> dict[str, str]:
    """The first plan, with the facts and the team's gaps in words (the plan module writes field names)."""
    values = crisis_plan.prefill(incident)
    return {**values, "fakta_1": _facts(incident), "tim": plain_gaps(values.get("tim", ""))}


FACT_NAMES = {"what": "Apa", "who": "Siapa", "when": "Kapan", "where": "Di mana", "why": "Mengapa"}
FACT_NAMES["how"] = "Bagaimana"


def _facts(incident: IncidentOut) -> str:
    """The reported 5W+1H for the plan's first fact line, in words (the field names stay in the data)."""
    lines = []
    for report in incident.reports:
        source = SOURCE_NAMES.get(report.source or "", "") or REPORT_CHANNELS.get(report.channel, "")
        for key, fact in report.facts.items():
            status = "terverifikasi" if fact.get("verified") else "belum terverifikasi"
            lines.append(f"{FACT_NAMES.get(key, key)}: {fact.get('value', '')} — {source} — {status}")
    return "\n".join(lines[:9])


def _refuse_unsafe(fields: dict[str, str]) -> None:
    """Refuse (422, nothing saved) a plan with a control or invisible character, naming the field."""
    labels = {f.key: f.label for f in crisis_plan.FIELDS}
    for key, value in fields.items():
        try:
            textnorm.require_safe(value)
        except textnorm.UnsafeText as exc:
            message = f"Rencana belum disimpan: isian “{labels.get(key, key)}” {exc.indonesian}."
            raise Refused(f"Plan field {key} {exc}.", indonesian=message) from None


@router.post("/incidents/{incident_id}/plan", response_class=HTMLResponse)
async def save_plan(request: Request, incident_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)
    fields = crisis_plan.clean({key: form.get(key) for key in crisis_plan.KEYS})
    _refuse_unsafe(fields)
    async with runtime(request).unit_of_work() as session:
        incident = await guards.visible_incident(session, user, incident_id)
        plan = await session.get(CrisisPlan, incident.id)
        if plan is None:
            plan = CrisisPlan(incident_id=incident.id, fields=fields, revision=1, updated_by=user.name)
            session.add(plan)
        else:
            plan.fields, plan.revision = fields, plan.revision + 1
            plan.updated_by, plan.updated_at = user.name, utcnow()
        add_timeline(
            session,
            incident.id,
            "plan.saved",
            f"Rencana komunikasi krisis disimpan oleh {user.name} (revisi {plan.revision}).",
            user.name,
        )
    warnings = crisis_plan.key_message_warnings(fields)
    message = "Rencana disimpan." + (" " + " ".join(warnings) if warnings else "")
    return redirect(request, f"/incidents/{incident_id}/plan", message)


@router.get("/incidents/{incident_id}/plan.txt")
async def plan_text(request: Request, incident_id: str, user: UserDep) -> Response:
    incident, plan = await _load(request, user, incident_id)
    if plan is None:
        raise NotFound("No plan saved yet.", indonesian="Rencana untuk insiden ini belum disimpan.")
    text = crisis_plan.as_text(incident, plan.fields, revision=plan.revision, updated_by=plan.updated_by)
    return PlainTextResponse(
        text,
        headers={"Content-Disposition": f'attachment; filename="rencana-krisis-{incident.number}.txt"'},
    )

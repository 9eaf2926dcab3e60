"""The incident page and the decisions taken on it: review drafts (edit, approve, reject), override the
level, move the phase, close with a declaration, ask for a draft, acknowledge, export a statement; confirm,
correct or remove the facts read from a report's text, and decide a "perlu ditinjau" incident (triage)."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from tanggap_intake import actions, decisions, guards, letterhead, readings
from tanggap_intake.access import APPROVER_FOR_LEVEL, TEAM_ROLE, Principal
from tanggap_intake.auth import settings_of
from tanggap_intake.console import stamps, words
from tanggap_intake.console.common import UserDep, checked_form, field, redirect, render, runtime
from tanggap_intake.console.forms import FACT_LABELS, READ_FACT_LABELS, TRIAGE_LABELS, field_errors
from tanggap_intake.errors import IntakeError, NotFound
from tanggap_intake.models import CrisisPlan, Draft, Region, Unit
from tanggap_intake.queries import get_incident
from tanggap_intake.readmodel import DRAFT_NAMES
from tanggap_intake.schemas import (
    CloseIn,
    DraftOut,
    DraftRequestIn,
    FactDecisionIn,
    LevelOverrideIn,
    PhaseIn,
    ReviewIn,
    TriageIn,
)
from tanggap_shared import textnorm
from tanggap_shared.contracts import DraftKind

log = structlog.get_logger("tanggap.intake.console")

router = APIRouter()

Action = Callable[[AsyncSession], Awaitable[Any]]


async def incident_context(
    session: AsyncSession,
    user: Principal,
    incident_id: str,
    *,
    error: str = "",
    edits: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the incident page shows (the page and its live fragment alike); scope checked first."""
    found = await guards.visible_incident(session, user, incident_id)
    # Stamped before reading: an event landing in between makes one refresh too many, never one too few.
    stamp = await stamps.incident_stamp(session, found)
    incident = await get_incident(session, incident_id)
    plan = await session.get(CrisisPlan, incident_id)
    level = incident.level or 1
    may_close, _ = decisions.may_close(incident.level, TEAM_ROLE[user.role])
    return {
        "incident": incident,
        "plan": plan,
        "may_decide": user.may_decide(incident.level),
        "may_close": may_close,
        "approver": APPROVER_FOR_LEVEL[level],
        "closer": "Kepala UPT" if level <= 2 else APPROVER_FOR_LEVEL[level],
        "fact_labels": FACT_LABELS,
        "read_fact_labels": READ_FACT_LABELS,
        "triage_labels": TRIAGE_LABELS,
        "readings": {r.report_id: r for r in incident.readings},
        "kinds": [(k.value, DRAFT_NAMES.get(k.value, k.value)) for k in DraftKind],
        "error": error,
        "edits": edits or {},
        "open": incident.phase != "ditutup" and not incident.merged_into,
        "timeline": words.timeline(incident.timeline, incident.notifications),
        "zone_region": incident.unit.region,
        "live_version": stamp,
    }


async def render_incident(
    request: Request,
    user: Principal,
    incident_id: str,
    *,
    error: str = "",
    edits: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    async with runtime(request).sessions() as session:
        context = await incident_context(session, user, incident_id, error=error, edits=edits)
    return render(request, "incident.html", context, user=user, status_code=status_code)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(request: Request, incident_id: str, user: UserDep) -> Response:
    return await render_incident(request, user, incident_id)


async def _act(
    request: Request,
    user: Principal,
    incident_id: str,
    action: Action,
    done: str,
    *,
    edits: dict[str, str] | None = None,
    anchor: str = "",
) -> Response:
    """Run a decision; a refusal re-renders the page with the reason (and the officer's edits kept)."""
    try:
        async with runtime(request).unit_of_work() as session:
            await action(session)
    except NotFound:
        raise
    except IntakeError as exc:
        message = exc.indonesian or exc.message
        return await render_incident(
            request, user, incident_id, error=message, edits=edits, status_code=exc.status_code
        )
    return redirect(request, f"/incidents/{incident_id}{anchor}", done)


async def _draft_incident(request: Request, user: Principal, draft_id: str) -> tuple[Draft, str]:
    """The draft and its incident, when the user may see them."""
    async with runtime(request).sessions() as session:
        draft, incident = await guards.visible_draft(session, user, draft_id)
    return draft, incident.id


def _text(form: FormData, name: str = "text") -> str:
    return field(form, name).replace("\r\n", "\n")


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


M = TypeVar("M", bound=BaseModel)


def build(model: type[M], **values: Any) -> M:
    """A request model from form values; what does not validate is refused in Bahasa Indonesia."""
    try:
        return model(**values)
    except ValidationError as exc:
        wrong = "; ".join(f"{name}: {why}" for name, why in sorted(field_errors(exc).items()))
        raise _refuse_form(f"Isian tidak valid ({wrong}); periksa lalu kirim lagi.") from None


@router.post("/drafts/{draft_id}/review", response_class=HTMLResponse)
async def review(request: Request, draft_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)
    draft, incident_id = await _draft_incident(request, user, draft_id)
    decision = "approved" if field(form, "decision") == "approved" else "rejected"
    text = _text(form)
    # The textarea comes back with the proposed text when nothing was edited: that is no edit (unless an
    # edit was saved since, which the approval must then name).
    unchanged = _same(text, draft.text) and not draft.edit_revision
    edited = text if text and not unchanged else None
    edits = {draft_id: text}
    try:
        body = build(ReviewIn, decision=decision, text=edited, comment=field(form, "comment")[:2000])
        if decision == "approved" and body.text is not None:
            # Saved and sent to the checks in its own transaction: the edit stays when approval must wait.
            approved_text = body.text
            async with runtime(request).unit_of_work() as session:
                await actions.save_edit_as(session, user, draft_id, approved_text, approving=True)
    except NotFound:
        raise
    except IntakeError as exc:
        return await render_incident(
            request,
            user,
            incident_id,
            error=exc.indonesian or exc.message,
            edits=edits,
            status_code=exc.status_code,
        )

    async def action(session: AsyncSession) -> None:
        await actions.review_as(session, user, draft_id, body)

    done = "Draf disetujui." if decision == "approved" else "Draf ditolak."
    return await _act(request, user, incident_id, action, done, edits=edits, anchor=f"#draf-{draft_id}")


@router.post("/drafts/{draft_id}/save", response_class=HTMLResponse)
async def save_edit(request: Request, draft_id: str, user: UserDep) -> Response:
    """Keep an edit for the approver without deciding (a Humas officer prepares, the head approves)."""
    form = await checked_form(request, user)
    _draft, incident_id = await _draft_incident(request, user, draft_id)
    text = _text(form)[:20_000].strip()
    problem = "Teks draf tidak boleh kosong." if not text else _unsafe(text, "Teks draf")
    if problem:
        return await render_incident(request, user, incident_id, error=problem, status_code=422)
    return await _act(
        request,
        user,
        incident_id,
        lambda s: actions.save_edit_as(s, user, draft_id, text),
        "Suntingan disimpan dan sedang diperiksa; temuannya tampil di samping teks.",
        edits={draft_id: text},
        anchor=f"#draf-{draft_id}",
    )


def _unsafe(text: str, label: str) -> str:
    """What is wrong with a text's characters, for the officer; empty when nothing is."""
    try:
        textnorm.require_safe(text)
    except textnorm.UnsafeText as exc:
        return f"{label} {exc.indonesian}."
    return ""


def _refuse_form(message: str) -> IntakeError:
    error = IntakeError(message, indonesian=message)
    error.status_code = 422
    return error


def _level_body(form: FormData) -> LevelOverrideIn:
    level = field(form, "level")
    reason = field(form, "reason")
    if level not in ("1", "2", "3", "4") or not reason:
        raise _refuse_form("Pilih level dan tuliskan alasannya.")
    return build(LevelOverrideIn, level=int(level), reason=reason[:2000])


@router.post("/incidents/{incident_id}/level", response_class=HTMLResponse)
async def override_level(request: Request, incident_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)

    async def action(session: AsyncSession) -> None:
        await guards.visible_incident(session, user, incident_id)
        await actions.override_as(session, user, incident_id, _level_body(form))

    return await _act(request, user, incident_id, action, "Level diubah.", anchor="#level")


@router.post("/incidents/{incident_id}/phase", response_class=HTMLResponse)
async def change_phase(request: Request, incident_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)

    async def action(session: AsyncSession) -> None:
        await guards.visible_incident(session, user, incident_id)
        phase, reason = field(form, "phase"), field(form, "reason")
        if phase not in ("pra_krisis", "krisis", "pasca_krisis") or not reason:
            raise _refuse_form("Pilih fase dan tuliskan alasannya.")
        body = build(PhaseIn, phase=phase, reason=reason[:2000])
        await actions.phase_as(session, user, incident_id, body)

    return await _act(request, user, incident_id, action, "Fase diubah.", anchor="#fase")


@router.post("/incidents/{incident_id}/close", response_class=HTMLResponse)
async def close(request: Request, incident_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)

    async def action(session: AsyncSession) -> None:
        await guards.visible_incident(session, user, incident_id)
        declaration = field(form, "declaration")
        if not declaration:
            raise _refuse_form("Tuliskan deklarasi penutupan krisis.")
        await actions.close_as(session, user, incident_id, build(CloseIn, declaration=declaration[:2000]))

    return await _act(request, user, incident_id, action, "Insiden ditutup.")


@router.post("/incidents/{incident_id}/drafts", response_class=HTMLResponse)
async def request_draft(request: Request, incident_id: str, user: UserDep) -> Response:
    form = await checked_form(request, user)

    async def action(session: AsyncSession) -> None:
        await guards.visible_incident(session, user, incident_id)
        kind = field(form, "kind")
        if kind not in {k.value for k in DraftKind}:
            raise _refuse_form("Pilih jenis draf.")
        body = build(DraftRequestIn, kind=DraftKind(kind), note=field(form, "note")[:2000])
        await actions.request_draft_as(session, user, incident_id, body)

    return await _act(request, user, incident_id, action, "Permintaan draf dikirim ke penyusun draf.")


@router.post("/notifications/{notification_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(request: Request, notification_id: str, user: UserDep) -> Response:
    await checked_form(request, user)
    try:
        parsed = uuid.UUID(notification_id)
    except ValueError:
        raise NotFound("No such notification.", indonesian="Pemberitahuan tidak ditemukan.") from None
    async with runtime(request).sessions() as session:
        incident_id = await guards.visible_notification(session, user, str(parsed))

    async def action(session: AsyncSession) -> None:
        await decisions.acknowledge(session, parsed, incident_id, user.name)

    try:
        return await _act(request, user, incident_id, action, "Pemberitahuan dikonfirmasi.", anchor="#notif")
    except IntegrityError:  # acknowledged at the same moment elsewhere: twice is once
        return redirect(request, f"/incidents/{incident_id}#notif", "Pemberitahuan sudah dikonfirmasi.")


FACT_DONE = {
    "confirmed": "Fakta ditandai benar.",
    "corrected": "Koreksi fakta disimpan.",
    "removed": "Fakta dihapus dari usulan.",
}


@router.post("/reports/{report_id}/facts/{fact_id}", response_class=HTMLResponse)
async def decide_fact(request: Request, report_id: str, fact_id: str, user: UserDep) -> Response:
    """One click on a fact read from the text: the same report update as the JSON API and PATCH."""
    form = await checked_form(request, user)
    async with runtime(request).sessions() as session:
        incident_id = (await guards.visible_report(session, user, report_id)).incident_id
    decision = field(form, "decision")

    async def action(session: AsyncSession) -> None:
        await guards.visible_report(session, user, report_id)
        if decision not in FACT_DONE:
            raise _refuse_form("Pilih Benar, Koreksi atau Hapus.")
        if decision == "corrected" and not field(form, "value"):
            raise _refuse_form("Tuliskan koreksinya sebelum menyimpan.")
        value = field(form, "value")[:500] if decision == "corrected" else None
        body = build(FactDecisionIn, decision=decision, value=value)
        by = actions.actor(user, None, "decided_by")
        await readings.decide_fact(session, report_id, fact_id, body, by)

    done = FACT_DONE.get(decision, "")
    return await _act(request, user, incident_id, action, done, anchor=f"#laporan-{report_id}")


@router.post("/incidents/{incident_id}/triage", response_class=HTMLResponse)
async def triage(request: Request, incident_id: str, user: UserDep) -> Response:
    """Krisis / Bukan krisis for a "perlu ditinjau" incident, from the dashboard's queue or its page."""
    form = await checked_form(request, user)
    decision = field(form, "decision")

    async def action(session: AsyncSession) -> None:
        incident = await guards.visible_incident(session, user, incident_id)
        if decision not in TRIAGE_LABELS:
            raise _refuse_form("Pilih Krisis atau Bukan krisis.")
        body = build(TriageIn, decision=decision, reason=field(form, "reason")[:2000])
        await readings.triage(session, incident, body, actions.actor(user, None, "decided_by"))

    done = f"Diputuskan {TRIAGE_LABELS.get(decision, '')}."
    try:
        response = await _act(request, user, incident_id, action, done, anchor="#level")
    except IntegrityError:  # decided at the same moment by someone else: theirs stands
        return redirect(request, f"/incidents/{incident_id}#level", "Insiden ini sudah diputuskan.")
    if field(form, "back") == "dashboard" and response.status_code == 303:
        return redirect(request, "/#tinjau", done)
    return response


@router.get("/drafts/{draft_id}/check", response_class=HTMLResponse)
async def draft_check(request: Request, draft_id: str, user: UserDep) -> Response:
    """The check of the draft's latest edit as a fragment, for the incident page to refresh in place."""
    async with runtime(request).sessions() as session:
        draft, _incident = await guards.visible_draft(session, user, draft_id)
        shown = DraftOut.model_validate(draft, from_attributes=True)
    return render(request, "_draft_check.html", {"d": shown}, user=user)


@router.get("/drafts/{draft_id}/docx")
async def export_docx(request: Request, draft_id: str, user: UserDep) -> Response:
    """An approved statement as a Word document with the unit's letterhead (kop surat)."""
    async with runtime(request).sessions() as session:
        draft, incident = await guards.visible_draft(session, user, draft_id)
        unit = await session.get(Unit, incident.unit_code)
        region = await session.get(Region, unit.region) if unit else None
    if draft.status != "approved":
        raise NotFound(
            "Only an approved draft can be exported.",
            indonesian="Hanya draf yang sudah disetujui yang dapat diunduh sebagai dokumen.",
        )
    settings = settings_of(request)
    head = letterhead.Letterhead(
        ministry=settings.letterhead_ministry,
        directorate=settings.letterhead_directorate,
        region=region.office_name if region else "",
        unit=unit.name if unit else incident.unit_code,
        city=unit.city if unit else "",
    )
    content = letterhead.statement_docx(head, draft.final_text or draft.text, approved_by=draft.reviewed_by)
    name = f"{draft.kind.replace('_', '-')}-{incident.id[:8]}.docx"
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

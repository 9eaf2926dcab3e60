"""The minimal console: server-rendered pages in Bahasa Indonesia."""

import uuid
from pathlib import Path

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError

from tanggap_intake.decisions import acknowledge
from tanggap_intake.errors import IntakeError
from tanggap_intake.queries import get_incident, list_incidents
from tanggap_intake.readmodel import number
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.runtime import Runtime
from tanggap_shared.tokens import InvalidToken, link_secret, verify

log = structlog.get_logger("tanggap.intake.web")

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

pages = APIRouter(include_in_schema=False)

LEVEL_NAMES = {1: "Isu / Rendah", 2: "Sedang", 3: "Tinggi", 4: "Sangat Tinggi / Nasional"}


@pages.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        items = await list_incidents(session, limit=100, offset=0)
    return templates.TemplateResponse(request, "index.html", {"incidents": items, "level_names": LEVEL_NAMES})


@pages.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(request: Request, incident_id: str) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        item = await get_incident(session, incident_id)
    return templates.TemplateResponse(
        request, "incident.html", {"incident": item, "level_names": LEVEL_NAMES}
    )


def _ack_refused(request: Request, reason: str, why: str) -> HTMLResponse:
    log.info("intake.refused", reason=f"ack_{why}")
    return templates.TemplateResponse(request, "ack.html", {"ok": False, "reason": reason}, status_code=400)


@pages.get("/ack/{token}", response_class=HTMLResponse)
async def ack(request: Request, token: str) -> HTMLResponse:
    """The link in a notification: a signed, expiring token acknowledges it (twice is once)."""
    settings: IntakeSettings = request.app.state.settings
    runtime: Runtime = request.app.state.runtime
    try:
        payload = verify(link_secret(settings.link_secret, settings.state_dir), token)
        notification_id, incident_id = uuid.UUID(str(payload["n"])), str(uuid.UUID(str(payload["i"])))
    except InvalidToken as exc:
        expired = "expired" in str(exc)
        reason = (
            "Tautan ini sudah kedaluwarsa."
            if expired
            else "Tautan ini tidak sah (mungkin terpotong saat disalin). Buka tautan lengkap dari pesannya."
        )
        return _ack_refused(request, reason, "expired" if expired else "invalid")
    except (KeyError, ValueError):
        return _ack_refused(request, "Tautan ini tidak lengkap.", "incomplete")
    by = str(payload.get("name") or payload.get("p") or "penerima")
    for attempt in (1, 2):
        try:
            async with runtime.unit_of_work() as session:
                result = await acknowledge(session, notification_id, incident_id, by)
            break
        except IntegrityError:  # the same link clicked twice at once: the second sees the first
            if attempt == 2:
                raise
        except IntakeError:
            return _ack_refused(request, "Insiden untuk pemberitahuan ini tidak dikenal.", "unknown_incident")
    context = {
        "ok": True,
        "already": result.already,
        "by": result.acknowledged_by,
        "incident_id": incident_id,
        "number": number(incident_id),
    }
    return templates.TemplateResponse(request, "ack.html", context)

"""The link in a notification: a signed, expiring token acknowledges it without a login."""

import uuid

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError

from tanggap_intake.auth import settings_of
from tanggap_intake.console.common import render, runtime
from tanggap_intake.decisions import acknowledge
from tanggap_intake.errors import IntakeError
from tanggap_intake.readmodel import number
from tanggap_shared.tokens import InvalidToken, link_secret, verify

log = structlog.get_logger("tanggap.intake.web")

router = APIRouter()


def _ack_refused(request: Request, reason: str, why: str) -> HTMLResponse:
    log.info("intake.refused", reason=f"ack_{why}")
    return render(request, "ack.html", {"ok": False, "reason": reason}, status_code=400)


@router.get("/ack/{token}", response_class=HTMLResponse)
async def ack(request: Request, token: str) -> HTMLResponse:
    """Acknowledge a notification (twice is once); the token names the notification and the person."""
    settings = settings_of(request)
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
            async with runtime(request).unit_of_work() as session:
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
    return render(request, "ack.html", context)

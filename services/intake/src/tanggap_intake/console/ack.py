"""The link in a notification: a confirm page on GET, the acknowledgement on its POST, once.

A chat app fetches a link to preview it (Telegram, WhatsApp, Slack, Facebook: a GET with a bot's user
agent), and mail scanners fetch links too. So GET and HEAD only show what the page is about and change
nothing, whoever asks. The button on the page POSTs to the same address.

The recipient may have no console login, so the token in the address is the credential (opaque, short-lived
and single-use: tanggap_shared.tokens). The POST is guarded against being made from another site in two
ways, because neither alone covers every client:
- a browser's own word: a `Sec-Fetch-Site` other than same-origin (or none), or an `Origin` other than
  this console's, is refused;
- a nonce bound to the token (an HMAC over the token and the time the page was shown), so the POST must
  follow a GET of this very link's page: a client that never rendered the page (a scanner POSTing what it
  found, a page elsewhere that learned a token) cannot make one up, and a nonce of one link is refused
  for another.

The first use is a row keyed by the notification (AckLinkUse): a second press, of this link or of another
link for the same notification, in this process or another, before or after a restart, answers
"sudah dikonfirmasi" and publishes nothing. Links minted before the upgrade (readable JSON with a dot)
are refused with a page that sends the person to the console.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.auth import settings_of
from tanggap_intake.console.common import field, render, runtime
from tanggap_intake.decisions import acknowledge
from tanggap_intake.errors import IntakeError
from tanggap_intake.models import AckLinkUse, Acknowledgement, Incident, Notification, Unit
from tanggap_intake.readmodel import number
from tanggap_shared.tokens import (
    AckClaim,
    ExpiredToken,
    InvalidToken,
    LegacyToken,
    ack_page_nonce,
    ack_page_nonce_ok,
    link_secret,
    read_ack_token,
)

log = structlog.get_logger("tanggap.intake.web")

router = APIRouter()

# How long a shown confirm page can still be pressed; after that a press shows the page again.
PAGE_MAX_AGE_SECONDS = 3600
# No search engine may list the page (every console page is already `Cache-Control: no-store`).
PRIVATE_HEADERS = {"X-Robots-Tag": "noindex, nofollow"}

GO_TO_CONSOLE = "Buka konsol Tanggap untuk melihat dan mengonfirmasi pemberitahuan Anda."


@dataclass(frozen=True)
class Refusal:
    status: int
    why: str  # for the log
    reason: str  # for the person


@dataclass(frozen=True)
class About:
    """What the page shows: the notification, its recipient and its incident."""

    notification_id: uuid.UUID
    incident_id: str
    recipient: str
    level: int | None
    unit: str
    sent_at: datetime
    acknowledged_by: str | None  # set once acknowledged, through this link or any other way


def _secret(request: Request) -> str:
    settings = settings_of(request)
    return link_secret(settings.link_secret, settings.state_dir)


def _claim(request: Request, token: str) -> AckClaim | Refusal:
    try:
        return read_ack_token(_secret(request), token)
    except LegacyToken:
        return Refusal(410, "legacy", f"Tautan ini sudah tidak berlaku. {GO_TO_CONSOLE}")
    except ExpiredToken:
        return Refusal(410, "expired", f"Tautan ini sudah kedaluwarsa. {GO_TO_CONSOLE}")
    except InvalidToken:
        return Refusal(
            400,
            "invalid",
            "Tautan ini tidak sah (mungkin terpotong saat disalin). Buka tautan lengkap dari pesannya, atau "
            "buka konsol Tanggap.",
        )


async def _about(session: AsyncSession, notification_id: uuid.UUID) -> About | None:
    nid = str(notification_id)
    row = await session.scalar(select(Notification).where(Notification.notification_id == nid).limit(1))
    if row is None:
        return None
    incident = await session.get(Incident, row.incident_id)
    unit = await session.get(Unit, incident.unit_code) if incident else None
    used = await session.get(AckLinkUse, nid)
    earlier = await session.get(Acknowledgement, nid)
    return About(
        notification_id=notification_id,
        incident_id=row.incident_id,
        recipient=row.recipient,
        level=incident.level if incident else None,
        unit=unit.name if unit else (incident.unit_code if incident else ""),
        sent_at=row.at,
        acknowledged_by=used.acknowledged_by if used else (earlier.acknowledged_by if earlier else None),
    )


UNKNOWN = Refusal(
    404,
    "unknown_notification",
    "Pemberitahuan ini belum tercatat di konsol. Coba lagi beberapa saat lagi, atau buka konsol Tanggap.",
)


def _refused(request: Request, refusal: Refusal) -> HTMLResponse:
    log.info("intake.refused", reason=f"ack_{refusal.why}")
    page = render(
        request, "ack.html", {"state": "refused", "reason": refusal.reason}, status_code=refusal.status
    )
    page.headers.update(PRIVATE_HEADERS)
    return page


def _page(
    request: Request,
    state: str,
    about: About,
    *,
    token: str = "",
    status_code: int = 200,
    names: bool = False,
) -> HTMLResponse:
    """The page in one of its states. Names (recipient, who acknowledged) only with `names`: a GET is also
    what a chat's preview server sees, so it shows the incident, never a person."""
    context = {
        "state": state,
        "about": about,
        "names": names,
        "number": number(about.incident_id),
        "token": token,
        "nonce": ack_page_nonce(_secret(request), token) if token else "",
    }
    page = render(request, "ack.html", context, status_code=status_code)
    page.headers.update(PRIVATE_HEADERS)
    return page


# HEAD too: link checkers ask it first, and it is the same look at the page.
@router.api_route("/ack/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def ack_page(request: Request, token: str) -> HTMLResponse:
    """The confirm page: what the notification is about and one button. Changes nothing."""
    claim = _claim(request, token)
    if isinstance(claim, Refusal):
        return _refused(request, claim)
    async with runtime(request).sessions() as session:
        about = await _about(session, claim.notification_id)
    if about is None:
        return _refused(request, UNKNOWN)
    if about.acknowledged_by is not None:
        return _page(request, "already", about)
    return _page(request, "confirm", about, token=token)


def _from_this_site(request: Request) -> bool:
    """Whether the browser says the POST comes from this console's own page (when it says anything)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:  # an older browser or a plain client: the nonce still binds the POST to the page
        return True
    public = urlsplit(settings_of(request).public_url)
    allowed = {f"{public.scheme}://{public.netloc}", str(request.base_url).rstrip("/")}
    return origin.rstrip("/") in allowed


async def _use(session: AsyncSession, notification_id: uuid.UUID) -> tuple[About, bool] | None:
    """Acknowledge through the link, once: (about, True) the first time, (about, False) after."""
    about = await _about(session, notification_id)
    if about is None:
        return None
    if about.acknowledged_by is not None:
        if await session.get(AckLinkUse, str(notification_id)) is None:  # acknowledged another way first
            session.add(_use_row(about, about.acknowledged_by))
        return about, False
    result = await acknowledge(session, notification_id, about.incident_id, about.recipient)
    session.add(_use_row(about, result.acknowledged_by))
    await session.flush()  # the key: another process's use of the same notification fails here
    return replace(about, acknowledged_by=result.acknowledged_by), not result.already


def _use_row(about: About, by: str) -> AckLinkUse:
    return AckLinkUse(
        notification_id=str(about.notification_id),
        incident_id=about.incident_id,
        acknowledged_by=by,
        used_at=datetime.now(UTC),
    )


@router.post("/ack/{token}", response_class=HTMLResponse)
async def ack_confirm(request: Request, token: str) -> HTMLResponse:
    """The button: acknowledge the notification once, for the recipient the intake recorded."""
    claim = _claim(request, token)
    if isinstance(claim, Refusal):
        return _refused(request, claim)
    nonce = field(await request.form(), "nonce")
    if not _from_this_site(request) or not ack_page_nonce_ok(
        _secret(request), token, nonce, max_age_seconds=PAGE_MAX_AGE_SECONDS
    ):
        log.info("intake.refused", reason="ack_not_from_page", notification_id=str(claim.notification_id))
        async with runtime(request).sessions() as session:
            about = await _about(session, claim.notification_id)
        if about is None:
            return _refused(request, UNKNOWN)
        state = "already" if about.acknowledged_by is not None else "again"
        return _page(request, state, about, token=token if state == "again" else "", status_code=403)
    outcome: tuple[About, bool] | None = None
    for attempt in (1, 2):
        try:
            async with runtime(request).unit_of_work() as session:
                outcome = await _use(session, claim.notification_id)
            break
        except IntegrityError:  # pressed at the same moment elsewhere: the second attempt sees the first
            if attempt == 2:
                raise
        except IntakeError:
            return _refused(request, UNKNOWN)
    if outcome is None:
        return _refused(request, UNKNOWN)
    about, first = outcome
    log.info("intake.ack_link", notification_id=str(claim.notification_id), first=first)
    return _page(request, "done" if first else "already", about, names=True)

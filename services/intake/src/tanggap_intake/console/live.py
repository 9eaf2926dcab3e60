"""Live pages: the dashboard (with its triage queue) and the incident page fill themselves in as events
arrive, without a reload and without a front-end build. static/live.js asks about once a second
"anything new since version X?"; the answer is 204 (nothing) or the page's changing part as HTML, which
the script swaps in where the officer is not typing.

Why polling and not server-sent events:
- several intake processes may run behind one proxy, and each event is applied by one of them (competing
  consumers); a stream held open by another process would never hear of it. A poll reads the shared
  database, so whichever process answers is right;
- the reverse proxy of deploy/README.md buffers answers and drops a request after 60 s
  (`proxy_read_timeout`); a stream would need its own proxy settings and heartbeats, a poll needs none;
- a phone on a bad network loses a held-open connection without noticing it; a short request fails fast
  and the next one, a second later, recovers. Nothing is sent when nothing changed (204, no body).

Access is that of the pages: a login (401 here instead of the login page, which a script cannot show)
and the incident's scope (404 outside it, as on the page).
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from tanggap_intake.access import Principal
from tanggap_intake.auth import console_principal
from tanggap_intake.console import stamps
from tanggap_intake.console.common import render, runtime
from tanggap_intake.console.home import dashboard_context
from tanggap_intake.console.incident import incident_context
from tanggap_intake.guards import visible_incident

router = APIRouter()

VERSION_HEADER = "X-Live-Version"


def _unchanged() -> Response:
    return Response(status_code=204)


def _logged_out() -> Response:
    return PlainTextResponse("Sesi berakhir. Silakan masuk kembali.", status_code=401)


def _fragment(request: Request, template: str, context: dict[str, object], user: Principal) -> Response:
    response = render(request, template, context, user=user, fragment=True)
    response.headers[VERSION_HEADER] = str(context["live_version"])
    return response


@router.get("/live/dashboard", response_class=HTMLResponse)
async def live_dashboard(request: Request, v: str = "") -> Response:
    user = await console_principal(request)
    if user is None:
        return _logged_out()
    request.state.principal = user
    async with runtime(request).sessions() as session:
        if v and v == await stamps.dashboard_stamp(session, user):
            return _unchanged()
        context = await dashboard_context(session, user)
    return _fragment(request, "_dashboard_live.html", context, user)


@router.get("/live/incidents/{incident_id}", response_class=HTMLResponse)
async def live_incident(request: Request, incident_id: str, v: str = "") -> Response:
    user = await console_principal(request)
    if user is None:
        return _logged_out()
    request.state.principal = user
    async with runtime(request).sessions() as session:
        incident = await visible_incident(session, user, incident_id)  # 404 outside the scope
        if v and v == await stamps.incident_stamp(session, incident):
            return _unchanged()
        context = await incident_context(session, user, incident_id)
    return _fragment(request, "_incident_live.html", context, user)

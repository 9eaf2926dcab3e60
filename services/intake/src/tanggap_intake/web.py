"""The minimal console: server-rendered pages in Bahasa Indonesia."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tanggap_intake.queries import get_incident, list_incidents
from tanggap_shared.runtime import Runtime

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

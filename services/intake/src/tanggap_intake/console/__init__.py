"""The console: server-rendered pages in Bahasa Indonesia for Humas officers, heads of units, Kanwil and
Ditjenpas staff, and admins. Every page needs a login and shows only what the person's scope allows."""

from fastapi import APIRouter

from tanggap_intake.console import ack, admin, home, incident, live, login, monitor, plan

pages = APIRouter(include_in_schema=False)
for module in (login, home, incident, live, plan, monitor, admin, ack):
    pages.include_router(module.router)

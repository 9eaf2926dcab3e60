"""Scope and authority checks every endpoint runs before it reads or acts (HTML and JSON alike).

Outside the caller's scope a thing does not exist (404), so ids cannot be probed; inside the scope but
without the authority of the incident's level, the answer is 403 naming who may.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.access import APPROVER_FOR_LEVEL, Principal
from tanggap_intake.errors import NotAllowed, NotFound
from tanggap_intake.models import Draft, Incident, Notification, Report, Unit


async def unit_visible(session: AsyncSession, principal: Principal, unit_code: str) -> bool:
    unit = await session.get(Unit, unit_code)
    return unit is not None and principal.sees(unit.code, unit.region)


async def visible_incident(session: AsyncSession, principal: Principal, incident_id: str) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None or not await unit_visible(session, principal, incident.unit_code):
        raise NotFound(f"No incident with id {incident_id}.", indonesian="Insiden tidak ditemukan.")
    return incident


async def visible_draft(session: AsyncSession, principal: Principal, draft_id: str) -> tuple[Draft, Incident]:
    draft = await session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"No draft with id {draft_id}.", indonesian="Draf tidak ditemukan.")
    try:
        incident = await visible_incident(session, principal, draft.incident_id)
    except NotFound:
        raise NotFound(f"No draft with id {draft_id}.", indonesian="Draf tidak ditemukan.") from None
    return draft, incident


async def visible_report(session: AsyncSession, principal: Principal, report_id: str) -> Report:
    """A report is seen through the incident it belongs to NOW: after a merge across units it lives in the
    other unit's incident, and its own unit, which cannot read that incident, may no longer touch it."""
    report = await session.get(Report, report_id)
    missing = NotFound(f"No report with id {report_id}.", indonesian="Laporan tidak ditemukan.")
    if report is None:
        raise missing
    try:
        await visible_incident(session, principal, report.incident_id)
    except NotFound:
        raise missing from None
    return report


async def visible_notification(session: AsyncSession, principal: Principal, notification_id: str) -> str:
    """The incident id of a notification the principal may see."""
    incident_id = await session.scalar(
        select(Notification.incident_id).where(Notification.notification_id == notification_id).limit(1)
    )
    missing = NotFound(
        f"No notification with id {notification_id}.", indonesian="Pemberitahuan tidak ditemukan."
    )
    if incident_id is None:
        raise missing
    try:
        await visible_incident(session, principal, incident_id)
    except NotFound:
        raise missing from None
    return incident_id


def require_authority(principal: Principal, incident: Incident, action: str) -> None:
    """Approving, rejecting, lowering a level, moving the phase: the authority of the incident's level."""
    if principal.may_decide(incident.level):
        return
    level = incident.level or 1
    who = APPROVER_FOR_LEVEL[level]
    raise NotAllowed(
        f"{action} for a level {level} incident needs the authority of {who} or above.",
        indonesian=f"Untuk insiden Level {level}, tindakan ini hanya dapat dilakukan oleh {who} "
        "atau pejabat di atasnya.",
    )

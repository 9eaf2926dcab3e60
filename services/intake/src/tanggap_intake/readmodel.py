"""The incident read model: every other service's events, applied once each, with a timeline line."""

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.models import Draft, Incident, Notification, TimelineEntry
from tanggap_shared.db import already_applied
from tanggap_shared.events import (
    DraftProposed,
    DraftReviewed,
    Event,
    IncidentClassified,
    IncidentClosed,
    NotificationAcknowledged,
    NotificationFailed,
    NotificationSent,
    Recipient,
)

CONSUMER = "intake.read_model"

SUBJECTS = [
    "tanggap.incident.classified",
    "tanggap.draft.proposed",
    "tanggap.draft.reviewed",
    "tanggap.notification.sent",
    "tanggap.notification.failed",
    "tanggap.notification.acknowledged",
    "tanggap.incident.closed",
]

DRAFT_NAMES = {
    "holding_statement": "pernyataan awal (holding statement)",
    "press_release": "siaran pers",
}

log = structlog.get_logger("tanggap.intake.readmodel")


class IncidentMissing(RuntimeError):
    """An event about an incident this intake does not hold (yet): retried, then dead-lettered."""


async def apply_event(session: AsyncSession, event: Event) -> bool:
    """Apply one event to the read model; False when it was applied before."""
    if await already_applied(session, CONSUMER, event.event_id):
        return False
    incident = await session.get(Incident, str(event.incident_id))
    if incident is None:
        raise IncidentMissing(f"incident {event.incident_id} is not known to this intake")
    summary, actor = _apply(session, incident, event)
    incident.updated_at = max(incident.updated_at, event.occurred_at)
    session.add(
        TimelineEntry(
            incident_id=incident.id,
            at=event.occurred_at,
            kind=event.type,
            summary=summary,
            actor=actor,
            event_id=str(event.event_id),
        )
    )
    log.info("intake.event_applied")
    return True


def _apply(session: AsyncSession, incident: Incident, event: Event) -> tuple[str, str]:
    match event:
        case IncidentClassified():
            return _classified(incident, event), event.producer
        case DraftProposed():
            session.add(
                Draft(
                    id=str(event.draft_id),
                    incident_id=incident.id,
                    kind=event.kind.value,
                    method=event.method,
                    text=event.text,
                    sources=[s.model_dump(mode="json") for s in event.sources],
                    findings=[f.model_dump(mode="json") for f in event.findings],
                    created_at=event.occurred_at,
                )
            )
            name = DRAFT_NAMES.get(event.kind.value, event.kind.value)
            return f"Draf {name} diusulkan ({event.method}); menunggu persetujuan.", event.producer
        case DraftReviewed():
            return f"Draf {event.kind.value} {event.decision} oleh {event.reviewer}.", event.reviewer
        case NotificationSent() | NotificationFailed():
            _notification(session, incident, event)
            verb = "terkirim ke" if isinstance(event, NotificationSent) else "GAGAL ke"
            gaps = f" Kekosongan tim: {'; '.join(event.roster_gaps)}." if event.roster_gaps else ""
            return f"Notifikasi {verb} {_who(event.recipient)} via {event.channel}.{gaps}", event.producer
        case NotificationAcknowledged():
            return f"Notifikasi dikonfirmasi oleh {event.acknowledged_by}.", event.acknowledged_by
        case IncidentClosed():
            incident.phase = "ditutup"
            return f"Insiden ditutup oleh {event.closed_by}: {event.declaration}", event.closed_by
        case _:
            return f"Peristiwa {event.type}.", event.producer


def _classified(incident: Incident, event: IncidentClassified) -> str:
    # A late, older classification must not overwrite a newer one.
    if incident.classified_at is None or event.occurred_at >= incident.classified_at:
        incident.level = event.level
        incident.crisis = event.crisis
        incident.category = event.category.value
        incident.secondary_categories = [c.value for c in event.secondary_categories]
        incident.reasons = [r.model_dump(mode="json") for r in event.reasons]
        incident.deadlines = dict(event.deadlines)
        incident.policy_version = event.policy_version
        incident.classified_at = event.occurred_at
        if event.crisis and incident.phase == "pra_krisis":
            incident.phase = "krisis"
    if not event.crisis:
        return f"Dinilai bukan krisis (Level {event.level}, {event.category.value})."
    return f"Diklasifikasikan Level {event.level} ({event.category.value})."


def _who(recipient: Recipient) -> str:
    return f"{recipient.name} ({recipient.role.value})"


def _notification(
    session: AsyncSession, incident: Incident, event: NotificationSent | NotificationFailed
) -> None:
    session.add(
        Notification(
            id=str(event.event_id),
            incident_id=incident.id,
            recipient=event.recipient.name,
            person_id=event.recipient.person_id,
            role=event.recipient.role.value,
            tier=event.recipient.tier.value,
            channel=event.channel,
            status=event.status.value,
            trigger_type=event.trigger_type,
            trigger_event_id=str(event.trigger_event_id),
            roster_gaps=list(event.roster_gaps),
            error=getattr(event, "error", ""),
            at=event.occurred_at,
        )
    )

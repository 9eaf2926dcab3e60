"""Planning deliveries (pure) and recording them (within the caller's unit of work)."""

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.directory import Directory
from tanggap_notifier.messages import Message, MessageRenderer
from tanggap_notifier.models import Delivery, DeliveryStatus
from tanggap_notifier.routing import Routed, RoutingPolicy, crisis_recipients, draft_approvers
from tanggap_notifier.sender import SendOutcome
from tanggap_shared.contracts import Role, Tier
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import (
    DraftProposed,
    IncidentClassified,
    NotificationFailed,
    NotificationSent,
    Recipient,
    derive_event_id,
    utcnow,
)

PRODUCER = "notifier"

log = structlog.get_logger("tanggap.notifier")

Trigger = IncidentClassified | DraftProposed


@dataclass(frozen=True)
class PlannedDelivery:
    id: uuid.UUID
    trigger: Trigger
    routed: Routed
    message: Message


def delivery_id(trigger_event_id: uuid.UUID, person_id: str) -> uuid.UUID:
    return derive_event_id(trigger_event_id, PRODUCER, person_id)


def recipients(event: Trigger, *, directory: Directory, policy: RoutingPolicy) -> list[Routed]:
    """Who this event goes to under the routing policy."""
    unit, region = event.unit.code, event.unit.region
    if isinstance(event, IncidentClassified):
        return crisis_recipients(
            crisis=event.crisis,
            level=event.level,
            directory=directory,
            policy=policy,
            unit=unit,
            region=region,
        )
    return draft_approvers(level=event.level, directory=directory, policy=policy, unit=unit, region=region)


def plan(
    event: Trigger, *, directory: Directory, policy: RoutingPolicy, renderer: MessageRenderer
) -> list[PlannedDelivery]:
    """One delivery per recipient, with its text rendered now."""
    planned = []
    for routed in recipients(event, directory=directory, policy=policy):
        if isinstance(event, IncidentClassified):
            message = renderer.incident(event, routed)
        else:
            message = renderer.draft(event, routed)
        planned.append(PlannedDelivery(delivery_id(event.event_id, routed.person.id), event, routed, message))
    return planned


def add_pending(session: AsyncSession, planned: list[PlannedDelivery], *, policy_version: str) -> None:
    """Stage the pending rows and log every roster gap that made someone stand in."""
    for item in planned:
        person = item.routed.person
        for gap in item.routed.stands_in_for:
            log.warning(
                "notifier.roster_gap", gap=gap.note, stand_in=person.id, policy_version=policy_version
            )
        session.add(
            Delivery(
                id=str(item.id),
                trigger_event_id=str(item.trigger.event_id),
                trigger_type=item.trigger.type,
                incident_id=str(item.trigger.incident_id),
                person_id=person.id,
                name=person.name,
                role=person.role.value,
                tier=person.tier.value,
                title=item.message.title,
                body=item.message.body,
                gap_note=item.routed.gap_note,
            )
        )


def _recipient(row: Delivery) -> Recipient:
    return Recipient(person_id=row.person_id, name=row.name, role=Role(row.role), tier=Tier(row.tier))


def outcome_event(row: Delivery, outcome: SendOutcome) -> NotificationSent | NotificationFailed:
    """The event announcing how a delivery ended; its id is fixed by the delivery and the status."""
    status = DeliveryStatus.SENT if outcome.sent else DeliveryStatus.FAILED
    common = {
        "event_id": derive_event_id(uuid.UUID(row.id), PRODUCER, status.value),
        "incident_id": uuid.UUID(row.incident_id),
        "causation_id": uuid.UUID(row.trigger_event_id),
        "producer": PRODUCER,
        "notification_id": uuid.UUID(row.id),
        "recipient": _recipient(row),
        "channel": outcome.channel,
        "trigger_event_id": uuid.UUID(row.trigger_event_id),
        "trigger_type": row.trigger_type,
        "roster_gaps": [note for note in row.gap_note.split("; ") if note],
    }
    if outcome.sent:
        return NotificationSent.model_validate(common)
    return NotificationFailed.model_validate(common | {"error": outcome.error})


def record_outcome(session: AsyncSession, row: Delivery, outcome: SendOutcome) -> None:
    """Mark the row sent or failed and stage the matching event in the outbox."""
    row.status = (DeliveryStatus.SENT if outcome.sent else DeliveryStatus.FAILED).value
    row.channel = outcome.channel[:500]
    row.error = outcome.error
    row.claimed_until = None
    if outcome.sent:
        row.sent_at = utcnow()
    add_to_outbox(session, outcome_event(row, outcome))

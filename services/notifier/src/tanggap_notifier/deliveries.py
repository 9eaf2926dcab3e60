"""How a delivery ends: its notification events, and the personal acknowledgement link it carries."""

import uuid
from dataclasses import dataclass

from tanggap_notifier.models import Delivery, DeliveryStatus
from tanggap_notifier.notices import PRODUCER
from tanggap_shared.contracts import Role, Tier
from tanggap_shared.events import NotificationFailed, NotificationSent, Recipient, derive_event_id
from tanggap_shared.tokens import ack_token

ACK_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class AckLinks:
    """Mints `<public_url>/ack/<token>`: an opaque token naming only the notification (no person, no name).

    The intake shows a confirm page on GET and acknowledges once on its POST, with the recipient it recorded
    from notification.sent. The link expires after `ttl_seconds` (TANGGAP_ACK_LINK_TTL_HOURS).
    """

    public_url: str
    secret: str
    ttl_seconds: int = ACK_TTL_SECONDS

    def link(self, row: Delivery) -> str:
        token = ack_token(self.secret, uuid.UUID(row.id), ttl_seconds=self.ttl_seconds)
        return f"{self.public_url.rstrip('/')}/ack/{token}"


def recipient_of_row(row: Delivery) -> Recipient:
    return Recipient(person_id=row.person_id, name=row.name, role=Role(row.role), tier=Tier(row.tier))


def roster_notes(row: Delivery) -> list[str]:
    return [note for note in row.gap_note.split("; ") if note]


def outcome_events(
    row: Delivery, *, sent: bool, channel: str, error: str = ""
) -> list[NotificationSent | NotificationFailed]:
    """One event per incident the delivery is about (a digest covers several), ids fixed by row and status.

    The first incident's event keeps the id the spine gave it (delivery id + status).
    """
    status = DeliveryStatus.SENT if sent else DeliveryStatus.FAILED
    incidents = [str(i) for i in row.incident_ids] or [row.incident_id]
    events: list[NotificationSent | NotificationFailed] = []
    for position, incident in enumerate(incidents):
        parts = (PRODUCER, status.value) if position == 0 else (PRODUCER, status.value, incident)
        common = {
            "event_id": derive_event_id(uuid.UUID(row.id), *parts),
            "incident_id": uuid.UUID(incident),
            "causation_id": uuid.UUID(row.trigger_event_id),
            "producer": PRODUCER,
            "notification_id": uuid.UUID(row.id),
            "recipient": recipient_of_row(row),
            "channel": channel,
            "trigger_event_id": uuid.UUID(row.trigger_event_id),
            "trigger_type": row.trigger_type,
            "roster_gaps": roster_notes(row),
        }
        if sent:
            events.append(NotificationSent.model_validate(common))
        else:
            events.append(NotificationFailed.model_validate(common | {"error": error}))
    return events

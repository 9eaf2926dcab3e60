"""The learning loop: an approved draft becomes a library item with its provenance."""

import uuid

from tanggap_drafter.context import KIND_LABELS
from tanggap_drafter.items import LibraryItem
from tanggap_drafter.vocabulary import WORDING
from tanggap_shared.events import DraftReviewed, IncidentClassified


def approved_item_id(draft_id: uuid.UUID) -> str:
    """One library item per draft: the same review processed twice replaces, never duplicates."""
    return f"approved-{draft_id}"


def approved_item(
    review: DraftReviewed, incident: IncidentClassified, level: int | None = None
) -> LibraryItem:
    """The approved (possibly edited) text, filed under the incident's category and the draft's kind.

    It is an "example": it carries that incident's facts, so it is never pasted into another draft.
    """
    label = KIND_LABELS[review.kind]
    return LibraryItem(
        id=approved_item_id(review.draft_id),
        title=f"{label} disetujui: {WORDING[incident.category].label}",
        text=review.text,
        category=incident.category,
        kind=review.kind.value,
        level=level if level is not None else incident.level,
        unit=incident.unit.code,
        region=incident.unit.region,
        approved_by=review.reviewer,
        approved_at=review.occurred_at,
        source_incident=review.incident_id,
        draft_id=review.draft_id,
        reuse="example",
    )

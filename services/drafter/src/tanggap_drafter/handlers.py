"""Message handlers: a classified crisis becomes a holding statement and a press release."""

import structlog
from faststream.nats import NatsMessage
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_drafter.drafting import Draft, categories_of, compose_drafts, query_text
from tanggap_drafter.models import DraftRow
from tanggap_drafter.store import KeyMessageStore
from tanggap_shared.db import add_to_outbox, already_applied
from tanggap_shared.events import DraftProposed, Event, IncidentClassified, derive_event_id
from tanggap_shared.messaging import Handler
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.drafter")

SERVICE = "drafter"
CONSUMER = "drafter.incident_classified"
METHOD = "template"


def _propose(session: AsyncSession, event: IncidentClassified, draft: Draft) -> None:
    draft_id = derive_event_id(event.event_id, SERVICE, draft.kind.value)
    session.add(
        DraftRow(
            id=str(draft_id),
            incident_id=str(event.incident_id),
            causation_id=str(event.event_id),
            kind=draft.kind.value,
            level=event.level,
            text=draft.text,
            method=METHOD,
            sources=[s.model_dump(mode="json") for s in draft.sources],
            findings=[f.model_dump(mode="json") for f in draft.findings],
        )
    )
    add_to_outbox(
        session,
        DraftProposed(
            event_id=derive_event_id(event.event_id, SERVICE, "draft.proposed", draft.kind.value),
            causation_id=event.event_id,
            incident_id=event.incident_id,
            producer=SERVICE,
            draft_id=draft_id,
            kind=draft.kind,
            level=event.level,
            unit=event.unit,
            text=draft.text,
            method=METHOD,
            sources=draft.sources,
            findings=draft.findings,
        ),
    )


def make_incident_classified_handler(runtime: Runtime, store: KeyMessageStore, *, top_k: int = 3) -> Handler:
    """Draft every crisis; routine or positive news (crisis=False) needs no crisis statement."""

    async def on_incident_classified(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, IncidentClassified) or not event.crisis:
            return
        # Retrieval and rendering are CPU work in local mode; done before the transaction so the
        # database's write lock is held only for the inserts. A redelivery wastes this work, nothing more.
        retrieved = await store.search(query_text(event), categories_of(event), limit=top_k)
        drafts = compose_drafts(event, retrieved)
        async with runtime.unit_of_work() as session:
            if await already_applied(session, CONSUMER, event.event_id):
                log.info("drafter.duplicate_skipped")
                return
            for draft in drafts:
                _propose(session, event, draft)
        log.info(
            "drafter.drafts_proposed",
            kinds=[d.kind.value for d in drafts],
            sources=len(retrieved),
            blocking=sum(f.severity == "blocking" for d in drafts for f in d.findings),
        )

    return on_incident_classified

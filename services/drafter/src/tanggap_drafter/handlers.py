"""Message handlers: classified crises become drafts, requests become requested drafts, approved drafts
feed the library, closed incidents get their evaluation report.

Slow work (retrieval, LLM calls, rendering) runs before the transaction, so the database's write lock
is held only for the inserts; a redelivery wastes that work and nothing more (the inbox drops it).
"""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from faststream.nats import NatsMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_drafter.composer import Composer
from tanggap_drafter.drafting import Draft, Extra
from tanggap_drafter.evaluation import Milestone, closing, timeline
from tanggap_drafter.learning import approved_item
from tanggap_drafter.models import DraftRow, IncidentSnapshot, ReviewRow
from tanggap_drafter.plan import DraftPlan
from tanggap_drafter.store import KeyMessageStore
from tanggap_drafter.teams import team_for
from tanggap_drafter.wording import person_names
from tanggap_shared.contracts import DraftKind
from tanggap_shared.db import add_to_outbox, already_applied
from tanggap_shared.events import (
    DraftProposed,
    DraftRequested,
    DraftReviewed,
    Event,
    IncidentClassified,
    IncidentClosed,
    derive_event_id,
)
from tanggap_shared.messaging import Handler
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.drafter")

SERVICE = "drafter"
CONSUMER = "drafter.incident_classified"
CONSUMER_LLM = "drafter.incident_classified.llm"
REQUESTED = "drafter.draft_requested"
REVIEWED = "drafter.draft_reviewed"
CLOSED = "drafter.incident_closed"


class IncidentUnknown(LookupError):
    """The drafter has no classification of the incident yet; retried, then dead-lettered."""


@dataclass(frozen=True)
class Deps:
    runtime: Runtime
    store: KeyMessageStore
    composer: Composer
    plan: DraftPlan


def fingerprint(event: IncidentClassified) -> str:
    """What the drafts depend on; a reclassification that changes none of it drafts nothing new."""
    basis = {
        "crisis": event.crisis,
        "level": event.level,
        "category": event.category.value,
        "secondary": [c.value for c in event.secondary_categories],
        "facts": event.report.facts.model_dump(mode="json"),
        "impact": event.report.impact.model_dump(mode="json"),
        "links": event.report.links,
        # The reading of the text, people's confirmations applied: a confirmed fact changes the drafts.
        "readings": [r.model_dump(mode="json", exclude={"report_id"}) for r in event.readings],
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


async def _snapshot(session: AsyncSession, incident_id: uuid.UUID) -> IncidentSnapshot | None:
    return await session.get(IncidentSnapshot, str(incident_id))


def _incident(row: IncidentSnapshot) -> IncidentClassified:
    return IncidentClassified.model_validate(row.event)


async def _load_incident(deps: Deps, incident_id: uuid.UUID) -> IncidentClassified:
    async with deps.runtime.sessions() as session:
        row = await _snapshot(session, incident_id)
    if row is None:
        raise IncidentUnknown(f"no classification stored for incident {incident_id}")
    return _incident(row)


def _store_snapshot(session: AsyncSession, row: IncidentSnapshot | None, event: IncidentClassified) -> None:
    """Keep the newest classification (events may arrive out of order)."""
    data = event.model_dump(mode="json")
    if row is None:
        session.add(
            IncidentSnapshot(
                incident_id=str(event.incident_id),
                event_id=str(event.event_id),
                event=data,
                fingerprint=fingerprint(event),
                classified_at=event.occurred_at,
            )
        )
    elif event.occurred_at >= row.classified_at:
        row.event_id = str(event.event_id)
        row.event = data
        row.fingerprint = fingerprint(event)
        row.classified_at = event.occurred_at


def _propose(session: AsyncSession, cause: uuid.UUID, incident: IncidentClassified, draft: Draft) -> None:
    # An LLM draft is published beside its template (which went out first), under ids of its own.
    variant = () if draft.method == "template" else (draft.method,)
    draft_id = derive_event_id(cause, SERVICE, draft.kind.value, *variant)
    session.add(
        DraftRow(
            id=str(draft_id),
            incident_id=str(incident.incident_id),
            causation_id=str(cause),
            kind=draft.kind.value,
            level=incident.level,
            text=draft.text,
            method=draft.method,
            sources=[s.model_dump(mode="json") for s in draft.sources],
            findings=[f.model_dump(mode="json") for f in draft.findings],
        )
    )
    add_to_outbox(
        session,
        DraftProposed(
            event_id=derive_event_id(cause, SERVICE, "draft.proposed", draft.kind.value, *variant),
            causation_id=cause,
            incident_id=incident.incident_id,
            producer=SERVICE,
            draft_id=draft_id,
            kind=draft.kind,
            level=incident.level,
            unit=incident.unit,
            text=draft.text,
            method=draft.method,
            sources=draft.sources,
            findings=draft.findings,
        ),
    )


def _logged(drafts: Sequence[Draft], event_name: str) -> None:
    log.info(
        event_name,
        kinds=[d.kind.value for d in drafts],
        methods=[d.method for d in drafts],
        blocking=sum(d.blocking for d in drafts),
    )


def make_incident_classified_handler(deps: Deps) -> Handler:
    """Draft every crisis, the kinds of the plan in its order; routine or positive news gets none."""

    async def on_incident_classified(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, IncidentClassified):
            return
        async with deps.runtime.sessions() as session:
            previous = await _snapshot(session, event.incident_id)
        # A reclassification that changes nothing the drafts depend on, or one older than what we hold,
        # drafts nothing new.
        unchanged = previous is not None and (
            previous.fingerprint == fingerprint(event) or event.occurred_at < previous.classified_at
        )
        kinds = [] if unchanged else deps.plan.kinds_for(event)
        attached = [k.value for k in kinds if k != DraftKind.ESCALATION_REPORT]
        extras = {DraftKind.ESCALATION_REPORT: Extra(values={"attached": attached})}
        team = await team_for(deps.runtime, event)  # the people drafts name (issue 13)
        # Phase 1: the template drafts go out at once, so a slow or absent LLM never delays them.
        drafts, material = await deps.composer.templates(event, kinds, extras, team)
        async with deps.runtime.unit_of_work() as session:
            fresh = not await already_applied(session, CONSUMER, event.event_id)
            if fresh:
                _store_snapshot(session, await _snapshot(session, event.incident_id), event)
                for draft in drafts:
                    _propose(session, event.event_id, event, draft)
        if fresh:
            _logged(drafts, "drafter.drafts_proposed")
        else:
            log.info("drafter.duplicate_skipped")
        if unchanged:
            log.info("drafter.reclassified_without_change")
        # Phase 2: the LLM's versions follow as further drafts; a redelivery completes whichever phase is
        # missing.
        if not deps.composer.uses_llm or not drafts:
            return
        improved = await deps.composer.improvements(event, material, drafts, extras, team)
        async with deps.runtime.unit_of_work() as session:
            if await already_applied(session, CONSUMER_LLM, event.event_id):
                return
            for draft in improved:
                _propose(session, event.event_id, event, draft)
        _logged(improved, "drafter.llm_drafts_proposed")

    return on_incident_classified


def make_draft_requested_handler(deps: Deps) -> Handler:
    """A draft a human asked for; a DPO notice only for an escape, naming only whom the note or the
    report names."""

    async def on_draft_requested(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, DraftRequested):
            return
        incident = await _load_incident(deps, event.incident_id)
        drafts: list[Draft] = []
        if event.kind == DraftKind.DPO_NOTICE and not deps.plan.dpo_allowed(incident):
            log.warning("drafter.dpo_refused", category=incident.category.value)
        elif event.kind != DraftKind.EVALUATION_REPORT:
            drafts = await deps.composer.drafts(
                incident,
                [event.kind],
                {event.kind: _request_extra(event, incident)},
                await team_for(deps.runtime, incident),
            )
        async with deps.runtime.unit_of_work() as session:
            if await already_applied(session, REQUESTED, event.event_id):
                return
            for draft in drafts:
                _propose(session, event.event_id, incident, draft)
        _logged(drafts, "drafter.requested_draft_proposed")

    return on_draft_requested


def _request_extra(event: DraftRequested, incident: IncidentClassified) -> Extra:
    place = [incident.unit.name, incident.unit.city, incident.unit.region_name]
    who = incident.report.facts.who
    sources = [event.note, incident.report.text, who.value if who else ""]
    names = [name for text in sources for name in person_names(text, place)]
    return Extra(known=[event.note], names=list(dict.fromkeys(names)), vocabulary=[event.requested_by])


def make_draft_reviewed_handler(deps: Deps) -> Handler:
    """An approved draft joins the library with its provenance; a rejected one never does."""

    async def on_draft_reviewed(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, DraftReviewed):
            return
        item_id: str | None = None
        if event.decision == "approved":
            incident = await _load_incident(deps, event.incident_id)
            async with deps.runtime.sessions() as session:
                row = await session.get(DraftRow, str(event.draft_id))
            item = approved_item(event, incident, level=row.level if row else None)
            # Upserted before the inbox records the review: a crash in between re-upserts the same point.
            await deps.store.add([item])
            item_id = item.id
        async with deps.runtime.unit_of_work() as session:
            if await already_applied(session, REVIEWED, event.event_id):
                return
            await session.merge(
                ReviewRow(
                    draft_id=str(event.draft_id),
                    incident_id=str(event.incident_id),
                    kind=event.kind.value,
                    decision=event.decision,
                    reviewer=event.reviewer,
                    reviewed_at=event.occurred_at,
                    library_item=item_id,
                )
            )
        log.info(
            "drafter.review_recorded", decision=event.decision, kind=event.kind.value, stored=bool(item_id)
        )

    return on_draft_reviewed


async def _milestones(session: AsyncSession, incident_id: uuid.UUID) -> list[Milestone]:
    drafts = (await session.scalars(select(DraftRow).where(DraftRow.incident_id == str(incident_id)))).all()
    reviews = {
        r.draft_id: r
        for r in (
            await session.scalars(select(ReviewRow).where(ReviewRow.incident_id == str(incident_id)))
        ).all()
    }
    first: dict[str, Milestone] = {}
    for d in sorted(drafts, key=lambda d: d.created_at):
        review = reviews.get(d.id)
        approved = review is not None and review.decision == "approved"
        current = first.get(d.kind)
        if current is not None and (current.approved_at is not None or not approved):
            continue
        first[d.kind] = Milestone(
            kind=DraftKind(d.kind),
            proposed_at=current.proposed_at if current else d.created_at,
            approved_at=review.reviewed_at if review and approved else None,
            approved_by=review.reviewer if review and approved else None,
        )
    return list(first.values())


def make_incident_closed_handler(deps: Deps) -> Handler:
    """The post-crisis evaluation report, with the incident's timeline against its targets."""

    async def on_incident_closed(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, IncidentClosed):
            return
        incident = await _load_incident(deps, event.incident_id)
        async with deps.runtime.sessions() as session:
            milestones = await _milestones(session, event.incident_id)
        lines = timeline(incident, milestones, event)
        closing_text = closing(event)
        officials = [event.closed_by, *(m.approved_by for m in milestones if m.approved_by)]
        extra = Extra(
            values={"timeline": lines, "closing": closing_text},
            known=[*lines, closing_text],
            vocabulary=officials,
        )
        kinds = list(deps.plan.on_close)
        team = await team_for(deps.runtime, incident)
        drafts = await deps.composer.drafts(incident, kinds, dict.fromkeys(kinds, extra), team)
        async with deps.runtime.unit_of_work() as session:
            if await already_applied(session, CLOSED, event.event_id):
                return
            row = await _snapshot(session, event.incident_id)
            if row is not None:
                row.closed_at = event.occurred_at
                row.closed_by = event.closed_by
            for draft in drafts:
                _propose(session, event.event_id, incident, draft)
        _logged(drafts, "drafter.evaluation_proposed")

    return on_incident_closed

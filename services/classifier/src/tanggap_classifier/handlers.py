"""The classifier's handlers: each is inbox check + (re)classification + outbox in one unit of work.

- `report.received`: store the report; classify the incident from all its reports (trigger "report";
  `previous_level` set when the report joined an incident the classifier already knew).
- `report.updated`: replace the snapshot, re-classify (trigger "update").

Every incident.classified carries the reading of each report of the incident (facts read from the
free text with their spans, the LLM's verified proposals, people's decisions applied: reading/).
- `media.spike_detected`: every open incident of the unit known here is re-classified with the spike
  raising its spread (trigger "spike").
- `incident.level_overridden`: store the override and publish it (trigger "override"); it stands
  through later re-classifications until another override arrives.
- `incident.triaged`: a person's decision on a 'perlu ditinjau' incident, stored in its own table
  and published (trigger "triage"); it stands through later re-classifications (see incident.decide).
- `incident.closed` / `incident.merged`: the incident is no longer re-classified on a spike.

A level rises on its own; a lower computed level keeps the current one with a reason saying a drop
needs a human (see incident.decide). The LLM assessor, when configured, is called before the unit of
work, so no database transaction waits on it.
"""

import uuid
from datetime import UTC, datetime
from typing import Literal

import structlog
from faststream.nats import NatsMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_classifier.assessor import Assessment, LlmAssessor
from tanggap_classifier.engine import Classification, classify, report_text
from tanggap_classifier.facts import Context, LlmFacts, Spike
from tanggap_classifier.incident import Override, Triage, decide, merged_llm, merged_report
from tanggap_classifier.models import ClassifierIncident, ClassifierReport, ClassifierTriage
from tanggap_classifier.policy import Policy
from tanggap_classifier.reading import reading_of
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.db import InboxEntry, add_to_outbox, already_applied
from tanggap_shared.events import (
    Event,
    IncidentClassified,
    IncidentClosed,
    IncidentLevelOverridden,
    IncidentMerged,
    IncidentTriaged,
    MediaSpikeDetected,
    ReportReading,
    ReportReceived,
    ReportSnapshot,
    ReportUpdated,
    UnitRef,
    derive_event_id,
)
from tanggap_shared.messaging import Handler, subscribe
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.classifier")

SERVICE = "classifier"
CONSUMER = "classifier.report_received"
SUBJECTS = ["tanggap.report.received"]
Trigger = Literal["report", "update", "spike", "override", "reclassify", "triage"]


class Classifier:
    """The handlers' shared dependencies: runtime, policy and the optional LLM assessor."""

    def __init__(self, runtime: Runtime, policy: Policy, assessor: LlmAssessor | None = None) -> None:
        self.runtime = runtime
        self.policy = policy
        self.assessor = assessor

    # --- reports ---------------------------------------------------------------------------------

    async def on_report(self, event: Event, _msg: NatsMessage) -> None:
        if isinstance(event, ReportReceived):
            await self._report(event, CONSUMER, "report", event.recent_incidents_at_unit)
        elif isinstance(event, ReportUpdated):
            await self._report(event, "classifier.report_updated", "update", None)

    async def _report(
        self, event: ReportReceived | ReportUpdated, consumer: str, trigger: Trigger, recent: int | None
    ) -> None:
        if await self._seen(consumer, event.event_id):
            log.info("classifier.duplicate_skipped")
            return
        assessment = await self._assess(event.unit, event.report)
        async with self.runtime.unit_of_work() as session:
            if await already_applied(session, consumer, event.event_id):
                log.info("classifier.duplicate_skipped")
                return
            incident = await _incident(session, event.incident_id)
            incident.unit = event.unit.model_dump(mode="json")
            incident.unit_code = event.unit.code
            if recent is not None:
                incident.recent_incidents = max(incident.recent_incidents, recent)
            await _store_report(session, event.incident_id, event.report, assessment)
            await self._publish(session, event, incident, trigger)

    async def _assess(self, unit: UnitRef, report: ReportSnapshot) -> Assessment | None:
        if self.assessor is None:
            return None
        return await self.assessor.assess(unit, report, report_text(report))

    # --- media spikes ----------------------------------------------------------------------------

    async def on_spike(self, event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, MediaSpikeDetected):
            return
        async with self.runtime.unit_of_work() as session:
            if await already_applied(session, "classifier.media_spike", event.event_id):
                return
            spike = Spike(
                negative_count=event.negative_count, baseline=event.baseline, window_hours=event.window_hours
            )
            query = select(ClassifierIncident).where(
                ClassifierIncident.unit_code == event.unit.code, ClassifierIncident.closed.is_(False)
            )
            incidents = list((await session.scalars(query.with_for_update())).all())
            for incident in incidents:
                incident.spike = spike.model_dump(mode="json")
                await self._publish(session, event, incident, "spike")
            log.info("classifier.spike_applied", unit=event.unit.code, incidents=len(incidents))

    # --- human decisions -------------------------------------------------------------------------

    async def on_decision(self, event: Event, _msg: NatsMessage) -> None:
        if isinstance(event, IncidentLevelOverridden):
            await self._override(event)
        elif isinstance(event, IncidentTriaged):
            await self._triage(event)
        elif isinstance(event, IncidentClosed | IncidentMerged):
            async with self.runtime.unit_of_work() as session:
                if await already_applied(session, "classifier.incident_ended", event.event_id):
                    return
                incident = await session.get(ClassifierIncident, str(event.incident_id), with_for_update=True)
                if incident is not None:
                    incident.closed = True

    async def _override(self, event: IncidentLevelOverridden) -> None:
        async with self.runtime.unit_of_work() as session:
            if await already_applied(session, "classifier.level_overridden", event.event_id):
                return
            incident = await _incident(session, event.incident_id)
            incident.override_level = event.level
            incident.override_by = event.overridden_by
            incident.override_reason = event.reason
            if incident.unit is None:
                # No report of this incident reached the classifier: keep the override for later.
                log.warning("classifier.override_for_unknown_incident", level=event.level)
                return
            await self._publish(session, event, incident, "override")

    async def _triage(self, event: IncidentTriaged) -> None:
        async with self.runtime.unit_of_work() as session:
            # A redelivered decision was recorded in the inbox with the first one: nothing changes.
            if await already_applied(session, "classifier.incident_triaged", event.event_id):
                return
            incident = await _incident(session, event.incident_id)
            row = await session.get(ClassifierTriage, str(event.incident_id), with_for_update=True)
            if row is None:
                row = ClassifierTriage(incident_id=str(event.incident_id))
                session.add(row)
            row.decision = event.decision
            row.decided_by = event.decided_by
            row.reason = event.reason
            row.event_id = str(event.event_id)
            row.decided_at = event.occurred_at
            await session.flush()
            if incident.unit is None:
                log.warning("classifier.triage_for_unknown_incident", decision=event.decision)
                return
            await self._publish(session, event, incident, "triage")

    # --- the common step -------------------------------------------------------------------------

    async def _publish(
        self, session: AsyncSession, cause: Event, incident: ClassifierIncident, trigger: Trigger
    ) -> None:
        """Re-classify the incident from everything stored, decide the level, write the event."""
        rows = list(
            (
                await session.scalars(
                    select(ClassifierReport).where(ClassifierReport.incident_id == incident.incident_id)
                )
            ).all()
        )
        if not rows or incident.unit is None:
            return
        unit = UnitRef.model_validate(incident.unit)
        reports = [ReportSnapshot.model_validate(r.snapshot) for r in rows]
        computed = classify(
            unit, merged_report(reports), incident.recent_incidents, self.policy, _context(incident, rows)
        )
        override = None
        if incident.override_level is not None:
            override = Override(
                incident.override_level, incident.override_by or "?", incident.override_reason or ""
            )
        result = decide(
            computed,
            current_level=incident.level,
            current_crisis=incident.crisis,
            override=override,
            policy=self.policy,
            fresh_override=trigger == "override",
            triage=await _triage_of(session, incident.incident_id),
        )
        latest = max(reports, key=lambda r: r.received_at)
        readings = _readings(rows)
        add_to_outbox(session, _classified(cause, incident, unit, latest, result, trigger, readings))
        log.info(
            "classifier.incident_classified",
            trigger=trigger,
            level=result.level,
            previous_level=incident.level,
            computed_level=computed.level,
            crisis=result.crisis,
            category=result.category.value,
            assessor=result.assessor,
            reasons=[r.code for r in result.reasons],
            policy_version=result.policy_version,
        )
        incident.level = result.level
        incident.crisis = result.crisis

    async def _seen(self, consumer: str, event_id: uuid.UUID) -> bool:
        """A cheap look before calling the LLM; the unit of work checks (and records) again."""
        async with self.runtime.sessions() as session:
            return await session.get(InboxEntry, (consumer, str(event_id))) is not None


async def _incident(session: AsyncSession, incident_id: uuid.UUID) -> ClassifierIncident:
    incident = await session.get(ClassifierIncident, str(incident_id), with_for_update=True)
    if incident is None:
        incident = ClassifierIncident(
            incident_id=str(incident_id), recent_incidents=0, crisis=False, closed=False
        )
        session.add(incident)
    return incident


async def _triage_of(session: AsyncSession, incident_id: str) -> Triage | None:
    row = await session.get(ClassifierTriage, incident_id)
    if row is None or row.decision not in ("crisis", "not_crisis"):
        return None
    decision: Literal["crisis", "not_crisis"] = "crisis" if row.decision == "crisis" else "not_crisis"
    return Triage(decision, row.decided_by, row.reason)


async def _store_report(
    session: AsyncSession, incident_id: uuid.UUID, report: ReportSnapshot, assessment: Assessment | None
) -> None:
    row = await session.get(ClassifierReport, str(report.report_id), with_for_update=True)
    if row is None:
        row = ClassifierReport(
            report_id=str(report.report_id), incident_id=str(incident_id), received_at=report.received_at
        )
        session.add(row)
    row.incident_id = str(incident_id)
    row.snapshot = report.model_dump(mode="json")
    if assessment is not None:
        row.llm_facts = assessment.facts.model_dump(mode="json") if assessment.facts else None
        row.llm_failure = assessment.failure
    row.updated_at = datetime.now(UTC)
    await session.flush()


def _context(incident: ClassifierIncident, rows: list[ClassifierReport]) -> Context:
    answers = [LlmFacts.model_validate(r.llm_facts) for r in rows if r.llm_facts]
    failures = [r.llm_failure for r in rows if r.llm_failure]
    return Context(
        llm=merged_llm(answers),
        assessor_failure=None if answers else (failures[-1] if failures else None),
        spike=Spike.model_validate(incident.spike) if incident.spike else None,
        report_count=len(rows),
    )


def _readings(rows: list[ClassifierReport]) -> list[ReportReading]:
    """Every report's reading, oldest first: rules, the LLM's verified quotes, people's decisions over all.

    Read again from the stored snapshots each time, so a redelivery yields the same readings."""
    readings = []
    for row in sorted(rows, key=lambda r: (r.received_at, r.report_id)):
        report = ReportSnapshot.model_validate(row.snapshot)
        proposals = LlmFacts.model_validate(row.llm_facts).facts if row.llm_facts else []
        readings.append(reading_of(report, proposals))
    return readings


def _classified(
    cause: Event,
    incident: ClassifierIncident,
    unit: UnitRef,
    report: ReportSnapshot,
    result: Classification,
    trigger: Trigger,
    readings: list[ReportReading],
) -> IncidentClassified:
    """The `incident.classified` caused by `cause`; its id is derived, so a re-run yields the same event."""
    parts = ["incident.classified"] if trigger != "spike" else ["incident.classified", incident.incident_id]
    return IncidentClassified(
        event_id=derive_event_id(cause.event_id, SERVICE, *parts),
        causation_id=cause.event_id,
        incident_id=uuid.UUID(incident.incident_id),
        producer=SERVICE,
        unit=unit,
        report=report,
        crisis=result.crisis,
        level=result.level,
        category=result.category,
        secondary_categories=result.secondary_categories,
        reasons=result.reasons,
        policy_version=result.policy_version,
        deadlines=result.deadlines,
        scct_cluster=result.scct_cluster if result.crisis else None,
        confidence=result.confidence,
        missing=result.missing,
        assessor=result.assessor,
        trigger=trigger,
        previous_level=incident.level,
        readings=readings,
        needs_review=result.needs_review,
        review_reasons=result.review_reasons,
    )


def register_handlers(
    runtime: Runtime, settings: ClassifierSettings, policy: Policy, assessor: LlmAssessor | None = None
) -> Classifier:
    """Subscribe the classifier's handlers on the runtime's broker (competing consumers)."""
    classifier = Classifier(runtime, policy, assessor)
    handlers: list[tuple[str, list[str], Handler]] = [
        ("report-received", SUBJECTS, classifier.on_report),
        ("report-updated", ["tanggap.report.updated"], classifier.on_report),
        ("media-spike", ["tanggap.media.spike_detected"], classifier.on_spike),
        (
            "decisions",
            [
                "tanggap.incident.level_overridden",
                "tanggap.incident.triaged",
                "tanggap.incident.closed",
                "tanggap.incident.merged",
            ],
            classifier.on_decision,
        ),
    ]
    for name, subjects, handler in handlers:
        subscribe(
            runtime.broker,
            service=SERVICE,
            name=name,
            subjects=subjects,
            handler=handler,
            max_deliveries=settings.max_deliveries,
            ack_wait=settings.ack_wait_seconds,
            batch=settings.consumer_batch,
        )
    return classifier

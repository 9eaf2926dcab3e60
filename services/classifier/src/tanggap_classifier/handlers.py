"""The `report.received` handler: inbox check, classification and outbox in one unit of work."""

import structlog
from faststream.nats import NatsMessage

from tanggap_classifier.engine import Classification, classify
from tanggap_classifier.policy import Policy
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.db import add_to_outbox, already_applied
from tanggap_shared.events import Event, IncidentClassified, ReportReceived, derive_event_id
from tanggap_shared.messaging import Handler, subscribe
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.classifier")

SERVICE = "classifier"
CONSUMER = "classifier.report_received"
SUBJECTS = ["tanggap.report.received"]


def classified_event(event: ReportReceived, result: Classification) -> IncidentClassified:
    """The `incident.classified` caused by `event`; its id is derived, so a re-run yields the same event."""
    return IncidentClassified(
        event_id=derive_event_id(event.event_id, SERVICE, "incident.classified"),
        causation_id=event.event_id,
        incident_id=event.incident_id,
        producer=SERVICE,
        unit=event.unit,
        report=event.report,
        crisis=result.crisis,
        level=result.level,
        category=result.category,
        secondary_categories=result.secondary_categories,
        reasons=result.reasons,
        policy_version=result.policy_version,
        deadlines=result.deadlines,
    )


def make_report_received_handler(runtime: Runtime, policy: Policy) -> Handler:
    async def on_report_received(event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, ReportReceived):
            return
        async with runtime.unit_of_work() as session:
            if await already_applied(session, CONSUMER, event.event_id):
                log.info("classifier.duplicate_skipped")
                return
            result = classify(event.unit, event.report, event.recent_incidents_at_unit, policy)
            add_to_outbox(session, classified_event(event, result))
        log.info(
            "classifier.incident_classified",
            level=result.level,
            crisis=result.crisis,
            category=result.category.value,
            reasons=[r.code for r in result.reasons],
            policy_version=result.policy_version,
        )

    return on_report_received


def register_handlers(runtime: Runtime, settings: ClassifierSettings, policy: Policy) -> None:
    """Subscribe the classifier's handlers on the runtime's broker (competing consumers)."""
    subscribe(
        runtime.broker,
        service=SERVICE,
        name="report-received",
        subjects=SUBJECTS,
        handler=make_report_received_handler(runtime, policy),
        max_deliveries=settings.max_deliveries,
        ack_wait=settings.ack_wait_seconds,
        batch=settings.consumer_batch,
    )

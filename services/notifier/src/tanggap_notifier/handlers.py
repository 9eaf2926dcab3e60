"""The routing handler: incident.classified and draft.proposed become deliveries to the crisis team."""

from dataclasses import dataclass

import structlog
from faststream.nats import NatsMessage

from tanggap_notifier.deliveries import add_pending, plan
from tanggap_notifier.directory import Directory
from tanggap_notifier.dispatch import Dispatcher
from tanggap_notifier.messages import MessageRenderer
from tanggap_notifier.routing import RoutingPolicy
from tanggap_shared.db import already_applied
from tanggap_shared.events import DraftProposed, Event, IncidentClassified
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime

CONSUMER = "notifier.routing"
SUBJECTS = ["tanggap.incident.classified", "tanggap.draft.proposed"]

log = structlog.get_logger("tanggap.notifier")


@dataclass
class RoutingHandler:
    runtime: Runtime
    directory: Directory
    policy: RoutingPolicy
    renderer: MessageRenderer
    dispatcher: Dispatcher

    async def __call__(self, event: Event, _msg: NatsMessage) -> None:
        if not isinstance(event, IncidentClassified | DraftProposed):
            return
        async with self.runtime.unit_of_work() as session:
            if not await already_applied(session, CONSUMER, event.event_id):
                planned = plan(event, directory=self.directory, policy=self.policy, renderer=self.renderer)
                add_pending(session, planned, policy_version=self.policy.version)
                log.info("notifier.routed", recipients=len(planned), policy_version=self.policy.version)
        # Also on a redelivery: whatever this event left pending (a crash right after commit) goes out now.
        await self.dispatcher.deliver_pending(event.event_id)


def register(runtime: Runtime, handler: RoutingHandler) -> None:
    settings = runtime.settings
    subscribe(
        runtime.broker,
        service=settings.service_name,
        name="routing",
        subjects=SUBJECTS,
        handler=handler,
        max_deliveries=settings.max_deliveries,
        ack_wait=settings.ack_wait_seconds,
        batch=settings.consumer_batch,
    )

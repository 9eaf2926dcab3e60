"""One trace crosses the broker and the outbox: service A consumes an event and stages another through its
outbox; service B consumes that one inside the same trace."""

import asyncio
import uuid
from pathlib import Path

from faststream.nats import NatsMessage
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import DraftKind
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import DraftRequested, Event, IncidentClosed
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime
from tanggap_shared.settings import ServiceSettings


class _A(ServiceSettings):
    service_name = "tracea"


class _B(ServiceSettings):
    service_name = "traceb"


async def test_trace_follows_an_event_through_the_outbox_to_the_next_service(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    spans_a, spans_b = InMemorySpanExporter(), InMemorySpanExporter()
    a = Runtime.build(_A(broker_url=fresh_nats.url, state_dir=tmp_path / "a"), span_exporter=spans_a)
    b = Runtime.build(_B(broker_url=fresh_nats.url, state_dir=tmp_path / "b"), span_exporter=spans_b)
    reached_b = asyncio.Event()

    async def on_closed(event: Event, _msg: NatsMessage) -> None:
        assert isinstance(event, IncidentClosed)
        async with a.unit_of_work() as session:
            add_to_outbox(
                session,
                DraftRequested(
                    incident_id=event.incident_id,
                    producer="tracea",
                    kind=DraftKind.EVALUATION_REPORT,
                    requested_by="sistem",
                ),
            )

    async def on_requested(event: Event, _msg: NatsMessage) -> None:
        assert event.trace_context.get("traceparent"), "the event carries the context it was created in"
        reached_b.set()

    subscribe(
        a.broker, service="tracea", name="closed", subjects=["tanggap.incident.closed"], handler=on_closed
    )
    subscribe(
        b.broker,
        service="traceb",
        name="requested",
        subjects=["tanggap.draft.requested"],
        handler=on_requested,
    )
    for runtime in (a, b):
        await runtime.open()
        await runtime.broker.start()
    try:
        async with a.unit_of_work() as session:
            add_to_outbox(
                session,
                IncidentClosed(
                    incident_id=uuid.uuid4(), producer="test", closed_by="Kalapas", declaration="selesai"
                ),
            )
        await asyncio.wait_for(reached_b.wait(), timeout=10)
        await asyncio.sleep(0.2)
    finally:
        for runtime in (b, a):
            await runtime.broker.stop()
            await runtime.close()
    a_traces = {s.context.trace_id for s in spans_a.get_finished_spans()}
    b_consumes = [s for s in spans_b.get_finished_spans() if "draft.requested" in s.name]
    assert b_consumes, [s.name for s in spans_b.get_finished_spans()]
    assert {s.context.trace_id for s in b_consumes} <= a_traces, "B's work continues A's trace"

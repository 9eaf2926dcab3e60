"""The report.received handler against a real nats-server: one incident.classified per report, even twice."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from tanggap_classifier.handlers import CONSUMER, register_handlers
from tanggap_classifier.policy import load_policy
from tanggap_classifier.settings import ClassifierSettings
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import Category, Source
from tanggap_shared.db import InboxEntry, OutboxEntry
from tanggap_shared.events import (
    IncidentClassified,
    ReportReceived,
    ReportSnapshot,
    UnitRef,
    derive_event_id,
    parse_event,
)
from tanggap_shared.messaging import STREAM_NAME, durable_name
from tanggap_shared.runtime import Runtime

from .conftest import eventually

CLASSIFIED = "tanggap.incident.classified"


def report_received() -> ReportReceived:
    return ReportReceived(
        incident_id=uuid.uuid4(),
        producer="intake",
        unit=UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI"),
        report=ReportSnapshot(
            report_id=uuid.uuid4(),
            text=(
                "Terjadi kerusuhan di blok hunian Lapas Cipinang pada Minggu malam. Seorang warga binaan "
                "tewas dan dua petugas luka-luka. Video kericuhan beredar di media sosial."
            ),
            source=Source.INTERNAL,
            received_at=datetime.now(UTC),
        ),
        recent_incidents_at_unit=1,
    )


async def test_report_received_is_classified_once_even_when_published_twice(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    settings = ClassifierSettings(broker_url=fresh_nats.url, state_dir=tmp_path)
    runtime = Runtime.build(settings)
    register_handlers(runtime, settings, load_policy())
    await runtime.open()
    await runtime.broker.start()
    try:
        event = report_received()
        body = event.model_dump_json().encode()
        # Two raw publishes without a message id: both reach the stream, as a redelivery would.
        await runtime.broker.publish(body, event.subject, stream=STREAM_NAME)
        await runtime.broker.publish(body, event.subject, stream=STREAM_NAME)
        js = runtime.broker.config.connection_state.stream

        async def both_handled() -> bool:
            info = await js.consumer_info(STREAM_NAME, durable_name("classifier", "report-received"))
            done = info.delivered.stream_seq >= 2 and info.num_pending == 0 and info.num_ack_pending == 0
            return bool(done)

        async def outbox_relayed() -> bool:
            async with runtime.sessions() as session:
                pending = await session.scalar(
                    select(func.count()).select_from(OutboxEntry).where(OutboxEntry.published_at.is_(None))
                )
            return pending == 0

        await eventually(both_handled)
        await eventually(outbox_relayed)

        reader = await js.pull_subscribe(CLASSIFIED, stream=STREAM_NAME)
        messages = await reader.fetch(10, timeout=2)
        outputs = [parse_event(m.data) for m in messages]
        mine = [e for e in outputs if e.incident_id == event.incident_id]

        assert len(mine) == 1
        classified = mine[0]
        assert isinstance(classified, IncidentClassified)
        assert classified.event_id == derive_event_id(event.event_id, "classifier", "incident.classified")
        assert classified.causation_id == event.event_id
        assert classified.producer == "classifier"
        assert classified.unit == event.unit
        assert classified.report == event.report
        assert classified.crisis is True
        assert classified.level >= 3
        assert classified.category == Category.UNREST
        assert {"category.unrest", "text.deaths", "modifier.recurrence"} <= {
            r.code for r in classified.reasons
        }
        assert classified.deadlines["holding_statement"] > 0
        assert [r.report_id for r in classified.readings] == [event.report.report_id]
        read = {(f.kind, f.value) for f in classified.readings[0].facts}
        assert {("when", "Minggu malam"), ("casualty", "Seorang warga binaan tewas")} <= read
        assert classified.policy_version == load_policy().version
        async with runtime.sessions() as session:
            applied = await session.scalar(
                select(func.count()).select_from(InboxEntry).where(InboxEntry.consumer == CONSUMER)
            )
        assert applied == 1
    finally:
        await runtime.broker.stop()
        await runtime.close()

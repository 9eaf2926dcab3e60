"""The incident.classified consumer against a real nats-server: drafts out through the outbox, once."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import select

from tanggap_drafter.app import Drafter
from tanggap_drafter.models import DraftRow
from tanggap_drafter.settings import DrafterSettings
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import DraftKind
from tanggap_shared.db import OutboxEntry
from tanggap_shared.events import DraftProposed, IncidentClassified, derive_event_id, parse_event
from tanggap_shared.messaging import STREAM_NAME, durable_name

IncidentFactory = Callable[..., IncidentClassified]


@pytest.fixture
async def drafter(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Drafter]:
    settings = DrafterSettings(broker_url=nats_server.url, state_dir=tmp_path, qdrant_path=":memory:")
    drafter = Drafter.build(settings)
    await drafter.runtime.open()
    await drafter.open_library()
    await drafter.runtime.broker.start()
    yield drafter
    await drafter.runtime.broker.stop()
    await drafter.runtime.close()
    await drafter.store.close()


async def _publish(drafter: Drafter, event: IncidentClassified) -> None:
    await drafter.runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)


async def _settled(drafter: Drafter) -> None:
    """Wait until the consumer has handled everything and the relay has published every outbox row."""
    js = drafter.runtime.broker.config.connection_state.stream
    for _ in range(200):
        info = await js.consumer_info(STREAM_NAME, durable_name("drafter", "incident-classified"))
        async with drafter.runtime.sessions() as session:
            unpublished = await session.scalar(select(OutboxEntry).where(OutboxEntry.published_at.is_(None)))
        if info.num_pending == 0 and info.num_ack_pending == 0 and unpublished is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the drafter did not settle")


async def _in_stream(drafter: Drafter, subject: str, incident_id: uuid.UUID) -> list[bytes]:
    js = drafter.runtime.broker.config.connection_state.stream
    found: list[bytes] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(STREAM_NAME, seq, subject=subject, next=True)
        except NotFoundError:
            return found
        if parse_event(msg.data or b"").incident_id == incident_id:
            found.append(msg.data or b"")
        seq = (msg.seq or seq) + 1


async def _proposed(drafter: Drafter, incident_id: uuid.UUID) -> list[DraftProposed]:
    bodies = await _in_stream(drafter, "tanggap.draft.proposed", incident_id)
    return [DraftProposed.model_validate_json(body) for body in bodies]


async def test_crisis_yields_a_holding_statement_and_a_press_release_once(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    await _publish(drafter, event)
    await _publish(drafter, event)  # a redelivery the broker cannot dedupe (new message id)
    await _settled(drafter)

    assert len(await _in_stream(drafter, event.subject, event.incident_id)) == 2
    proposed = await _proposed(drafter, event.incident_id)
    assert [p.kind for p in proposed] == [DraftKind.HOLDING_STATEMENT, DraftKind.PRESS_RELEASE]
    for p in proposed:
        assert p.causation_id == event.event_id
        assert p.event_id == derive_event_id(event.event_id, "drafter", "draft.proposed", p.kind.value)
        assert p.draft_id == derive_event_id(event.event_id, "drafter", p.kind.value)
        assert p.method == "template"
        assert p.level == event.level
        assert p.unit == event.unit
        assert p.sources
        assert any(f.code == "placeholder" for f in p.findings)
        assert "Lapas Kelas IIA Palopo" in p.text

    async with drafter.runtime.sessions() as session:
        rows = (await session.scalars(select(DraftRow).order_by(DraftRow.kind))).all()
    assert [(r.kind, r.method) for r in rows] == [
        ("holding_statement", "template"),
        ("press_release", "template"),
    ]
    assert {r.id for r in rows} == {str(p.draft_id) for p in proposed}
    assert all(r.sources and r.findings for r in rows)


async def test_no_drafts_for_news_that_is_not_a_crisis(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident(crisis=False, level=1)
    await _publish(drafter, event)
    await _settled(drafter)

    assert await _proposed(drafter, event.incident_id) == []
    async with drafter.runtime.sessions() as session:
        assert (await session.scalars(select(DraftRow))).all() == []

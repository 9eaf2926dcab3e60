"""The subscriber wrapper, the outbox relay and dead-lettering against a real nats-server."""

import asyncio
import contextlib
import uuid
from pathlib import Path

import pytest
from faststream.nats import NatsMessage
from sqlalchemy import func, select

from tanggap_runner.nats import NatsServer
from tanggap_shared.db import OutboxEntry, add_to_outbox, already_applied, create_schema
from tanggap_shared.events import Event, IncidentClosed
from tanggap_shared.messaging import DLQ_STREAM_NAME, dlq_entry, subscribe
from tanggap_shared.runtime import Runtime
from tanggap_shared.settings import ServiceSettings


class _Settings(ServiceSettings):
    service_name = "testsvc"


def _runtime(server: NatsServer, tmp_path: Path) -> Runtime:
    return Runtime.build(_Settings(broker_url=server.url, state_dir=tmp_path))


def _closed(incident_id: uuid.UUID | None = None) -> IncidentClosed:
    return IncidentClosed(
        incident_id=incident_id or uuid.uuid4(), producer="test", closed_by="Kalapas", declaration="selesai"
    )


async def test_outbox_publishes_once_and_consumer_skips_redelivered_event(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    rt = _runtime(fresh_nats, tmp_path)
    seen: list[uuid.UUID] = []
    applied: list[uuid.UUID] = []
    done = asyncio.Event()

    async def handler(event: Event, _msg: NatsMessage) -> None:
        seen.append(event.event_id)
        async with rt.unit_of_work() as session:
            if not await already_applied(session, "t", event.event_id):
                applied.append(event.event_id)
        if len(seen) == 2:
            done.set()

    subscribe(
        rt.broker, service="testsvc", name="closed", subjects=["tanggap.incident.closed"], handler=handler
    )
    await rt.open()
    await rt.broker.start()
    try:
        event = _closed()
        async with rt.unit_of_work() as session:
            add_to_outbox(session, event)
        # A raw re-publish with a new message id stands in for a redelivery the broker cannot dedupe.
        await asyncio.sleep(0.5)
        await rt.broker.publish(event.model_dump_json().encode(), event.subject, stream="TANGGAP")
        await asyncio.wait_for(done.wait(), timeout=10)
        assert seen == [event.event_id, event.event_id]
        assert applied == [event.event_id]
        # Relaying the same row again is dropped by JetStream's de-duplication on Nats-Msg-Id.
        async with rt.unit_of_work() as session:
            row = await session.scalar(select(OutboxEntry))
            assert row is not None
            assert row.published_at is not None
            row.published_at = None
        assert await rt.relay.flush() == 1
        info = await rt.broker.config.connection_state.stream.stream_info("TANGGAP")
        assert info.state.messages == 2
    finally:
        await rt.broker.stop()
        await rt.close()


async def test_poison_message_is_dead_lettered_and_stream_keeps_flowing(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    rt = _runtime(fresh_nats, tmp_path)
    attempts: dict[uuid.UUID, int] = {}
    good = asyncio.Event()
    poison_id = uuid.uuid4()

    async def handler(event: Event, _msg: NatsMessage) -> None:
        attempts[event.incident_id] = attempts.get(event.incident_id, 0) + 1
        if event.incident_id == poison_id:
            raise RuntimeError("cannot apply this one")
        good.set()

    subscribe(
        rt.broker,
        service="testsvc",
        name="poison",
        subjects=["tanggap.incident.closed"],
        handler=handler,
        max_deliveries=2,
    )
    await rt.open()
    await rt.broker.start()
    try:
        await rt.broker.publish(b"{not json", "tanggap.incident.closed", stream="TANGGAP")
        await rt.broker.publish(_closed(poison_id).model_dump_json().encode(), "tanggap.incident.closed")
        await rt.broker.publish(_closed().model_dump_json().encode(), "tanggap.incident.closed")
        await asyncio.wait_for(good.wait(), timeout=10)
        js = rt.broker.config.connection_state.stream
        for _ in range(100):  # the poison one waits one back-off (1 s) before its last attempt
            if (await js.stream_info(DLQ_STREAM_NAME)).state.messages == 2:
                break
            await asyncio.sleep(0.1)
        assert attempts[poison_id] == 2
        first = await js.get_msg(DLQ_STREAM_NAME, 1)
        second = await js.get_msg(DLQ_STREAM_NAME, 2)
        entries = [dlq_entry(dict(m.headers or {}), m.data or b"") for m in (first, second)]
        assert "invalid event" in str(entries[0]["error"])
        assert "cannot apply this one" in str(entries[1]["error"])
    finally:
        await rt.broker.stop()
        await rt.close()


async def test_already_applied_is_per_consumer(tmp_path: Path) -> None:
    rt = Runtime.build(_Settings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path))
    await create_schema(rt.engine)
    event_id = uuid.uuid4()
    async with rt.sessions() as session, session.begin():
        assert await already_applied(session, "a", event_id) is False
    async with rt.sessions() as session, session.begin():
        assert await already_applied(session, "a", event_id) is True
        assert await already_applied(session, "b", event_id) is False
    async with rt.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
    await rt.engine.dispose()


@pytest.mark.parametrize(("attempt", "expected"), [(1, 1.0), (2, 2.0), (3, 4.0), (10, 60.0)])
def test_retry_delay_grows_and_is_capped(attempt: int, expected: float) -> None:
    from tanggap_shared.messaging import retry_delay

    assert retry_delay(attempt) == expected


def test_signed_tokens_round_trip_and_refuse_tampering() -> None:
    from tanggap_shared.tokens import InvalidToken, sign, verify

    token = sign("k", {"n": "abc"}, ttl_seconds=60, now=1000)
    assert verify("k", token, now=1010)["n"] == "abc"
    for bad, when in ((token, 2000), (token + "x", 1010), ("nodot", 1010)):
        with pytest.raises(InvalidToken):
            verify("k", bad, now=when)
    with pytest.raises(InvalidToken):
        verify("other", token, now=1010)


def test_link_secret_is_created_once_and_shared(tmp_path: Path) -> None:
    from tanggap_shared.tokens import link_secret

    first = link_secret(None, tmp_path)
    assert len(first) > 30
    assert link_secret(None, tmp_path) == first
    assert (tmp_path / "link_secret").stat().st_mode & 0o777 == 0o600
    assert link_secret("configured", tmp_path) == "configured"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["tanggap.incident.classified"], ["tanggap.incident.classified", "tanggap.incident.closed"]),
        (["tanggap.incident.classified", "tanggap.incident.closed"], ["tanggap.incident.closed"]),
    ],
)
async def test_a_durable_created_by_an_older_version_gets_the_current_subjects(
    fresh_nats: NatsServer, before: list[str], after: list[str]
) -> None:
    from tanggap_shared.messaging import make_broker, prepare_broker

    async def ignore(_event: Event, _msg: NatsMessage) -> None:
        return None

    old = make_broker(fresh_nats.url)
    subscribe(old, service="svc", name="work", subjects=before, handler=ignore)
    await prepare_broker(old)
    await old.start()
    await old.stop()

    new = make_broker(fresh_nats.url)
    subscribe(new, service="svc", name="work", subjects=after, handler=ignore)
    await prepare_broker(new)
    try:
        info = await new.config.connection_state.stream.consumer_info("TANGGAP", "svc-work")
        config = info.config
        filters = set(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))
        assert filters == set(after)
    finally:
        await new.stop()


async def test_relay_publishes_a_batch_pipelined_in_outbox_order_and_marks_every_row(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    rt = _runtime(fresh_nats, tmp_path)
    await rt.open()
    await rt.relay.stop()  # flushed by hand below, so the batch is one pass
    try:
        events = [_closed() for _ in range(150)]
        async with rt.unit_of_work() as session:
            for event in events:
                add_to_outbox(session, event)
        assert await rt.relay.flush() == 100, "one batch per pass"
        assert await rt.relay.pending() == 50
        assert await rt.relay.flush() == 50
        assert await rt.relay.flush() == 0
        js = rt.broker.config.connection_state.stream
        info = await js.stream_info("TANGGAP")
        assert info.state.messages == 150
        stored = [await js.get_msg("TANGGAP", seq) for seq in range(1, 151)]
        assert [m.headers.get("Nats-Msg-Id") if m.headers else None for m in stored] == [
            str(e.event_id) for e in events
        ], "the stream keeps the outbox's order"
        # Every row is marked; a second relay reading the same rows again is deduplicated by JetStream.
        async with rt.unit_of_work() as session:
            unmarked = await session.scalar(
                select(func.count()).select_from(OutboxEntry).where(OutboxEntry.published_at.is_(None))
            )
            assert unmarked == 0
            for row in (await session.scalars(select(OutboxEntry).limit(10))).all():
                row.published_at = None
        assert await rt.relay.flush() == 10
        assert (await js.stream_info("TANGGAP")).state.messages == 150
    finally:
        await rt.close()


async def test_relay_keeps_rows_pending_while_the_broker_is_down(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    rt = _runtime(fresh_nats, tmp_path)
    await rt.open()
    await rt.relay.stop()
    try:
        fresh_nats.stop()  # the broker is gone: nothing can be acknowledged
        async with rt.unit_of_work() as session:
            add_to_outbox(session, _closed())
        with pytest.raises(TimeoutError):
            await rt.relay.flush()
        assert await rt.relay.pending() == 1
        fresh_nats.start()  # same port, same data: the row goes out on the next pass
        for _ in range(50):
            with contextlib.suppress(TimeoutError):
                if await rt.relay.flush() == 1:
                    break
            await asyncio.sleep(0.2)
        assert await rt.relay.pending() == 0
    finally:
        await rt.broker.stop()
        await rt.engine.dispose()

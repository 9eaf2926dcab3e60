"""The JetStream stream, the broker factory, the subscriber wrapper and the outbox relay.

Delivery is at-least-once. Every subscriber uses AckPolicy.MANUAL and decides itself:
ack on success; nak with a growing delay on an error; after `max_deliveries` attempts, or at once for
a message that is not a valid event, the message goes to the dead-letter stream with its error and is
terminated, so it never blocks the stream.
"""

import asyncio
import contextlib
import json
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from nats.js.api import DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tanggap_shared.db import OutboxEntry
from tanggap_shared.events import SUBJECT_PREFIX, Event, parse_event
from tanggap_shared.metrics import EVENTS_CONSUMED, EVENTS_PUBLISHED, HANDLER_SECONDS

STREAM_NAME = "TANGGAP"
DLQ_STREAM_NAME = "TANGGAP_DLQ"
DLQ_PREFIX = "tanggapdlq"

# Two minutes is JetStream's default; a day lets a relay that was down for hours re-publish safely.
DUPLICATE_WINDOW_SECONDS = 24 * 3600.0

RETENTION_SECONDS = 90 * 24 * 3600.0

# How long the relay waits for a batch's PubAcks (and for a free slot to publish) before it retries.
PUBLISH_TIMEOUT = 5.0


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    """The event stream and the dead-letter stream, as the server should hold them.

    `replicas` > 1 needs a JetStream cluster of at least that many nodes (compose profile "cluster").
    """
    return [
        StreamConfig(
            name=STREAM_NAME,
            subjects=[f"{SUBJECT_PREFIX}.>"],
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=RETENTION_SECONDS,
            storage=StorageType.FILE,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=DLQ_STREAM_NAME,
            subjects=[f"{DLQ_PREFIX}.>"],
            max_age=RETENTION_SECONDS,
            storage=StorageType.FILE,
            num_replicas=replicas,
        ),
    ]


log = structlog.get_logger("tanggap.messaging")

Handler = Callable[[Event, NatsMessage], Awaitable[None]]

# The durable consumers each broker's subscribers use, with their subjects (see _align_consumer_filters).
_SUBSCRIPTIONS: "weakref.WeakKeyDictionary[NatsBroker, list[tuple[str, list[str]]]]" = (
    weakref.WeakKeyDictionary()
)


def make_broker(url: str, *, graceful_timeout: float = 15.0, middlewares: Sequence[Any] = ()) -> NatsBroker:
    """A NATS broker without FastStream's per-message access log (we log our own, with context).

    `url` may list several servers of a cluster, comma-separated; the client fails over between them.
    """
    servers = [part.strip() for part in url.split(",") if part.strip()]
    return NatsBroker(
        servers,
        logger=None,
        graceful_timeout=graceful_timeout,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=2,
        middlewares=tuple(middlewares),
    )


async def prepare_broker(broker: NatsBroker, *, replicas: int = 1) -> None:
    """Connect and create or update both streams; every service calls it before `broker.start()`.

    Streams are declared here rather than by FastStream because its declaration happens once per
    JStream object per process, and the dead-letter stream has no subscriber to declare it.
    """
    await broker.connect()
    js = broker.config.connection_state.stream
    for config in stream_configs(replicas):
        try:
            await js.stream_info(config.name or "")
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
    await _align_consumer_filters(broker)


async def _align_consumer_filters(broker: NatsBroker) -> None:
    """A durable consumer keeps the subjects it was created with: one created by an older version of a
    service would never deliver the event types the service consumes now, so its filter is brought up to
    date before consuming (a consumer not created yet is created by FastStream as registered)."""
    js = broker.config.connection_state.stream
    for durable, subjects in _SUBSCRIPTIONS.get(broker, []):
        try:
            info = await js.consumer_info(STREAM_NAME, durable)
        except NotFoundError:
            continue
        config = info.config
        current = set(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))
        if current == set(subjects):
            continue
        if len(subjects) > 1:
            config.filter_subject, config.filter_subjects = None, list(subjects)
        else:
            config.filter_subject, config.filter_subjects = subjects[0], None
        await js.add_consumer(STREAM_NAME, config)
        log.info("messaging.consumer_filter_updated", consumer=durable, subjects=len(subjects))


def retry_delay(attempt: int) -> float:
    """Back-off before redelivery: 1 s, 2 s, 4 s … capped at 60 s."""
    return float(min(60, 2 ** max(0, attempt - 1)))


def durable_name(service: str, name: str) -> str:
    return f"{service}-{name}".replace(".", "-")


def subscribe(
    broker: NatsBroker,
    *,
    service: str,
    name: str,
    subjects: Iterable[str],
    handler: Handler,
    max_deliveries: int = 5,
    ack_wait: float = 60.0,
    batch: int = 16,
) -> None:
    """Register `handler` as a competing pull consumer (one durable per service and name).

    Every process of a service that registers the same name shares the work. The handler receives the
    validated event; it must be idempotent (see db.already_applied).
    """
    subject_list = list(subjects)
    _SUBSCRIPTIONS.setdefault(broker, []).append((durable_name(service, name), subject_list))

    async def consume(msg: NatsMessage) -> None:
        attempt = _attempt(msg)
        try:
            event = parse_event(msg.body)
        except ValidationError as exc:
            await _dead_letter(broker, service, msg, f"invalid event: {exc.errors(include_url=False)}")
            await msg.reject()
            EVENTS_CONSUMED.labels(service, name, "invalid", "dead_lettered").inc()
            return
        with structlog.contextvars.bound_contextvars(
            event_id=str(event.event_id),
            incident_id=str(event.incident_id),
            event_type=event.type,
            attempt=attempt,
        ):
            started = time.perf_counter()
            try:
                await handler(event, msg)
            except Exception as exc:
                if attempt >= max_deliveries:
                    log.exception("message.dead_lettered", consumer=name)
                    await _dead_letter(broker, service, msg, f"{type(exc).__name__}: {exc}")
                    await msg.reject()
                    outcome = "dead_lettered"
                else:
                    delay = retry_delay(attempt)
                    log.warning("message.retry", consumer=name, error=repr(exc), delay_s=delay)
                    await msg.nack(delay=delay)
                    outcome = "retried"
            else:
                await msg.ack()
                outcome = "handled"
            HANDLER_SECONDS.labels(service, name).observe(time.perf_counter() - started)
            EVENTS_CONSUMED.labels(service, name, event.type, outcome).inc()

    # The server's own limit is a backstop above ours, for a message whose handler kills the process.
    config = ConsumerConfig(
        max_deliver=max_deliveries + 3,
        ack_wait=ack_wait,
        max_ack_pending=max(1000, batch * 4),
        deliver_policy=DeliverPolicy.ALL,
    )
    if len(subject_list) > 1:
        config.filter_subjects = subject_list
        subject = f"{SUBJECT_PREFIX}.>"
    else:
        subject = subject_list[0]
    broker.subscriber(
        subject,
        stream=JStream(STREAM_NAME, declare=False),
        durable=durable_name(service, name),
        pull_sub=PullSub(batch_size=batch, timeout=1.0),
        config=config,
        ack_policy=AckPolicy.MANUAL,
        title=f"{service}:{name}",
    )(consume)


def _attempt(msg: NatsMessage) -> int:
    """The 1-based delivery attempt (FastStream's in-memory TestBroker has no JetStream metadata)."""
    try:
        return int(msg.raw_message.metadata.num_delivered or 1)
    except Exception:
        return 1


async def _dead_letter(broker: NatsBroker, service: str, msg: NatsMessage, error: str) -> None:
    try:
        seq = str(msg.raw_message.metadata.sequence.stream)
    except Exception:
        seq = "unknown"
    headers = {
        "Nats-Msg-Id": f"dlq-{service}-{seq}",
        "Tanggap-Error": error[:2000].replace("\n", " "),
        "Tanggap-Original-Subject": msg.raw_message.subject,
        "Tanggap-Stream-Seq": seq,
        "Tanggap-Consumer": service,
    }
    body = msg.body
    subject = f"{DLQ_PREFIX}.{service}.{msg.raw_message.subject}"
    await broker.publish(body, subject, headers=headers, stream=DLQ_STREAM_NAME, timeout=5.0)


class OutboxRelay:
    """Publishes outbox rows in order, marks them published; wakes up on demand or every `interval`.

    A crash between publish and commit re-publishes the row later with the same Nats-Msg-Id, which
    JetStream drops as a duplicate. Only one relay may run per SQLite database; with PostgreSQL, rows
    are claimed with FOR UPDATE SKIP LOCKED so several processes can relay.
    """

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        broker: NatsBroker,
        *,
        interval: float = 1.0,
        batch: int = 100,
        service: str = "tanggap",
        write_lock: contextlib.AbstractAsyncContextManager[Any] | None = None,
    ) -> None:
        self._write_lock = write_lock or contextlib.nullcontext()
        self._factory = factory
        self._broker = broker
        self._service = service
        self._interval = interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    def wake(self) -> None:
        """Ask the relay to run now (after a commit that added outbox rows)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # One last pass so a clean stop leaves nothing behind that a broker could take now.
        try:
            await self.flush()
        except Exception:  # the rows stay in the outbox for the next start
            log.warning("outbox.final_flush_failed")

    async def _run(self) -> None:
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            try:
                while await self.flush() == self._batch:
                    pass
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: keep the rows, retry
                failures += 1
                log.warning("outbox.publish_failed", error=repr(exc), failures=failures)
                await asyncio.sleep(min(10.0, 0.5 * failures))

    async def pending(self) -> int:
        """Rows waiting to be published (a metric: a growing number means the broker is unreachable)."""
        async with self._factory() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxEntry).where(OutboxEntry.published_at.is_(None))
            )
        return int(count or 0)

    async def flush(self) -> int:
        """Publish up to one batch of pending rows; returns how many were published.

        Three short steps, none holding a transaction across the network: read the batch; publish it
        pipelined (every message sent, then one wait for all PubAcks); mark what was acknowledged in one
        UPDATE. A row read by two relays at once (replicas sharing a database) is published twice and
        JetStream drops the second copy by its Nats-Msg-Id, as after a crash.
        """
        async with self._factory() as session:
            rows = (
                await session.execute(
                    select(OutboxEntry.seq, OutboxEntry.event_id, OutboxEntry.subject, OutboxEntry.payload)
                    .where(OutboxEntry.published_at.is_(None))
                    .order_by(OutboxEntry.seq)
                    .limit(self._batch)
                )
            ).all()
        if not rows:
            return 0
        acked, error = await self._publish_pipelined(rows)
        if acked:
            await self._mark_published([row.seq for row in rows[:acked]])
            for row in rows[:acked]:
                EVENTS_PUBLISHED.labels(self._service, row.subject).inc()
            self.published += acked
        if error is not None:
            raise error
        return acked

    async def _publish_pipelined(self, rows: Sequence[Any]) -> tuple[int, BaseException | None]:
        """Send every row, then wait once for the PubAcks; returns how many rows, in order, were acknowledged
        (the rest stay pending, so the stream keeps the outbox's order) and the first error, if any."""
        js = self._broker.config.connection_state.stream
        futures: list[asyncio.Future[Any]] = []
        error: BaseException | None = None
        try:
            for row in rows:
                headers = {"Nats-Msg-Id": row.event_id, "content-type": "application/json"}
                # The relay publishes outside the span that staged the event: the event's own trace context
                # goes into the headers, so the consumer's span continues that trace.
                headers.update(_trace_of(row.payload))
                futures.append(
                    await js.publish_async(
                        row.subject,
                        row.payload.encode(),
                        wait_stall=PUBLISH_TIMEOUT,
                        stream=STREAM_NAME,
                        headers=headers,
                    )
                )
        except Exception as exc:  # not connected, or too many acknowledgements outstanding
            error = exc
        if futures:
            _, late = await asyncio.wait(futures, timeout=PUBLISH_TIMEOUT)
            for future in late:
                future.cancel()  # frees the client's slot; the row is published again on the next pass
        acked = 0
        for future in futures:
            failure = _failure(future)
            if failure is not None:
                error = error or failure
                break
            acked += 1
        return acked, error

    async def _mark_published(self, seqs: list[int]) -> None:
        async with self._write_lock, self._factory() as session, session.begin():
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.seq.in_(seqs), OutboxEntry.published_at.is_(None))
                .values(published_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )


def _failure(future: "asyncio.Future[Any]") -> BaseException | None:
    """Why a publish was not acknowledged (None when it was)."""
    if not future.done() or future.cancelled():
        return TimeoutError("no PubAck in time")
    return future.exception()


def _trace_of(payload: str) -> dict[str, str]:
    """The trace context an outbox row was created in; parsing is skipped when tracing never touched it."""
    if '"traceparent"' not in payload:
        return {}
    carrier = json.loads(payload).get("trace_context") or {}
    return {str(k): str(v) for k, v in carrier.items()}


def dlq_entry(headers: dict[str, str], body: bytes) -> dict[str, object]:
    """A readable view of a dead-lettered message (for operators and tests)."""
    try:
        content: object = json.loads(body)
    except ValueError:
        content = body.decode(errors="replace")
    return {
        "error": headers.get("Tanggap-Error", ""),
        "subject": headers.get("Tanggap-Original-Subject", ""),
        "stream_seq": headers.get("Tanggap-Stream-Seq", ""),
        "consumer": headers.get("Tanggap-Consumer", ""),
        "body": content,
    }

"""What every service process holds: settings, database, broker, outbox relay, and how it is served."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
import uvicorn
from faststream.asgi import AsgiFastStream, AsgiResponse, get, make_ping_asgi
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.specification import AsyncAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tanggap_shared.db import create_schema, make_engine, make_session_factory
from tanggap_shared.edge import EdgeLimits, edge_protocol
from tanggap_shared.logging import configure_logging
from tanggap_shared.messaging import DLQ_STREAM_NAME, OutboxRelay, make_broker, prepare_broker
from tanggap_shared.metrics import DEAD_LETTER_DEPTH, OUTBOX_PENDING, render
from tanggap_shared.settings import ServiceSettings
from tanggap_shared.tracing import make_tracer_provider, tracing_enabled

log = structlog.get_logger("tanggap.runtime")

Hook = Callable[[], Awaitable[None]]
SchemaStep = Callable[[AsyncEngine], Awaitable[None]]


@dataclass
class Runtime:
    """The process-wide resources of one service, built without I/O and opened in the lifespan."""

    settings: ServiceSettings
    broker: NatsBroker
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    relay: OutboxRelay
    write_lock: AbstractAsyncContextManager[Any]
    tracer: TracerProvider | None = None
    _opened: bool = field(default=False, init=False)

    @classmethod
    def build(cls, settings: ServiceSettings, *, span_exporter: SpanExporter | None = None) -> "Runtime":
        tracer: TracerProvider | None = None
        middlewares: list[Any] = []
        if span_exporter is not None or tracing_enabled(settings.tracing):
            tracer = make_tracer_provider(settings.service_name, span_exporter)
            middlewares.append(NatsTelemetryMiddleware(tracer_provider=tracer))
        broker = make_broker(settings.broker_url, middlewares=middlewares)
        engine = make_engine(settings.resolved_database_url())
        sessions = make_session_factory(engine)
        write_lock = single_writer(engine)
        relay = OutboxRelay(sessions, broker, service=settings.service_name, write_lock=write_lock)
        return cls(settings, broker, engine, sessions, relay, write_lock, tracer)

    async def open(self, schema: SchemaStep = create_schema) -> None:
        """Prepare the schema, connect the broker, declare the streams, start the relay.

        `schema` creates the tables; a service with migrations passes its migration step instead.
        """
        self.settings.ensure_state_dir()
        await schema(self.engine)
        await prepare_broker(self.broker, replicas=self.settings.stream_replicas)
        self.relay.start()
        self._opened = True
        log.info("service.opened", database=self.engine.url.render_as_string(hide_password=True))

    async def refresh_gauges(self) -> None:
        """Outbox backlog and dead-letter depth, read when /metrics is scraped."""
        service = self.settings.service_name
        try:
            OUTBOX_PENDING.labels(service).set(await self.relay.pending())
            info = await self.broker.config.connection_state.stream.stream_info(DLQ_STREAM_NAME)
            DEAD_LETTER_DEPTH.labels(service).set(info.state.messages)
        except Exception as exc:  # a scrape must answer even while the broker or database is down
            log.warning("metrics.gauges_unavailable", error=repr(exc))

    async def metrics_response(self) -> tuple[bytes, str]:
        await self.refresh_gauges()
        return render()

    async def stop_relay(self) -> None:
        """Stop the relay after a last flush; the broker must still be connected."""
        if self._opened:
            await self.relay.stop()
        self._opened = False

    async def dispose(self) -> None:
        """Close database connections; call after the broker stopped, when no handler runs any more."""
        await self.engine.dispose()
        if self.tracer is not None:
            self.tracer.shutdown()  # flushes spans still batched

    async def close(self) -> None:
        await self.stop_relay()
        await self.dispose()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction; events staged in the outbox are published right after it commits."""
        async with self.write_lock, self.sessions() as session, session.begin():
            yield session
        self.relay.wake()


def single_writer(engine: AsyncEngine) -> AbstractAsyncContextManager[Any]:
    """SQLite takes one writer at a time, and a writer that finds the file locked sleeps in SQLite's busy
    handler (up to 100 ms a try): measured, 16 concurrent handlers spent most of their time asleep. Queuing
    the process's write transactions on an asyncio lock removes that wait; other databases need no lock."""
    return asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()


def configure(settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, level=settings.log_level, json=settings.log_json)


def worker_app(
    runtime: Runtime,
    *,
    title: str,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> AsgiFastStream:
    """An ASGI app for a pure worker: the broker's subscribers plus GET /healthz (204 while connected)."""
    return AsgiFastStream(
        runtime.broker,
        asgi_routes=[
            ("/healthz", make_ping_asgi(runtime.broker, timeout=2.0)),
            ("/metrics", _metrics_route(runtime)),
        ],
        logger=None,
        on_startup=[runtime.open, *on_startup],
        on_shutdown=[*on_shutdown, runtime.stop_relay],
        after_shutdown=[runtime.dispose],
        specification=AsyncAPI(title=title, version="0.1.0"),
    )


def _metrics_route(runtime: Runtime) -> Any:
    @get(include_in_schema=False)
    async def metrics(_scope: Any) -> AsgiResponse:
        body, content_type = await runtime.metrics_response()
        return AsgiResponse(body, 200, headers={"content-type": content_type})

    return metrics


def serve(app: object, settings: ServiceSettings) -> None:
    """Run an ASGI app with uvicorn on the service's host and port, our logging untouched, with deadlines for
    a request's headers and body (tanggap_shared.edge)."""
    limits = EdgeLimits(
        header_seconds=settings.http_header_timeout_seconds, body_seconds=settings.http_body_timeout_seconds
    )
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.http_host,
        port=settings.http_port,
        http=edge_protocol(limits),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 (anyone on the machine); a service that needs
        # the caller's address decides itself whom to believe (the intake's TANGGAP_TRUSTED_PROXIES).
        proxy_headers=False,
    )

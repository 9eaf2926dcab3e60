"""A worker's /metrics over real HTTP: events consumed and published, handler latency, DLQ depth."""

import asyncio
import contextlib
import uuid
from pathlib import Path

import httpx
import uvicorn
from faststream.nats import NatsMessage

from tanggap_runner.nats import NatsServer, free_port
from tanggap_shared.db import add_to_outbox
from tanggap_shared.events import Event, IncidentClosed
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime, worker_app
from tanggap_shared.settings import ServiceSettings


class _Settings(ServiceSettings):
    service_name = "metricsvc"


async def test_worker_serves_prometheus_metrics(fresh_nats: NatsServer, tmp_path: Path) -> None:
    settings = _Settings(broker_url=fresh_nats.url, state_dir=tmp_path, http_port=free_port())
    runtime = Runtime.build(settings)
    handled = asyncio.Event()

    async def handler(_event: Event, _msg: NatsMessage) -> None:
        handled.set()

    subscribe(
        runtime.broker,
        service="metricsvc",
        name="closed",
        subjects=["tanggap.incident.closed"],
        handler=handler,
    )
    app = worker_app(runtime, title="metricsvc")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.http_port, log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        async with runtime.unit_of_work() as session:
            add_to_outbox(
                session,
                IncidentClosed(
                    incident_id=uuid.uuid4(), producer="t", closed_by="Kalapas", declaration="selesai"
                ),
            )
        await asyncio.wait_for(handled.wait(), timeout=10)
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as client:
            assert (await client.get("/healthz")).status_code == 204
            metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        text = metrics.text
        assert (
            'tanggap_events_consumed_total{consumer="closed",outcome="handled",service="metricsvc",'
            'type="incident.closed"} 1.0' in text
        )
        assert (
            'tanggap_events_published_total{service="metricsvc",subject="tanggap.incident.closed"} 1.0'
            in text
        )
        assert 'tanggap_handler_seconds_count{consumer="closed",service="metricsvc"} 1.0' in text
        assert 'tanggap_outbox_pending{service="metricsvc"} 0.0' in text
        assert 'tanggap_dead_letter_depth{service="metricsvc"} 0.0' in text
    finally:
        server.should_exit = True
        await task


async def test_database_round_trips_are_counted_per_database(tmp_path: Path) -> None:
    from prometheus_client import REGISTRY
    from sqlalchemy import text

    from tanggap_shared.db import make_engine

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'countsvc.db'}")

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"database": "countsvc", **labels}) or 0.0

    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        statements = sample("tanggap_db_statements_total")
        commits = sample("tanggap_db_transactions_total", end="commit")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        with contextlib.suppress(RuntimeError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (3)"))
                raise RuntimeError("rolled back")
        assert sample("tanggap_db_statements_total") - statements == 3
        assert sample("tanggap_db_transactions_total", end="commit") - commits == 1
        assert sample("tanggap_db_transactions_total", end="rollback") >= 1
    finally:
        await engine.dispose()

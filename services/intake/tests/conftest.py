"""A running intake (uvicorn on a free port, real HTTP) wired to a real nats-server, on SQLite and, when
TANGGAP_TEST_POSTGRES_URL is set, on PostgreSQL too (a throwaway database per test session)."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from tanggap_intake import readmodel
from tanggap_intake.app import create_app
from tanggap_intake.migrate import intake_tables
from tanggap_intake.settings import IntakeSettings
from tanggap_runner.nats import NatsServer, free_port
from tanggap_shared.contracts import Role, Tier
from tanggap_shared.events import Event, EventBase, NotificationSent, Recipient, parse_event, subject_for
from tanggap_shared.runtime import Runtime

IntakeFactory = Callable[..., Any]

POSTGRES_URL = os.environ.get("TANGGAP_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
# Kept between tests of one session: loaded at every start anyway.
REFERENCE_TABLES = {"regions", "units", "unit_aliases"}


@asynccontextmanager
async def serving(app: Any, port: int, *, lifespan: str = "on") -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1:`port` over real HTTP until the block ends; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan=lifespan)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def running_intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with serving(app, settings.http_port) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


def intake_settings(server: NatsServer, state_dir: Path, **overrides: Any) -> IntakeSettings:
    return IntakeSettings(broker_url=server.url, state_dir=state_dir, http_port=free_port(), **overrides)


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _run_apart(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion on a loop of its own (a test's loop may already be running here)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("TANGGAP_TEST_POSTGRES_URL is not set")
    name = f"tanggap_test_{uuid.uuid4().hex[:12]}"
    _run_apart(_admin(POSTGRES_URL, f"CREATE DATABASE {name}"))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _run_apart(_admin(POSTGRES_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def empty_postgres(url: str) -> None:
    """Every test starts from empty intake tables (reference data stays, migrations stay applied)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            present = set(
                (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
                .scalars()
                .all()
            )
            tables = sorted((intake_tables() - REFERENCE_TABLES) & present)
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None: the default SQLite file in the state folder; else a PostgreSQL URL, emptied for this test."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_database")
    await empty_postgres(url)
    return url


@pytest.fixture
async def intake(
    nats_server: NatsServer, tmp_path: Path, database_url: str | None
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_intake(intake_settings(nats_server, tmp_path, database_url=database_url)) as client:
        yield client


# ---- helpers shared by the test files -------------------------------------------------------------


def runtime_of(client: httpx.AsyncClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


async def apply(client: httpx.AsyncClient, *events: EventBase) -> None:
    """Put events into the read model the way the consumer does (same function, one transaction each)."""
    for event in events:
        async with runtime_of(client).unit_of_work() as session:
            await readmodel.apply_event(session, event)  # type: ignore[arg-type]


async def published(
    client: httpx.AsyncClient, event_type: str, incident_id: str, *, expect: int = 1
) -> list[Event]:
    """Every event of a type about an incident on the stream (waits until at least `expect` are there)."""
    js = runtime_of(client).broker.config.connection_state.stream
    found: list[Event] = []
    for _ in range(60):
        sub = await js.pull_subscribe(
            subject_for(event_type),
            stream="TANGGAP",
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=5.0),
        )
        found = []
        while True:
            try:
                batch = await sub.fetch(256, timeout=0.3)
            except TimeoutError:
                break
            for msg in batch:
                event = parse_event(msg.data)
                if str(event.incident_id) == incident_id:
                    found.append(event)
        await sub.unsubscribe()
        if len(found) >= expect:
            return found
        await asyncio.sleep(0.1)
    return found


async def incident(client: httpx.AsyncClient, incident_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def report(client: httpx.AsyncClient, unit_code: str, text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/v1/reports", json={"unit_code": unit_code, "text": text, **extra})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def serve_asgi(app: Any) -> Any:
    """Serve a stand-in (a platform's API, a news site) on a free port; yields its base URL."""
    return serving(app, free_port(), lifespan="off")


def notification_sent(incident_id: str, name: str, role: Role = Role.KETUA) -> NotificationSent:
    return NotificationSent(
        incident_id=uuid.UUID(incident_id),
        producer="notifier",
        notification_id=uuid.uuid4(),
        recipient=Recipient(person_id=f"p-{name}", name=name, role=role, tier=Tier.UPT),
        channel="tanggap-file",
        trigger_event_id=uuid.uuid4(),
        trigger_type="incident.classified",
    )

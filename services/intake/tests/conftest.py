"""A running intake (uvicorn on a free port, real HTTP) wired to a real nats-server, on SQLite and, when
TANGGAP_TEST_POSTGRES_URL is set, on PostgreSQL too (a throwaway database per test session)."""

import asyncio
import os
import re
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

from tanggap_intake import edit_checks, readmodel
from tanggap_intake.access import UserRole
from tanggap_intake.accounts import NewUser, create_user
from tanggap_intake.app import create_app
from tanggap_intake.migrate import intake_tables
from tanggap_intake.models import Draft
from tanggap_intake.settings import IntakeSettings
from tanggap_runner.nats import NatsServer, free_port
from tanggap_shared.contracts import Category, DraftKind, Role, Tier
from tanggap_shared.events import (
    CrisisTeamFormed,
    DraftChecked,
    DraftProposed,
    Event,
    EventBase,
    Finding,
    IncidentClassified,
    LibraryRef,
    NotificationSent,
    Reason,
    Recipient,
    ReportSnapshot,
    TeamMember,
    UnitRef,
    parse_event,
    subject_for,
    utcnow,
)
from tanggap_shared.runtime import Runtime

IntakeFactory = Callable[..., Any]

POSTGRES_URL = os.environ.get("TANGGAP_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
# Kept between tests of one session: loaded at every start anyway.
REFERENCE_TABLES = {"regions", "units", "unit_aliases"}


@asynccontextmanager
async def serving(app: Any, port: int, *, lifespan: str = "on") -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1:`port` over real HTTP until the block ends; yields its base URL."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan=lifespan,
        proxy_headers=False,  # as in production (tanggap_shared.runtime.serve)
    )
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


ADMIN_PASSWORD = "admin-untuk-uji-1"
PASSWORD = "kata-sandi-uji-1"


def intake_settings(server: NatsServer, state_dir: Path, **overrides: Any) -> IntakeSettings:
    overrides.setdefault("admin_password", ADMIN_PASSWORD)
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


async def drafter_checked(
    client: httpx.AsyncClient, draft_id: str, findings: list[Finding] | None = None
) -> None:
    """The drafter's check of a draft's latest edit, applied as the intake's consumer applies it (issue 13:
    an edited text is approved only once checked); by default it finds nothing."""
    async with runtime_of(client).sessions() as session:
        draft = await session.get(Draft, draft_id)
    assert draft is not None
    assert draft.edit_revision, "no edit of this draft waits for a check"
    event = DraftChecked(
        incident_id=uuid.UUID(draft.incident_id),
        producer="drafter",
        draft_id=uuid.UUID(draft_id),
        revision=draft.edit_revision,
        text_sha256=draft.edit_sha256,
        findings=findings or [],
        checked_at=utcnow(),
        checks_version="test",
    )
    async with runtime_of(client).unit_of_work() as session:
        await edit_checks.apply_checked(session, event)


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


# ---- people and the console -----------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')


async def add_user(
    client: httpx.AsyncClient,
    username: str,
    role: UserRole,
    *,
    unit: str | None = None,
    region: str | None = None,
    name: str | None = None,
) -> None:
    async with runtime_of(client).unit_of_work() as session:
        await create_user(
            session,
            NewUser(
                username=username,
                name=name or username.title(),
                role=role,
                password=PASSWORD,
                unit_code=unit,
                region_code=region,
            ),
        )


class Console:
    """A browser-like client: its own cookie jar, logged in, with the session's CSRF token."""

    def __init__(self, client: httpx.AsyncClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await client.get("/login")
    token = _LOGIN_CSRF.search(form.text)
    assert token, form.text[:500]
    return await client.post(
        "/login", data={"username": username, "password": password, "login_csrf": token.group(1)}
    )


@asynccontextmanager
async def console(
    intake: httpx.AsyncClient, username: str = "admin", password: str | None = None
) -> AsyncIterator[Console]:
    password = password or (ADMIN_PASSWORD if username == "admin" else PASSWORD)
    async with httpx.AsyncClient(base_url=str(intake.base_url), timeout=10) as client:
        answer = await log_in(client, username, password)
        assert answer.status_code == 303, answer.text[:500]
        page = await client.get("/account")
        token = _CSRF.search(page.text)
        assert token, page.text[:500]
        yield Console(client, token.group(1))


# ---- events of the other services, for building a complete incident ------------------------------


def unit_ref(code: str = "DKI-LAPAS-CIPINANG") -> UnitRef:
    region = code.split("-", 1)[0]
    return UnitRef(code=code, name=code, type="Lapas", region=region)


def classified_event(incident_id: str, level: int, *, code: str = "DKI-LAPAS-CIPINANG") -> IncidentClassified:
    return IncidentClassified(
        incident_id=uuid.UUID(incident_id),
        producer="classifier",
        unit=unit_ref(code),
        report=ReportSnapshot(report_id=uuid.uuid4(), text="x", received_at=utcnow()),
        crisis=True,
        level=level,
        category=Category.UNREST,
        reasons=[Reason(code="r1", text="Kerusuhan di dalam UPT", level=level, triggers=["ricuh"])],
        deadlines={"holding_statement": 60, "press_release": 180},
        policy_version="test-1",
    )


def draft_event(
    incident_id: str,
    kind: DraftKind = DraftKind.HOLDING_STATEMENT,
    text: str = "UPT menyampaikan keprihatinan atas kejadian ini. [waktu kejadian]",
    *,
    code: str = "DKI-LAPAS-CIPINANG",
    findings: list[Finding] | None = None,
) -> DraftProposed:
    return DraftProposed(
        incident_id=uuid.UUID(incident_id),
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=kind,
        level=3,
        unit=unit_ref(code),
        text=text,
        method="template",
        sources=[LibraryRef(id="lib-1", title="Pernyataan awal kerusuhan", score=0.8)],
        findings=findings or [],
    )


def team_event(incident_id: str, level: int = 3) -> CrisisTeamFormed:
    return CrisisTeamFormed(
        incident_id=uuid.UUID(incident_id),
        producer="notifier",
        level=level,
        members=[
            TeamMember(
                recipient=Recipient(person_id="k1", name="Kalapas Uji", role=Role.KETUA, tier=Tier.UPT)
            ),
            TeamMember(
                recipient=Recipient(
                    person_id="s1", name="Kadivpas Uji", role=Role.SUPERVISOR, tier=Tier.REGION
                )
            ),
        ],
        gaps=["juru_bicara: belum ada di direktori"],
    )

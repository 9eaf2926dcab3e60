"""A running intake (uvicorn on a free port, real HTTP) wired to a real nats-server."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tanggap_intake.app import create_app
from tanggap_intake.settings import IntakeSettings
from tanggap_runner.nats import NatsServer, free_port

IntakeFactory = Callable[..., Any]


@asynccontextmanager
async def running_intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.http_port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}", timeout=10) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        server.should_exit = True
        await task


def intake_settings(server: NatsServer, state_dir: Path, **overrides: Any) -> IntakeSettings:
    return IntakeSettings(broker_url=server.url, state_dir=state_dir, http_port=free_port(), **overrides)


@pytest.fixture
async def intake(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_intake(intake_settings(nats_server, tmp_path)) as client:
        yield client

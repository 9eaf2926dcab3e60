"""Fixtures shared by every test folder: a real nats-server on a free port."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tanggap_runner.nats import NatsServer, free_port


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """One JetStream server for the whole session; tests isolate themselves by stream state they create."""
    server = NatsServer(port=free_port(), monitor_port=free_port(), store_dir=tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of its own for a test that needs an empty stream or kills the server."""
    server = NatsServer(port=free_port(), monitor_port=free_port(), store_dir=tmp_path / "nats")
    server.start()
    yield server
    server.stop()

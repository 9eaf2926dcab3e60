"""Real receivers for the notifier's tests: a webhook, an SMTP server, a Telegram Bot API stand-in."""

import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from apprise.plugins.telegram import NotifyTelegram

from tanggap_notifier.app import build_handler, seed_directory
from tanggap_notifier.handlers import RoutingHandler, register
from tanggap_notifier.settings import NotifierSettings
from tanggap_runner.nats import NatsServer
from tanggap_shared.runtime import Runtime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HttpReceiver:
    """A loopback HTTP server that records JSON posts and answers with scripted status codes."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    # Status codes to answer, in order; once used up, 200.
    script: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"


def _serve(receiver: HttpReceiver, respond: Any) -> Iterator[HttpReceiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                payload: Any = json.loads(raw)
            except ValueError:
                payload = raw.decode(errors="replace")
            receiver.received.append({"path": self.path, "payload": payload})
            status = receiver.script.pop(0) if receiver.script else 200
            body = json.dumps(respond(self.path, payload, status)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook() -> Iterator[HttpReceiver]:
    """Receives Apprise's json:// posts."""
    yield from _serve(HttpReceiver(port=0), lambda _path, _payload, status: {"ok": status == 200})


@pytest.fixture
def telegram() -> Iterator[HttpReceiver]:
    """Speaks enough of the Bot API: /bot<token>/sendMessage answers {"ok": true, "result": {...}}."""

    def respond(path: str, payload: Any, status: int) -> dict[str, Any]:
        if status != 200:
            return {"ok": False, "error_code": status, "description": "Bad Request: chat not found"}
        chat = payload.get("chat_id") if isinstance(payload, dict) else None
        return {"ok": True, "result": {"message_id": 1, "chat": {"id": chat}, "text": "…"}}

    original = NotifyTelegram.notify_url
    yield from _serve(HttpReceiver(port=0), respond)
    NotifyTelegram.notify_url = original


@dataclass
class Mailbox:
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "content": envelope.content.decode()}
        )
        return "250 OK"

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=tanggap@example.go.id&to={to}&mode=insecure"


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    """A local SMTP server (plain, no TLS) that keeps every message."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


TEAM: dict[str, Any] = {
    "people": [
        {"id": "pusat", "name": "Contoh: Pusat", "role": "pusat", "tier": "centre"},
        {
            "id": "sup",
            "name": "Contoh: Supervisor DKI",
            "role": "supervisor",
            "tier": "region",
            "region": "DKI",
        },
        {
            "id": "ketua",
            "name": "Contoh: Ketua Cipinang",
            "role": "ketua",
            "tier": "upt",
            "unit": "DKI-LAPAS-CIPINANG",
            "deputies": ["wakil"],
        },
        {
            "id": "humas",
            "name": "Contoh: Humas Cipinang",
            "role": "koordinator_humas",
            "tier": "upt",
            "unit": "DKI-LAPAS-CIPINANG",
        },
        {
            "id": "wakil",
            "name": "Contoh: Wakil Ketua Cipinang",
            "role": "juru_bicara",
            "tier": "upt",
            "unit": "DKI-LAPAS-CIPINANG",
        },
    ]
}


@pytest.fixture
def team_file(tmp_path: Path) -> Path:
    """A small directory: the Cipinang team (the Ketua has a deputy), the DKI supervisor, Ditjenpas."""
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(TEAM))
    return path


@dataclass
class Service:
    runtime: Runtime
    handler: RoutingHandler
    settings: NotifierSettings

    @property
    def sink(self) -> Path:
        return self.settings.sink_path()

    def sink_lines(self) -> list[dict[str, str]]:
        if not self.sink.exists():
            return []
        return [json.loads(line) for line in self.sink.read_text(encoding="utf-8").splitlines()]


def notifier_settings(nats: NatsServer, tmp_path: Path, **overrides: Any) -> NotifierSettings:
    fields: dict[str, Any] = {
        "broker_url": nats.url,
        "state_dir": tmp_path / "state",
        "public_url": "http://konsol.test",
        "retry_backoff_seconds": 0.01,
        "link_secret": "test-secret",
    }
    return NotifierSettings(**(fields | overrides))


@pytest.fixture
async def service_factory(fresh_nats: NatsServer, tmp_path: Path) -> AsyncIterator[Any]:
    """Builds a notifier on its own broker; the loops (resume, timers) are not started: tests drive them."""
    started: list[Service] = []

    async def make(**overrides: Any) -> Service:
        settings = notifier_settings(fresh_nats, tmp_path, **overrides)
        runtime = Runtime.build(settings)
        handler = build_handler(runtime, settings)
        register(runtime, handler)
        await runtime.open()
        await seed_directory(runtime, settings)
        await runtime.broker.start()
        service = Service(runtime, handler, settings)
        started.append(service)
        return service

    yield make
    for svc in started:
        await svc.runtime.broker.stop()
        await svc.runtime.close()


@pytest.fixture
async def service(service_factory: Any) -> Service:
    svc: Service = await service_factory()
    return svc

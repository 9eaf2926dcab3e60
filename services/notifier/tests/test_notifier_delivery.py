"""Delivery through Apprise: the file sink, a real JSON webhook, failover between channels, crash resume."""

import asyncio
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from tanggap_notifier.directory import Directory, parse_directory
from tanggap_notifier.dispatch import Dispatcher
from tanggap_notifier.models import Delivery
from tanggap_notifier.sender import Sender, sink_url
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.db import OutboxEntry, create_schema
from tanggap_shared.events import NotificationFailed, NotificationSent, derive_event_id, parse_event
from tanggap_shared.runtime import Runtime


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, object]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append({"path": self.path, "payload": json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[int, list[dict[str, object]]]]:
    """A real HTTP receiver on a free loopback port; yields (port, bodies received)."""
    received: list[dict[str, object]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sender(tmp_path: Path, default_urls: list[str] | None = None) -> Sender:
    return Sender(default_urls=default_urls or ["tanggapfile://"], sink_path=tmp_path / "n.jsonl", timeout=5)


def _lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_file_sink_appends_one_json_line_per_notification(tmp_path: Path) -> None:
    sender = _sender(tmp_path)
    first = await sender.send(recipient="a", channels=[], title="Judul 1", body="Isi 1")
    second = await sender.send(recipient="b", channels=[], title="Judul 2", body="Isi 2 — é")
    assert first.sent
    assert second.sent
    assert first.channel == "tanggapfile://"
    lines = _lines(tmp_path / "n.jsonl")
    assert [(x["recipient"], x["title"], x["body"]) for x in lines] == [
        ("a", "Judul 1", "Isi 1"),
        ("b", "Judul 2", "Isi 2 — é"),
    ]
    assert all(x["at"] for x in lines)


async def test_sink_url_with_its_own_path(tmp_path: Path) -> None:
    target = tmp_path / "dir with space" / "other.jsonl"
    outcome = await _sender(tmp_path).send(
        recipient="c", channels=[f"tanggapfile://{target}"], title="T", body="B"
    )
    assert outcome.sent
    assert _lines(target)[0]["recipient"] == "c"
    assert not (tmp_path / "n.jsonl").exists()


def test_sink_url_fills_the_default_path_and_the_recipient(tmp_path: Path) -> None:
    url = sink_url("tanggapfile://?recipient=x", recipient="p-1", default_path=tmp_path / "n.jsonl")
    assert url == f"tanggapfile://{tmp_path}/n.jsonl?recipient=p-1"


async def test_json_webhook_receives_the_message(
    tmp_path: Path, webhook: tuple[int, list[dict[str, object]]]
) -> None:
    port, received = webhook
    outcome = await _sender(tmp_path).send(
        recipient="k", channels=[f"json://127.0.0.1:{port}/hook"], title="Krisis Level 3", body="Isi pesan"
    )
    assert outcome.sent
    assert outcome.channel.startswith("json://127.0.0.1")
    assert len(received) == 1
    assert received[0]["path"] == "/hook"
    payload = received[0]["payload"]
    assert isinstance(payload, dict)
    assert payload["title"] == "Krisis Level 3"
    assert payload["message"] == "Isi pesan"
    assert not (tmp_path / "n.jsonl").exists()


async def test_every_channel_failing_reports_each_error(tmp_path: Path) -> None:
    outcome = await _sender(tmp_path).send(
        recipient="k",
        channels=[f"json://127.0.0.1:{_closed_port()}/hook", "nosuchservice://x"],
        title="T",
        body="B",
    )
    assert not outcome.sent
    assert "json://" in outcome.error
    assert "nosuchservice://…: not a valid Apprise URL" in outcome.error


def test_invalid_urls_are_masked(tmp_path: Path) -> None:
    bad = _sender(tmp_path).invalid_urls(
        ["tgram://123:secret/456", "nosuchservice://secret-token", "json://h/x"]
    )
    assert bad == ["nosuchservice://…"]


# --- the dispatcher against the notifier's own database -------------------------------------------------


def _directory(channels: list[str]) -> Directory:
    return parse_directory(
        {
            "people": [
                {
                    "id": "pusat",
                    "name": "Contoh: Pusat",
                    "role": "pusat",
                    "tier": "centre",
                    "channels": channels,
                }
            ]
        },
        source="test",
    )


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # No broker: the dispatcher only needs the database; the outbox rows wait for a relay.
    rt = Runtime.build(NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path))
    await create_schema(rt.engine)
    yield rt
    await rt.engine.dispose()


async def _pending(rt: Runtime, *, trigger: uuid.UUID) -> str:
    row_id = str(derive_event_id(trigger, "notifier", "pusat"))
    async with rt.unit_of_work() as session:
        session.add(
            Delivery(
                id=row_id,
                trigger_event_id=str(trigger),
                trigger_type="incident.classified",
                incident_id=str(uuid.uuid4()),
                person_id="pusat",
                name="Contoh: Pusat",
                role="pusat",
                tier="centre",
                title="Judul",
                body="Isi",
            )
        )
    return row_id


async def _row(rt: Runtime, row_id: str) -> Delivery:
    async with rt.sessions() as session:
        row = await session.get(Delivery, row_id)
    assert row is not None
    return row


async def _outbox(rt: Runtime) -> list[NotificationSent | NotificationFailed]:
    async with rt.sessions() as session:
        rows = (await session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))).all()
    events = [parse_event(r.payload) for r in rows]
    assert all(isinstance(e, NotificationSent | NotificationFailed) for e in events)
    return events  # type: ignore[return-value]


async def test_failing_first_channel_falls_over_to_the_second_and_is_recorded(
    runtime: Runtime, tmp_path: Path, webhook: tuple[int, list[dict[str, object]]]
) -> None:
    port, received = webhook
    channels = [f"json://127.0.0.1:{_closed_port()}/hook", f"json://127.0.0.1:{port}/second"]
    dispatcher = Dispatcher(
        runtime, directory=_directory(channels), sender=_sender(tmp_path), lease_seconds=60
    )
    row_id = await _pending(runtime, trigger=uuid.uuid4())

    assert await dispatcher.deliver_pending() == 1

    assert [r["path"] for r in received] == ["/second"]
    row = await _row(runtime, row_id)
    assert row.status == "sent"
    assert row.channel.startswith(f"json://127.0.0.1:{port}/second")
    assert row.attempts == 1
    assert row.sent_at is not None
    (event,) = await _outbox(runtime)
    assert isinstance(event, NotificationSent)
    assert event.event_id == derive_event_id(uuid.UUID(row_id), "notifier", "sent")
    assert event.channel == row.channel
    assert event.recipient.person_id == "pusat"


async def test_all_channels_failing_marks_failed_with_the_errors(runtime: Runtime, tmp_path: Path) -> None:
    channels = [f"json://127.0.0.1:{_closed_port()}/a", f"json://127.0.0.1:{_closed_port()}/b"]
    dispatcher = Dispatcher(
        runtime, directory=_directory(channels), sender=_sender(tmp_path), lease_seconds=60
    )
    row_id = await _pending(runtime, trigger=uuid.uuid4())

    await dispatcher.deliver_pending()

    row = await _row(runtime, row_id)
    assert row.status == "failed"
    assert row.error.count("json://") == 2
    (event,) = await _outbox(runtime)
    assert isinstance(event, NotificationFailed)
    assert event.error == row.error
    # Done is done: a second sweep neither resends nor adds an event.
    assert await dispatcher.deliver_pending() == 0
    assert len(await _outbox(runtime)) == 1


async def test_pending_deliveries_left_by_a_crash_are_resumed_at_start(
    runtime: Runtime, tmp_path: Path
) -> None:
    dispatcher = Dispatcher(runtime, directory=_directory([]), sender=_sender(tmp_path), lease_seconds=60)
    row_id = await _pending(runtime, trigger=uuid.uuid4())

    dispatcher.start_resuming(interval=0.05)
    try:
        for _ in range(200):
            if (await _row(runtime, row_id)).status == "sent":
                break
            await asyncio.sleep(0.05)
    finally:
        await dispatcher.stop_resuming()

    assert (await _row(runtime, row_id)).status == "sent"
    assert [x["recipient"] for x in _lines(tmp_path / "n.jsonl")] == ["pusat"]


async def test_a_row_claimed_by_a_live_process_is_left_alone_until_its_lease_ends(
    runtime: Runtime, tmp_path: Path
) -> None:
    sender = _sender(tmp_path)
    other = Dispatcher(runtime, directory=_directory([]), sender=sender, lease_seconds=60)
    live = await _pending(runtime, trigger=uuid.uuid4())
    lapsed = await _pending(runtime, trigger=uuid.uuid4())
    # Two processes that claimed a row each and died: one lease still runs, the other already ran out.
    assert await Dispatcher(runtime, directory=_directory([]), sender=sender, lease_seconds=60)._claim(live)
    assert await Dispatcher(runtime, directory=_directory([]), sender=sender, lease_seconds=-1)._claim(lapsed)

    assert await other.deliver_pending() == 1

    assert (await _row(runtime, live)).status == "pending"
    taken_over = await _row(runtime, lapsed)
    assert taken_over.status == "sent"
    assert taken_over.attempts == 2
    assert len(_lines(tmp_path / "n.jsonl")) == 1

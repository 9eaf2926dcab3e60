"""Delivery with real receivers: the file sink, a webhook, an SMTP server, a Telegram Bot API stand-in;
retries, failover to the next channel and to the deputy, every attempt recorded, crash resume."""

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tanggap_notifier.deliveries import AckLinks
from tanggap_notifier.directory import parse_directory
from tanggap_notifier.dispatch import Dispatcher, RetryPolicy
from tanggap_notifier.messages import ACK_PLACEHOLDER
from tanggap_notifier.models import Attempt, Delivery
from tanggap_notifier.notices import delivery_id
from tanggap_notifier.people import store_directory
from tanggap_notifier.sender import Sender, is_temporary, sink_url, use_telegram_api
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.ack_button import callback_data
from tanggap_shared.db import OutboxEntry, create_schema
from tanggap_shared.events import NotificationFailed, NotificationSent, derive_event_id, parse_event
from tanggap_shared.runtime import Runtime
from tanggap_shared.tokens import read_ack_token


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sender(tmp_path: Path, default_urls: list[str] | None = None) -> Sender:
    return Sender(default_urls=default_urls or ["tanggapfile://"], sink_path=tmp_path / "n.jsonl", timeout=5)


def _lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- the sender ------------------------------------------------------------------------------------------


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


async def test_json_webhook_receives_the_message(tmp_path: Path, webhook: Any) -> None:
    outcome = await _sender(tmp_path).send(
        recipient="k", channels=[f"json://{webhook.url}/hook"], title="Krisis Level 3", body="Isi pesan"
    )
    assert outcome.sent
    assert outcome.channel.startswith("json://127.0.0.1")
    (received,) = webhook.received
    assert received["path"] == "/hook"
    assert received["payload"]["title"] == "Krisis Level 3"
    assert received["payload"]["message"] == "Isi pesan"


async def test_smtp_server_receives_the_email(tmp_path: Path, smtp: Any) -> None:
    outcome = await _sender(tmp_path).send(
        recipient="k", channels=[smtp.url("ketua@example.go.id")], title="Krisis Level 3 di Lapas", body="Isi"
    )
    assert outcome.sent, outcome.error
    (mail,) = smtp.messages
    assert mail["from"] == "tanggap@example.go.id"
    assert mail["to"] == ["ketua@example.go.id"]
    assert "Krisis_Level_3_di_Lapas" in mail["content"] or "Krisis Level 3 di Lapas" in mail["content"]


async def test_telegram_goes_to_the_bot_api_stand_in(tmp_path: Path, telegram: Any) -> None:
    use_telegram_api(f"http://{telegram.url}")
    outcome = await _sender(tmp_path).send(
        recipient="k",
        channels=["tgram://123456789:AAHtestTOKENtestTOKENtest/987654"],
        title="Judul",
        body="Isi",
    )
    assert outcome.sent, outcome.error
    (call,) = telegram.received
    assert call["path"] == "/bot123456789:AAHtestTOKENtestTOKENtest/sendMessage"
    assert str(call["payload"]["chat_id"]) == "987654"
    assert "Judul" in call["payload"]["text"]
    assert "Isi" in call["payload"]["text"]


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


def test_invalid_urls_are_masked_and_failures_classified(tmp_path: Path) -> None:
    assert _sender(tmp_path).invalid_urls(
        ["tgram://123:secret/456", "nosuchservice://secret", "json://h/x"]
    ) == ["nosuchservice://…"]
    assert is_temporary("A Connection error occurred sending JSON notification to 127.0.0.1.")
    assert is_temporary("Failed to send JSON notification: Service Unavailable (error=503).")
    assert is_temporary("Too Many Requests (error=429).")
    assert not is_temporary(
        "Failed to send Telegram notification to 1: Bad Request: chat not found, error=400."
    )


# --- the dispatcher against the notifier's own database -------------------------------------------------

PUSAT = {"id": "pusat", "name": "Contoh: Pusat", "role": "pusat", "tier": "centre"}


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # No broker: the dispatcher only needs the database; the outbox rows wait for a relay.
    rt = Runtime.build(NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path))
    await create_schema(rt.engine)
    yield rt
    await rt.engine.dispose()


async def _people(rt: Runtime, *people: dict[str, Any]) -> None:
    directory = parse_directory({"people": list(people)}, source="test")
    async with rt.unit_of_work() as session:
        await store_directory(session, directory)


def _dispatcher(rt: Runtime, tmp_path: Path, *, lease: float = 60, attempts: int = 3) -> Dispatcher:
    return Dispatcher(
        rt,
        sender=_sender(tmp_path),
        links=AckLinks(public_url="https://konsol.test", secret="s"),
        lease_seconds=lease,
        retry=RetryPolicy(attempts=attempts, backoff_seconds=0.01),
    )


async def _pending(rt: Runtime, *, person: str = "pusat", trigger: uuid.UUID | None = None) -> str:
    trigger = trigger or uuid.uuid4()
    row_id = str(delivery_id(trigger, person))
    incident = str(uuid.uuid4())
    async with rt.unit_of_work() as session:
        session.add(
            Delivery(
                id=row_id,
                trigger_event_id=str(trigger),
                trigger_type="incident.classified",
                kind="incident_new",
                chain_id=str(trigger),
                incident_id=incident,
                incident_ids=[incident],
                level=3,
                person_id=person,
                name="Contoh: Pusat" if person == "pusat" else person,
                role="pusat",
                tier="centre",
                title="Judul",
                body=f"Isi lengkap. Konfirmasi: {ACK_PLACEHOLDER}\n",
                short_body=f"Isi pendek. Konfirmasi: {ACK_PLACEHOLDER}\n",
            )
        )
    return row_id


async def _all(rt: Runtime, model: Any) -> list[Any]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def _outbox(rt: Runtime) -> list[NotificationSent | NotificationFailed]:
    rows = sorted(await _all(rt, OutboxEntry), key=lambda r: r.seq)
    return [parse_event(r.payload) for r in rows]  # type: ignore[misc]


async def test_a_temporary_failure_is_retried_and_every_attempt_recorded(
    runtime: Runtime, tmp_path: Path, webhook: Any
) -> None:
    webhook.script = [503, 503]  # two failures, then the receiver takes it
    await _people(runtime, PUSAT | {"channels": [f"json://{webhook.url}/hook"]})
    row_id = await _pending(runtime)

    assert await _dispatcher(runtime, tmp_path).deliver_pending() == 1

    attempts = sorted(await _all(runtime, Attempt), key=lambda a: a.try_number)
    assert [(a.try_number, a.ok, a.temporary) for a in attempts] == [
        (1, False, True),
        (2, False, True),
        (3, True, False),
    ]
    assert all(a.channel.startswith("json://127.0.0.1") and a.started_at <= a.finished_at for a in attempts)
    assert "error=503" in attempts[0].error
    (row,) = await _all(runtime, Delivery)
    assert row.status == "sent"
    # The webhook (a complete-text channel) got the complete text with a personal, verifiable link.
    message = webhook.received[-1]["payload"]["message"]
    assert message.startswith("Isi lengkap.")
    claim = read_ack_token("s", message.split("https://konsol.test/ack/")[1].strip())
    assert str(claim.notification_id) == row_id, "the link names this delivery (and no person)"
    (event,) = await _outbox(runtime)
    assert isinstance(event, NotificationSent)
    assert event.event_id == derive_event_id(uuid.UUID(row_id), "notifier", "sent")


async def test_a_permanent_failure_moves_to_the_next_channel_without_retrying(
    runtime: Runtime, tmp_path: Path, telegram: Any, smtp: Any
) -> None:
    telegram.script = [400]  # "chat not found": retrying will not help
    use_telegram_api(f"http://{telegram.url}")
    channels = ["tgram://123456789:AAHtestTOKENtestTOKENtest/42", smtp.url("pusat@example.go.id")]
    await _people(runtime, PUSAT | {"channels": channels})
    await _pending(runtime)

    await _dispatcher(runtime, tmp_path).deliver_pending()

    assert len(telegram.received) == 1
    assert "Isi pendek." in telegram.received[0]["payload"]["text"], "chat channels get the short text"
    (mail,) = smtp.messages
    assert "Isi lengkap." in mail["content"], "e-mail gets the complete text"
    attempts = await _all(runtime, Attempt)
    assert [(a.channel.split("://")[0], a.ok, a.temporary) for a in attempts] == [
        ("tgram", False, False),
        ("mailto", True, False),
    ]
    (row,) = await _all(runtime, Delivery)
    assert row.status == "sent"
    assert row.channel.startswith("mailto://")


async def test_when_every_channel_fails_the_deputy_is_paged(
    runtime: Runtime, tmp_path: Path, webhook: Any
) -> None:
    dead = f"json://127.0.0.1:{_closed_port()}/x"
    await _people(
        runtime,
        PUSAT | {"channels": [dead], "deputies": ["wakil"]},
        {
            "id": "wakil",
            "name": "Contoh: Wakil",
            "role": "pusat",
            "tier": "centre",
            "channels": [f"json://{webhook.url}/w"],
        },
    )
    row_id = await _pending(runtime)

    assert await _dispatcher(runtime, tmp_path, attempts=2).deliver_pending() == 2

    rows = {r.person_id: r for r in await _all(runtime, Delivery)}
    assert rows["pusat"].status == "passed_on"
    assert rows["wakil"].status == "sent"
    assert rows["wakil"].deputy_for == "pusat"
    assert rows["wakil"].chain_id == rows["pusat"].chain_id, "an ack by the deputy stops the same escalation"
    message = webhook.received[0]["payload"]["message"]
    assert message.startswith("Anda menerima pesan ini sebagai wakil dari Contoh: Pusat")
    link = read_ack_token("s", message.split("/ack/")[1].strip())
    assert str(link.notification_id) == rows["wakil"].id, "the deputy's own link"
    (event,) = await _outbox(runtime)
    assert isinstance(event, NotificationSent)
    assert event.recipient.person_id == "wakil"
    assert event.roster_gaps == ["deputy for Contoh: Pusat: unreachable"]
    assert rows["pusat"].id == row_id
    assert len([a for a in await _all(runtime, Attempt) if a.person_id == "pusat"]) == 2


async def test_everything_failing_publishes_notification_failed_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    dead = [f"json://127.0.0.1:{_closed_port()}/a", f"json://127.0.0.1:{_closed_port()}/b"]
    await _people(
        runtime,
        PUSAT | {"channels": dead, "deputies": ["wakil"]},
        {"id": "wakil", "name": "Contoh: Wakil", "role": "pusat", "tier": "centre", "channels": dead[:1]},
    )
    await _pending(runtime)
    dispatcher = _dispatcher(runtime, tmp_path, attempts=1)

    await dispatcher.deliver_pending()

    rows = {r.person_id: r for r in await _all(runtime, Delivery)}
    assert (rows["pusat"].status, rows["wakil"].status) == ("passed_on", "failed")
    (event,) = await _outbox(runtime)
    assert isinstance(event, NotificationFailed)
    assert event.error.count("json://") == 3, "the pusat's two channels and the deputy's one"
    # Done is done: a second sweep neither resends nor adds an event.
    assert await dispatcher.deliver_pending() == 0
    assert len(await _outbox(runtime)) == 1


async def test_pending_deliveries_left_by_a_crash_are_resumed_at_start(
    runtime: Runtime, tmp_path: Path
) -> None:
    await _people(runtime, PUSAT)
    row_id = await _pending(runtime)
    dispatcher = _dispatcher(runtime, tmp_path)
    dispatcher.start_resuming(interval=0.05)
    try:
        for _ in range(200):
            if (await _all(runtime, Delivery))[0].status == "sent":
                break
            await asyncio.sleep(0.05)
    finally:
        await dispatcher.stop_resuming()
    (row,) = await _all(runtime, Delivery)
    assert (row.id, row.status) == (row_id, "sent")
    assert [x["recipient"] for x in _lines(tmp_path / "n.jsonl")] == ["pusat"]


async def test_a_row_claimed_by_a_live_process_is_left_alone_until_its_lease_ends(
    runtime: Runtime, tmp_path: Path
) -> None:
    await _people(runtime, PUSAT)
    live = await _pending(runtime)
    lapsed = await _pending(runtime)
    # Two processes that claimed a row each and died: one lease still runs, the other already ran out.
    assert await _dispatcher(runtime, tmp_path, lease=60)._claim(live)
    assert await _dispatcher(runtime, tmp_path, lease=-1)._claim(lapsed)

    assert await _dispatcher(runtime, tmp_path).deliver_pending() == 1

    rows = {r.id: r for r in await _all(runtime, Delivery)}
    assert rows[live].status == "pending"
    assert (rows[lapsed].status, rows[lapsed].attempts) == ("sent", 2)
    assert len(_lines(tmp_path / "n.jsonl")) == 1


async def test_a_telegram_page_carries_an_acknowledge_button(tmp_path: Path, telegram: Any) -> None:
    use_telegram_api(f"http://{telegram.url}")
    notification_id = "6f1c9a52-0d3e-4b8e-9f57-2a1d3c4b5e6f"
    sender = Sender(
        default_urls=["tanggapfile://"], sink_path=tmp_path / "n.jsonl", timeout=5, ack_secret="s3cret"
    )
    tried = await sender.attempt(
        "tgram://123456789:AAHtestTOKENtestTOKENtest/987654",
        recipient="k",
        title="Judul",
        body="Isi",
        ack_id=notification_id,
    )
    assert tried.ok, tried.error
    assert tried.channel.startswith("tgram://")
    (call,) = telegram.received
    assert call["path"] == "/bot123456789:AAHtestTOKENtestTOKENtest/sendMessage"
    assert str(call["payload"]["chat_id"]) == "987654"
    assert "Isi" in call["payload"]["text"]
    (row,) = call["payload"]["reply_markup"]["inline_keyboard"]
    (button,) = row
    # Bound to the chat it was sent to, so that only that person's press acknowledges (issue 14).
    assert button["callback_data"] == callback_data("s3cret", notification_id, "987654")
    assert button["callback_data"].startswith(f"ack:{notification_id}:")
    assert len(button["callback_data"].encode()) <= 64, "Telegram's limit for callback data"


async def test_a_refused_telegram_page_is_a_permanent_failure(tmp_path: Path, telegram: Any) -> None:
    telegram.script = [400]
    use_telegram_api(f"http://{telegram.url}")
    tried = await _sender(tmp_path).attempt(
        "tgram://123456789:AAHtestTOKENtestTOKENtest/42", recipient="k", title="T", body="B", ack_id="x"
    )
    assert not tried.ok
    assert not tried.temporary
    assert "error=400" in tried.error

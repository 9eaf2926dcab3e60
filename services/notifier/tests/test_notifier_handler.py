"""The routing handler end to end against a real nats-server: deliveries once, events on the stream."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tanggap_notifier.app import build_handler, create_app
from tanggap_notifier.directory import DirectoryError
from tanggap_notifier.handlers import RoutingHandler, register
from tanggap_notifier.models import Delivery
from tanggap_notifier.settings import NotifierSettings
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import (
    DraftProposed,
    EventBase,
    IncidentClassified,
    NotificationSent,
    ReportSnapshot,
    UnitRef,
    parse_event,
)
from tanggap_shared.messaging import STREAM_NAME
from tanggap_shared.runtime import Runtime

CIPINANG = UnitRef(
    code="DKI-LAPAS-CIPINANG",
    name="Lapas Kelas I Cipinang",
    type="Lapas",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)
LEVEL_3_TEAM = {
    "dki-lapas-cipinang-ketua",
    "dki-lapas-cipinang-humas",
    "kanwil-dki-supervisor",
    "ditjenpas-pusat",
}


def _classified(level: int = 3, *, crisis: bool = True) -> IncidentClassified:
    return IncidentClassified(
        incident_id=uuid.uuid4(),
        producer="classifier",
        unit=CIPINANG,
        report=ReportSnapshot(
            report_id=uuid.uuid4(), text="kerusuhan di blok A", received_at=datetime.now(UTC)
        ),
        crisis=crisis,
        level=level,
        category=Category.UNREST,
        policy_version="test",
        deadlines={"holding_statement": 60},
    )


@pytest.fixture
async def service(fresh_nats: NatsServer, tmp_path: Path) -> AsyncIterator[tuple[Runtime, RoutingHandler]]:
    settings = NotifierSettings(
        broker_url=fresh_nats.url, state_dir=tmp_path, public_url="http://konsol.test"
    )
    runtime = Runtime.build(settings)
    handler = build_handler(runtime, settings)
    register(runtime, handler)
    await runtime.open()
    await runtime.broker.start()
    yield runtime, handler
    await runtime.broker.stop()
    await runtime.close()


async def _publish(runtime: Runtime, event: EventBase) -> None:
    await runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)


async def _settled(runtime: Runtime, published: int) -> None:
    """Wait until the consumer acked everything published and the outbox is relayed."""
    js = runtime.broker.config.connection_state.stream
    for _ in range(300):
        info = await js.consumer_info(STREAM_NAME, "notifier-routing")
        if info.ack_floor.stream_seq >= published and info.num_ack_pending == 0 and info.num_pending == 0:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the notifier did not finish its messages")
    await runtime.relay.flush()


async def _stream_events(runtime: Runtime) -> list[EventBase]:
    js = runtime.broker.config.connection_state.stream
    last = (await js.stream_info(STREAM_NAME)).state.last_seq
    return [parse_event((await js.get_msg(STREAM_NAME, seq)).data or b"") for seq in range(1, last + 1)]


async def _deliveries(runtime: Runtime, incident_id: uuid.UUID) -> list[Delivery]:
    async with runtime.sessions() as session:
        query = select(Delivery).where(Delivery.incident_id == str(incident_id))
        return list((await session.scalars(query)).all())


async def test_level_3_incident_published_twice_is_delivered_once_to_each(
    service: tuple[Runtime, RoutingHandler], tmp_path: Path
) -> None:
    runtime, _ = service
    event = _classified(level=3)
    await _publish(runtime, event)
    await _publish(runtime, event)  # a redelivery JetStream cannot dedupe (no Nats-Msg-Id)

    await _settled(runtime, published=2)

    rows = await _deliveries(runtime, event.incident_id)
    assert sorted(r.person_id for r in rows) == sorted(LEVEL_3_TEAM)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 and r.gap_note == "" for r in rows)
    lines = [json.loads(x) for x in (tmp_path / "notifications.jsonl").read_text().splitlines()]
    assert sorted(line["recipient"] for line in lines) == sorted(LEVEL_3_TEAM)
    assert all(f"http://konsol.test/incidents/{event.incident_id}" in line["body"] for line in lines)

    sent = [e for e in await _stream_events(runtime) if isinstance(e, NotificationSent)]
    assert sorted(e.recipient.person_id for e in sent) == sorted(LEVEL_3_TEAM)
    assert {e.incident_id for e in sent} == {event.incident_id}
    assert {e.causation_id for e in sent} == {event.event_id}
    assert {e.notification_id for e in sent} == {uuid.UUID(r.id) for r in rows}


async def test_non_crisis_and_draft_events(service: tuple[Runtime, RoutingHandler]) -> None:
    runtime, _ = service
    routine = _classified(level=1, crisis=False)
    draft = DraftProposed(
        incident_id=uuid.uuid4(),
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=DraftKind.PRESS_RELEASE,
        level=4,
        unit=CIPINANG,
        text="…",
        method="template",
    )
    await _publish(runtime, routine)
    await _publish(runtime, draft)

    await _settled(runtime, published=2)

    assert await _deliveries(runtime, routine.incident_id) == []
    (approval,) = await _deliveries(runtime, draft.incident_id)
    assert approval.person_id == "ditjenpas-pusat"
    assert approval.trigger_type == "draft.proposed"
    assert approval.body.startswith("Draf siaran pers menunggu persetujuan Anda.")


async def test_unit_without_team_reaches_the_kanwil_with_the_gap_recorded(
    service: tuple[Runtime, RoutingHandler],
) -> None:
    runtime, handler = service
    salemba = CIPINANG.model_copy(update={"code": "DKI-LAPAS-SALEMBA", "name": "Lapas Kelas IIA Salemba"})
    event = _classified(level=1).model_copy(update={"unit": salemba})
    await handler(event, None)  # type: ignore[arg-type]  # the broker message is not used

    (row,) = await _deliveries(runtime, event.incident_id)
    assert row.person_id == "kanwil-dki-supervisor"
    assert row.status == "sent"
    assert row.gap_note == (
        "roster gap: DKI-LAPAS-SALEMBA has no ketua; roster gap: DKI-LAPAS-SALEMBA has no koordinator_humas"
    )


def test_app_refuses_a_bad_directory(tmp_path: Path) -> None:
    bad = tmp_path / "team.yaml"
    bad.write_text(yaml.safe_dump({"people": [{"id": "x", "name": "X", "role": "ketua", "tier": "upt"}]}))
    settings = NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path, directory_file=bad)
    with pytest.raises(DirectoryError, match="needs `unit`"):
        create_app(settings)


def test_app_refuses_a_channel_apprise_cannot_load(tmp_path: Path) -> None:
    team = tmp_path / "team.yaml"
    people = [{"id": "p", "name": "P", "role": "pusat", "tier": "centre", "channels": ["nosuch://secret"]}]
    team.write_text(yaml.safe_dump({"people": people}))
    settings = NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path, directory_file=team)
    with pytest.raises(DirectoryError, match=r"cannot load these channels: nosuch://…$"):
        create_app(settings)


def test_default_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_NOTIFY_DEFAULT_URLS", "json://a/x, tanggapfile://")
    assert NotifierSettings().default_urls() == ["json://a/x", "tanggapfile://"]
    monkeypatch.delenv("TANGGAP_NOTIFY_DEFAULT_URLS")
    assert NotifierSettings().default_urls() == ["tanggapfile://"]

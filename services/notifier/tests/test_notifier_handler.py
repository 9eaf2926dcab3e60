"""The consumer end to end against a real nats-server: pages once, level rises, teams, digests, closure."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from tanggap_notifier.app import create_app
from tanggap_notifier.directory import DirectoryError
from tanggap_notifier.models import Delivery, DigestItem, Timer
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import (
    CrisisTeamFormed,
    DraftProposed,
    EventBase,
    IncidentClassified,
    IncidentClosed,
    NotificationSent,
    ReportSnapshot,
    UnitRef,
    parse_event,
)
from tanggap_shared.messaging import STREAM_NAME
from tanggap_shared.runtime import Runtime
from tanggap_shared.tokens import read_ack_token

CIPINANG = UnitRef(
    code="DKI-LAPAS-CIPINANG",
    name="Lapas Kelas I Cipinang",
    type="Lapas",
    region="DKI",
    region_name="Kanwil Ditjenpas DKI Jakarta",
)
LEVEL_2_TEAM = {"dki-lapas-cipinang-ketua", "dki-lapas-cipinang-humas", "kanwil-dki-supervisor"}
LEVEL_3_TEAM = LEVEL_2_TEAM | {"ditjenpas-pusat"}


def classified(level: int = 3, *, crisis: bool = True, **overrides: Any) -> IncidentClassified:
    fields: dict[str, Any] = {
        "incident_id": uuid.uuid4(),
        "producer": "classifier",
        "unit": CIPINANG,
        "report": ReportSnapshot(
            report_id=uuid.uuid4(), text="kerusuhan di blok A", received_at=datetime.now(UTC)
        ),
        "crisis": crisis,
        "level": level,
        "category": Category.UNREST,
        "policy_version": "test",
        "deadlines": {"holding_statement": 60, "press_release": 180},
    }
    return IncidentClassified.model_validate(fields | overrides)


async def publish(runtime: Runtime, *events: EventBase) -> None:
    for event in events:
        await runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)


async def settled(runtime: Runtime) -> None:
    """Wait until the consumer acked everything published and the outbox is relayed."""
    js = runtime.broker.config.connection_state.stream
    for _ in range(400):
        info = await js.consumer_info(STREAM_NAME, "notifier-routing")
        if info.num_ack_pending == 0 and info.num_pending == 0:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the notifier did not finish its messages")
    await runtime.relay.flush()


async def stream_events(runtime: Runtime) -> list[EventBase]:
    js = runtime.broker.config.connection_state.stream
    last = (await js.stream_info(STREAM_NAME)).state.last_seq
    return [parse_event((await js.get_msg(STREAM_NAME, seq)).data or b"") for seq in range(1, last + 1)]


async def rows(runtime: Runtime, model: Any, **where: str) -> list[Any]:
    async with runtime.sessions() as session:
        query = select(model).filter_by(**where)
        return list((await session.scalars(query)).all())


async def test_level_3_incident_published_twice_pages_each_member_once(service: Any) -> None:
    runtime = service.runtime
    event = classified(level=3)
    await publish(runtime, event, event)  # a redelivery JetStream cannot dedupe (no Nats-Msg-Id)
    await settled(runtime)

    deliveries = await rows(runtime, Delivery, incident_id=str(event.incident_id))
    assert sorted(r.person_id for r in deliveries) == sorted(LEVEL_3_TEAM)
    assert {r.status for r in deliveries} == {"sent"}
    assert {r.kind for r in deliveries} == {"incident_new"}
    lines = service.sink_lines()
    assert sorted(line["recipient"] for line in lines) == sorted(LEVEL_3_TEAM)
    for line in lines:
        assert f"http://konsol.test/incidents/{event.incident_id}" in line["body"]
        token = line["body"].split("http://konsol.test/ack/")[1].split()[0]
        # The token names only the delivery (no person): its row says whose and which incident.
        (row,) = [r for r in deliveries if r.id == str(read_ack_token("test-secret", token).notification_id)]
        assert (row.incident_id, row.person_id) == (str(event.incident_id), line["recipient"])

    events = await stream_events(runtime)
    sent = [e for e in events if isinstance(e, NotificationSent)]
    assert sorted(e.recipient.person_id for e in sent) == sorted(LEVEL_3_TEAM)
    assert {e.causation_id for e in sent} == {event.event_id}
    (team,) = [e for e in events if isinstance(e, CrisisTeamFormed)]
    assert team.level == 3
    assert {m.recipient.person_id for m in team.members} == LEVEL_3_TEAM
    assert team.gaps == []
    # Escalation and both deadlines are watched, durably.
    timers = await rows(runtime, Timer, incident_id=str(event.incident_id))
    assert sorted((t.kind, t.payload.get("stage", "")) for t in timers) == [
        ("deadline", "approaching"),
        ("deadline", "approaching"),
        ("deadline", "missed"),
        ("deadline", "missed"),
        ("escalation", ""),
    ]


async def test_a_raised_level_pages_only_the_people_it_adds(service: Any) -> None:
    runtime = service.runtime
    first = classified(level=2)
    raised = classified(
        level=3, incident_id=first.incident_id, previous_level=2, trigger="update", report=first.report
    )
    await publish(runtime, first)
    await settled(runtime)
    await publish(runtime, raised)
    await settled(runtime)

    deliveries = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    by_kind = {(r.kind, r.person_id) for r in deliveries}
    assert by_kind == {("incident_new", p) for p in LEVEL_2_TEAM} | {("level_raised", "ditjenpas-pusat")}
    (pusat,) = [r for r in deliveries if r.kind == "level_raised"]
    assert pusat.title.startswith("Tanggap: Level naik 2 → 3 (Tinggi)")
    teams = [e for e in await stream_events(runtime) if isinstance(e, CrisisTeamFormed)]
    assert [len(t.members) for t in teams] == [3, 4]
    assert len({t.event_id for t in teams}) == 2


async def test_a_lower_level_pages_nobody_and_non_crisis_nobody(service: Any) -> None:
    runtime = service.runtime
    first = classified(level=3)
    lower = classified(level=2, incident_id=first.incident_id, previous_level=3, report=first.report)
    routine = classified(level=1, crisis=False)
    await publish(runtime, first, lower, routine)
    await settled(runtime)
    assert len(await rows(runtime, Delivery, incident_id=str(first.incident_id))) == 4
    assert await rows(runtime, Delivery, incident_id=str(routine.incident_id)) == []


async def test_a_draft_goes_to_the_approver_of_its_level(service: Any) -> None:
    runtime = service.runtime
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
    await publish(runtime, draft)
    await settled(runtime)
    # The draft waits in the approver's request while its gathering window is open.
    assert await rows(runtime, Delivery, incident_id=str(draft.incident_id)) == []
    (window,) = await rows(runtime, Timer, incident_id=str(draft.incident_id))
    assert window.kind == "approval"

    assert await service.handler.scheduler.fire_due(datetime.now(UTC) + timedelta(minutes=1)) == 1
    (approval,) = await rows(runtime, Delivery, incident_id=str(draft.incident_id))
    assert approval.person_id == "ditjenpas-pusat"
    assert approval.kind == "approval_request"
    assert approval.trigger_type == "notifier.approval_request"
    assert approval.title == "Tanggap: Permintaan persetujuan: 1 draf (Lapas Kelas I Cipinang)"
    assert approval.body.startswith("1 draf menunggu persetujuan Anda:\n- Siaran pers\n")
    (escalation,) = [
        t for t in await rows(runtime, Timer, incident_id=str(draft.incident_id)) if t.kind == "escalation"
    ]
    assert escalation.key == f"approval:{approval.trigger_event_id}"
    assert escalation.payload["about"] == "permintaan persetujuan: 1 draf"


async def test_unit_without_team_reaches_the_kanwil_with_the_gap_recorded(service: Any) -> None:
    runtime = service.runtime
    salemba = CIPINANG.model_copy(update={"code": "DKI-LAPAS-SALEMBA", "name": "Lapas Kelas IIA Salemba"})
    event = classified(level=2, unit=salemba)
    await service.handler(event, None)

    (row,) = await rows(runtime, Delivery, incident_id=str(event.incident_id))
    assert row.person_id == "kanwil-dki-supervisor"
    assert row.status == "sent"
    assert row.gap_note == (
        "roster gap: DKI-LAPAS-SALEMBA has no ketua; roster gap: DKI-LAPAS-SALEMBA has no koordinator_humas"
    )
    await runtime.relay.flush()
    (team,) = [e for e in await stream_events(runtime) if isinstance(e, CrisisTeamFormed)]
    assert team.gaps == [
        "roster gap: DKI-LAPAS-SALEMBA has no ketua",
        "roster gap: DKI-LAPAS-SALEMBA has no koordinator_humas",
    ]


async def test_level_1_goes_into_a_durable_digest_instead_of_paging(service: Any) -> None:
    runtime = service.runtime
    one, two = classified(level=1), classified(level=1)
    await service.handler(one, None)
    await service.handler(two, None)

    assert service.sink_lines() == []
    items = await rows(runtime, DigestItem)
    assert {i.person_id for i in items} == LEVEL_2_TEAM
    assert len(items) == 6
    assert {i.reason for i in items} == {"level"}
    digest_timers = [t for t in await rows(runtime, Timer) if t.kind == "digest"]
    assert len(digest_timers) == 3, "one digest per person"

    fired = await service.handler.scheduler.fire_due(datetime.now(UTC) + timedelta(days=8))
    assert fired == 3
    lines = service.sink_lines()
    assert sorted(line["recipient"] for line in lines) == sorted(LEVEL_2_TEAM)
    assert all(line["title"] == "Tanggap: Ringkasan 2 pemberitahuan" for line in lines)
    assert all(
        str(one.incident_id) in line["body"] and str(two.incident_id) in line["body"] for line in lines
    )
    # Each incident of the digest shows the notification.
    await runtime.relay.flush()
    sent = [e for e in await stream_events(runtime) if isinstance(e, NotificationSent)]
    assert {e.incident_id for e in sent} == {one.incident_id, two.incident_id}
    assert len(sent) == 6
    # Nothing is left to digest: a later round sends nothing.
    assert await service.handler.scheduler.fire_due(datetime.now(UTC) + timedelta(days=30)) == 0


async def test_closing_stops_every_timer_and_tells_the_team(service: Any) -> None:
    runtime = service.runtime
    event = classified(level=3)
    await service.handler(event, None)
    closed = IncidentClosed(
        incident_id=event.incident_id, producer="intake", closed_by="Kakanwil DKI", declaration="Selesai."
    )
    await service.handler(closed, None)

    timers = await rows(runtime, Timer, incident_id=str(event.incident_id))
    assert {t.status for t in timers} == {"cancelled"}
    closing = [
        r
        for r in await rows(runtime, Delivery, incident_id=str(event.incident_id))
        if r.kind == "incident_closed"
    ]
    assert sorted(r.person_id for r in closing) == sorted(LEVEL_3_TEAM)
    assert "dinyatakan selesai oleh Kakanwil DKI" in closing[0].body
    assert await service.handler.scheduler.fire_due(datetime.now(UTC) + timedelta(days=1)) == 0


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


def test_app_refuses_a_broken_template_override(tmp_path: Path) -> None:
    (tmp_path / "incident_new.short.j2").write_text("{% if %}")
    settings = NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path, templates_dir=tmp_path)
    with pytest.raises(Exception, match=r"Expected an expression"):
        create_app(settings)


def test_default_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_NOTIFY_DEFAULT_URLS", "json://a/x, tanggapfile://")
    assert NotifierSettings().default_urls() == ["json://a/x", "tanggapfile://"]
    monkeypatch.delenv("TANGGAP_NOTIFY_DEFAULT_URLS")
    assert NotifierSettings().default_urls() == ["tanggapfile://"]


async def test_a_handler_sends_only_what_its_own_event_staged(service: Any) -> None:
    """Another event's pending row is left to the resume loop (no handler races another for it)."""
    runtime = service.runtime
    salemba = CIPINANG.model_copy(update={"code": "DKI-LAPAS-SALEMBA", "name": "Lapas Kelas IIA Salemba"})
    first, second = classified(level=2, unit=salemba), classified(level=2, unit=salemba)
    # The first event's rows are committed but not sent, as if its handler's process had died right after.
    async with runtime.unit_of_work() as session:
        await service.handler.apply(session, first, datetime.now(UTC))
    (left,) = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    assert left.status == "pending"

    await service.handler(second, None)
    (sent,) = await rows(runtime, Delivery, incident_id=str(second.incident_id))
    assert sent.status == "sent"
    (still,) = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    assert still.status == "pending", "the resume loop sends it, not another event's handler"

    assert await service.handler.dispatcher.deliver_pending() == 1
    (done,) = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    assert done.status == "sent"

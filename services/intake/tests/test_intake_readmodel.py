"""The incident read model consumes other services' events once each; the outbox survives a broker outage."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx

from tanggap_intake import readmodel
from tanggap_runner.nats import NatsServer, free_port
from tanggap_shared.contracts import Category, DraftKind, Role, Tier
from tanggap_shared.events import (
    DraftProposed,
    EventBase,
    IncidentClassified,
    NotificationSent,
    Reason,
    Recipient,
    ReportSnapshot,
    UnitRef,
    utcnow,
)
from tanggap_shared.messaging import make_broker, prepare_broker, subscribe
from tanggap_shared.runtime import Runtime

from .conftest import intake_settings, running_intake

UNIT = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")


async def _publish(client: httpx.AsyncClient, event: EventBase) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    await runtime.broker.publish(
        event.model_dump_json().encode(),
        event.subject,
        stream="TANGGAP",
        headers={"Nats-Msg-Id": f"{event.event_id}-{uuid.uuid4()}"},  # bypass dedup: a true redelivery
    )


async def _wait_for(client: httpx.AsyncClient, incident_id: str, ready: Any) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = (await client.get(f"/v1/incidents/{incident_id}")).json()
        if ready(body):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"read model did not catch up: {body}")


async def test_events_fill_the_read_model_once_each(intake: httpx.AsyncClient) -> None:
    accepted = (
        await intake.post("/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": "ricuh"})
    ).json()
    incident_id = uuid.UUID(accepted["incident_id"])
    snapshot = ReportSnapshot(report_id=uuid.UUID(accepted["report_id"]), text="ricuh", received_at=utcnow())
    classified = IncidentClassified(
        incident_id=incident_id,
        producer="classifier",
        unit=UNIT,
        report=snapshot,
        crisis=True,
        level=3,
        category=Category.UNREST,
        secondary_categories=[Category.DEATH],
        reasons=[Reason(code="death", text="Ada korban meninggal dunia", level=3, triggers=["tewas"])],
        policy_version="test-1",
        deadlines={"holding_statement": 60},
    )
    draft = DraftProposed(
        incident_id=incident_id,
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=DraftKind.HOLDING_STATEMENT,
        level=3,
        unit=UNIT,
        text="Kami menyampaikan duka cita...",
        method="template",
    )
    sent = NotificationSent(
        incident_id=incident_id,
        producer="notifier",
        notification_id=uuid.uuid4(),
        recipient=Recipient(person_id="p1", name="Kepala Lapas", role=Role.KETUA, tier=Tier.UPT),
        channel="tanggap-file",
        trigger_event_id=classified.event_id,
        trigger_type="incident.classified",
    )
    for event in (classified, draft, sent, classified, draft, sent):
        await _publish(intake, event)

    body = await _wait_for(
        intake, str(incident_id), lambda b: b["notifications"] and b["drafts"] and b["level"]
    )
    await asyncio.sleep(0.5)  # give the duplicates time to arrive; they must change nothing
    body = (await intake.get(f"/v1/incidents/{incident_id}")).json()
    assert body["level"] == 3
    assert body["crisis"] is True
    assert body["phase"] == "krisis"
    assert body["category"] == "unrest"
    assert body["secondary_categories"] == ["death"]
    assert body["reasons"][0]["triggers"] == ["tewas"]
    assert [d["kind"] for d in body["drafts"]] == ["holding_statement"]
    assert body["drafts"][0]["status"] == "proposed"
    assert [(n["recipient"], n["status"]) for n in body["notifications"]] == [("Kepala Lapas", "sent")]
    kinds = [t["kind"] for t in body["timeline"]]
    assert kinds.count("incident.classified") == 1
    assert kinds.count("draft.proposed") == 1
    assert kinds.count("notification.sent") == 1


async def test_report_accepted_while_broker_is_down_is_published_once_it_is_back(tmp_path: Path) -> None:
    server = NatsServer(port=free_port(), monitor_port=free_port(), store_dir=tmp_path / "nats")
    server.start()
    try:
        async with running_intake(intake_settings(server, tmp_path / "intake")) as client:
            server.stop()
            answers = [
                await client.post(
                    "/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": f"laporan {i}"}
                )
                for i in range(3)
            ]
            assert [a.status_code for a in answers] == [202, 202, 202]
            server.start()
            runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
            js = runtime.broker.config.connection_state.stream
            for _ in range(300):
                try:
                    if (await js.stream_info("TANGGAP")).state.messages >= 3:
                        break
                except Exception:
                    pass
                await asyncio.sleep(0.1)
            info = await js.stream_info("TANGGAP")
            assert info.state.messages == 3
            await asyncio.sleep(1.5)  # a second relay pass must not publish them again
            assert (await js.stream_info("TANGGAP")).state.messages == 3
    finally:
        server.stop()


async def test_an_older_read_model_consumer_gets_the_new_event_types(
    fresh_nats: NatsServer, tmp_path: Path
) -> None:
    """A durable consumer keeps the subjects it was created with; the intake brings them up to date."""
    old = make_broker(fresh_nats.url)

    async def ignore(_event: object, _msg: object) -> None:
        return None

    subscribe(old, service="intake", name="read-model", subjects=readmodel.SUBJECTS[:7], handler=ignore)
    await prepare_broker(old)
    await old.start()
    await old.stop()
    async with running_intake(intake_settings(fresh_nats, tmp_path)) as client:
        js = client.app.state.runtime.broker.config.connection_state.stream  # type: ignore[attr-defined]
        info = await js.consumer_info("TANGGAP", "intake-read-model")
        assert set(info.config.filter_subjects or []) == set(readmodel.SUBJECTS)
        assert "tanggap.crisis_team.formed" in (info.config.filter_subjects or [])

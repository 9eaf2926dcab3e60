"""Durable timers in-process: escalation until acknowledged, deadlines until approved, each fired once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import select

from tanggap_notifier.models import Delivery, DigestItem, Timer
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import (
    DraftProposed,
    DraftReviewed,
    IncidentClassified,
    NotificationAcknowledged,
    ReportSnapshot,
    UnitRef,
)

CIPINANG = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")


def classified(level: int = 3) -> IncidentClassified:
    return IncidentClassified(
        incident_id=uuid.uuid4(),
        producer="classifier",
        unit=CIPINANG,
        report=ReportSnapshot(report_id=uuid.uuid4(), text="…", received_at=datetime.now(UTC)),
        crisis=True,
        level=level,
        category=Category.UNREST,
        policy_version="test",
        deadlines={"holding_statement": 60, "press_release": 180},
    )


async def deliveries(service: Any, incident_id: uuid.UUID) -> list[Delivery]:
    async with service.runtime.sessions() as session:
        query = select(Delivery).where(Delivery.incident_id == str(incident_id)).order_by(Delivery.created_at)
        return list((await session.scalars(query)).all())


async def timers(service: Any, incident_id: uuid.UUID) -> list[Timer]:
    async with service.runtime.sessions() as session:
        return list((await session.scalars(select(Timer).where(Timer.incident_id == str(incident_id)))).all())


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def test_an_unacknowledged_page_escalates_to_the_deputy_then_stops(
    service_factory: Any, team_file: Path
) -> None:
    service = await service_factory(directory_file=team_file)
    event = classified(level=3)
    await service.handler(event, None)
    assert {r.person_id for r in await deliveries(service, event.incident_id)} == {
        "ketua",
        "humas",
        "sup",
        "pusat",
    }

    # Level 3 allows 15 minutes: at 10 nothing happens, after 15 the ketua's deputy is paged.
    assert await service.handler.scheduler.fire_due(later(10)) == 0
    assert await service.handler.scheduler.fire_due(later(16)) == 1
    escalated = [r for r in await deliveries(service, event.incident_id) if r.kind == "escalation"]
    assert [(r.person_id, r.status) for r in escalated] == [("wakil", "sent")]
    assert escalated[0].chain_id == str(event.event_id)
    assert "belum dikonfirmasi siapa pun dalam 16 menit" in escalated[0].body
    assert "Belum mengonfirmasi: Contoh: Ketua Cipinang" in escalated[0].body

    # The next steps (supervisor, then Ditjenpas) were all told already: the chain ends without a page.
    assert await service.handler.scheduler.fire_due(later(40)) == 1
    assert len([r for r in await deliveries(service, event.incident_id) if r.kind == "escalation"]) == 1
    pending = [
        t
        for t in await timers(service, event.incident_id)
        if t.kind == "escalation" and t.status == "pending"
    ]
    assert pending == []


async def test_an_acknowledgement_stops_the_escalation(service_factory: Any, team_file: Path) -> None:
    service = await service_factory(directory_file=team_file)
    event = classified(level=3)
    acks_before = REGISTRY.get_sample_value("tanggap_time_to_acknowledge_seconds_count") or 0.0
    sent_before = (
        REGISTRY.get_sample_value(
            "tanggap_delivery_attempts_total", {"channel": "tanggapfile", "result": "sent"}
        )
        or 0.0
    )
    await service.handler(event, None)
    humas = next(r for r in await deliveries(service, event.incident_id) if r.person_id == "humas")
    ack = NotificationAcknowledged(
        incident_id=event.incident_id,
        producer="intake",
        notification_id=uuid.UUID(humas.id),
        acknowledged_by="Contoh: Humas Cipinang",
    )
    await service.handler(ack, None)
    await service.handler(ack, None)  # a redelivered acknowledgement changes nothing

    await service.handler.scheduler.fire_due(later(60))

    rows = await deliveries(service, event.incident_id)
    assert [r.kind for r in rows if r.kind == "escalation"] == []
    acked = next(r for r in rows if r.person_id == "humas")
    assert acked.acknowledged_by == "Contoh: Humas Cipinang"
    assert acked.acknowledged_at is not None
    # Metrics: at least the four pages went through the file sink; one time-to-acknowledge observation.
    sent_after = REGISTRY.get_sample_value(
        "tanggap_delivery_attempts_total", {"channel": "tanggapfile", "result": "sent"}
    )
    assert sent_after is not None
    assert sent_after >= sent_before + 4
    assert REGISTRY.get_sample_value("tanggap_time_to_acknowledge_seconds_count") == acks_before + 1
    (escalation,) = [t for t in await timers(service, event.incident_id) if t.kind == "escalation"]
    assert escalation.status == "cancelled"


async def test_deadlines_warn_then_miss_unless_a_matching_draft_is_approved(
    service_factory: Any, team_file: Path
) -> None:
    service = await service_factory(directory_file=team_file)
    event = classified(level=2)  # level 2: holding statement 60, press release 180 (from the event)
    await service.handler(event, None)
    approved = DraftReviewed(
        incident_id=event.incident_id,
        producer="intake",
        draft_id=uuid.uuid4(),
        kind=DraftKind.HOLDING_STATEMENT,
        decision="approved",
        reviewer="Contoh: Ketua Cipinang",
        text="…",
    )
    await service.handler(approved, None)
    told = [r for r in await deliveries(service, event.incident_id) if r.kind == "draft_approved"]
    assert {r.person_id for r in told} == {"ketua", "humas", "sup"}
    assert "disetujui oleh Contoh: Ketua Cipinang" in told[0].body

    # Past both deadlines: only the press release (not approved) warns and then misses.
    for minutes in (136, 181):
        await service.handler.scheduler.fire_due(later(minutes))
    rows = await deliveries(service, event.incident_id)
    warned = [r for r in rows if r.kind == "deadline_approaching"]
    missed = [r for r in rows if r.kind == "deadline_missed"]
    assert {r.person_id for r in warned} == {"ketua", "humas"}
    assert {r.person_id for r in missed} == {"ketua", "humas", "sup"}
    assert all("siaran pers / klarifikasi" in r.body for r in warned + missed)
    holding = [
        t for t in await timers(service, event.incident_id) if t.payload.get("name") == "holding_statement"
    ]
    assert {t.status for t in holding} == {"cancelled"}


async def test_two_watchdogs_racing_fire_each_timer_once(service_factory: Any, team_file: Path) -> None:
    first = await service_factory(directory_file=team_file)
    event = classified(level=3)
    await first.handler(event, None)
    moment = later(16)
    fired = await asyncio.gather(
        first.handler.scheduler.fire_due(moment),
        first.handler.scheduler.fire_due(moment),
        first.handler.scheduler.fire_due(moment),
    )
    assert sum(fired) == 1
    escalated = [r for r in await deliveries(first, event.incident_id) if r.kind == "escalation"]
    assert len(escalated) == 1


async def test_a_wave_of_incidents_never_silences_a_new_crisis(service_factory: Any, team_file: Path) -> None:
    """Past the rate limit, approval requests wait in the digest, but every new crisis still pages at once."""
    service = await service_factory(directory_file=team_file)
    wave = [classified(level=3) for _ in range(9)]  # 9 new crises for one team: above 6 pages in 10 minutes
    for event in wave:
        await service.handler(event, None)
        proposal = DraftProposed(
            incident_id=event.incident_id,
            producer="drafter",
            draft_id=uuid.uuid4(),
            kind=DraftKind.HOLDING_STATEMENT,
            level=3,
            unit=CIPINANG,
            text="…",
            method="template",
        )
        await service.handler(proposal, None)
    await service.handler.scheduler.fire_due(later(1))  # the approval requests' windows end
    for event in wave:
        pages = [r for r in await deliveries(service, event.incident_id) if r.kind == "incident_new"]
        assert {r.person_id for r in pages} == {"ketua", "humas", "sup", "pusat"}, event.incident_id
        assert all(r.status == "sent" for r in pages)
    async with service.runtime.sessions() as session:
        held = (await session.scalars(select(DigestItem).where(DigestItem.reason == "rate_limit"))).all()
    assert held, "the approval requests beyond the limit wait in the digest"
    assert {item.kind for item in held} == {"approval_request"}

"""Issue 12 at the notifier: a "perlu ditinjau" classification asks the unit's Humas ONCE to decide crisis or
not (its Kanwil when the unit has no Humas on file); news-feed items only with TANGGAP_TRIAGE_NOTIFY_FEEDS;
once triaged as a crisis, the normal routing by level applies. Real nats-server, real consumer."""

import uuid
from typing import Any

from tanggap_notifier.models import Delivery, DigestItem, Timer
from tanggap_shared.contracts import Category, Channel
from tanggap_shared.events import IncidentClassified, NotificationSent

from .test_notifier_handler import CIPINANG, LEVEL_2_TEAM, classified, publish, rows, settled, stream_events

HUMAS = "dki-lapas-cipinang-humas"
KANWIL = "kanwil-dki-supervisor"


def unsure(**overrides: Any) -> IncidentClassified:
    """The classifier is unsure this is routine: not a crisis (yet), a person must look."""
    return classified(
        level=1,
        crisis=False,
        category=Category.ESCAPE,
        needs_review=True,
        review_reasons=["Kata 'kabur' tanpa keterangan siapa dan berapa"],
        **overrides,
    )


async def test_one_low_priority_notice_to_the_humas_and_never_again_while_it_waits(service: Any) -> None:
    runtime = service.runtime
    first = unsure()
    again = unsure(incident_id=first.incident_id, report=first.report, trigger="update")
    await publish(runtime, first, first)  # a redelivery JetStream cannot dedupe
    await settled(runtime)
    await publish(runtime, again)
    await settled(runtime)

    (row,) = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    assert (row.person_id, row.kind, row.status) == (HUMAS, "triage_needed", "sent")
    assert row.level == 1, "a level-1 question is sent, not held for a daily digest"
    (line,) = service.sink_lines()
    assert line["title"] == "Tanggap: Perlu ditinjau (Lapas Kelas I Cipinang)"
    assert "Perlu ditinjau: laporan dari Lapas Kelas I Cipinang" in line["body"]
    assert (
        f"Putuskan: krisis atau bukan krisis: http://konsol.test/incidents/{first.incident_id}"
        in line["body"]
    )
    assert "kabur" not in line["body"], "no words from the report leave the console"
    assert await rows(runtime, Timer, incident_id=str(first.incident_id)) == [], "not an escalation"
    assert await rows(runtime, DigestItem, incident_id=str(first.incident_id)) == []
    sent = [e for e in await stream_events(runtime) if isinstance(e, NotificationSent)]
    assert [(e.recipient.person_id, e.incident_id) for e in sent] == [(HUMAS, first.incident_id)]


async def test_a_unit_without_humas_asks_its_kanwil(service: Any) -> None:
    runtime = service.runtime
    salemba = CIPINANG.model_copy(update={"code": "DKI-LAPAS-SALEMBA", "name": "Lapas Kelas IIA Salemba"})
    event = unsure(unit=salemba)
    await publish(runtime, event)
    await settled(runtime)

    (row,) = await rows(runtime, Delivery, incident_id=str(event.incident_id))
    assert (row.person_id, row.kind, row.status) == (KANWIL, "triage_needed", "sent")
    assert row.gap_note == "roster gap: DKI-LAPAS-SALEMBA has no koordinator_humas"
    (line,) = service.sink_lines()
    assert "belum ada Koordinator Humas untuk Lapas Kelas IIA Salemba" in line["body"]


async def test_a_feed_item_enters_the_queue_silently(service: Any) -> None:
    runtime = service.runtime
    event = unsure()
    event = event.model_copy(update={"report": event.report.model_copy(update={"channel": Channel.FEED})})
    await publish(runtime, event)
    await settled(runtime)
    assert await rows(runtime, Delivery, incident_id=str(event.incident_id)) == []
    assert service.sink_lines() == []


async def test_a_feed_item_is_asked_about_when_the_setting_is_on(service_factory: Any) -> None:
    service = await service_factory(triage_notify_feeds=True)
    event = unsure()
    event = event.model_copy(update={"report": event.report.model_copy(update={"channel": Channel.FEED})})
    await publish(service.runtime, event)
    await settled(service.runtime)
    (row,) = await rows(service.runtime, Delivery, incident_id=str(event.incident_id))
    assert (row.person_id, row.kind) == (HUMAS, "triage_needed")


async def test_triaged_as_crisis_the_normal_routing_applies(service: Any) -> None:
    runtime = service.runtime
    first = unsure()
    await publish(runtime, first)
    await settled(runtime)
    crisis = classified(
        level=2,
        incident_id=first.incident_id,
        report=first.report,
        category=Category.ESCAPE,
        trigger="triage",
        event_id=uuid.uuid4(),
    )
    await publish(runtime, crisis)
    await settled(runtime)

    deliveries = await rows(runtime, Delivery, incident_id=str(first.incident_id))
    assert sorted((r.kind, r.person_id) for r in deliveries) == sorted(
        [("triage_needed", HUMAS)] + [("incident_new", p) for p in LEVEL_2_TEAM]
    )
    assert any(t.kind == "escalation" for t in await rows(runtime, Timer, incident_id=str(first.incident_id)))


async def test_no_notice_for_a_classification_that_answers_a_triage(service: Any) -> None:
    runtime = service.runtime
    event = unsure(trigger="triage")
    await publish(runtime, event)
    await settled(runtime)
    assert await rows(runtime, Delivery, incident_id=str(event.incident_id)) == []

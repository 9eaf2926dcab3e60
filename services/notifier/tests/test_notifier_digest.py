"""Issue 13 item 6: one approval request per incident and approver, listing the drafts that wait.

A level-4 incident brings seven draft.proposed events; the Ditjenpas approver gets the alert and ONE
request, a draft that comes later one more request of what arrived since, never one message per draft.
Real nats-server, the real consumer; the gathering window is a durable timer driven through the
scheduler (fire_due), as the other timer tests do.
"""

import asyncio
import json
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats

from tanggap_notifier.models import ApprovalRequest, Delivery, DigestItem, Timer
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import (
    DraftProposed,
    DraftReviewed,
    EventBase,
    Finding,
    IncidentClassified,
    NotificationSent,
)
from tanggap_shared.messaging import STREAM_NAME

from . import test_notifier_processes as processes
from .test_notifier_handler import CIPINANG, classified, publish, rows, settled, stream_events
from .test_notifier_processes import Notifier, sink, wait_until

# The throwaway database both processes share (PostgreSQL with TANGGAP_TEST_POSTGRES_URL, else SQLite).
shared_database = processes.shared_database

PUSAT = "ditjenpas-pusat"
SEVEN = (
    DraftKind.HOLDING_STATEMENT,
    DraftKind.PRESS_RELEASE,
    DraftKind.KEY_MESSAGES,
    DraftKind.QA,
    DraftKind.SOCIAL_POST,
    DraftKind.ESCALATION_REPORT,
    DraftKind.CRISIS_PLAN,
)
SEVEN_TITLES = [
    "Pernyataan awal (holding statement)",
    "Siaran pers",
    "Pesan kunci",
    "Lembar tanya-jawab",
    "Konten media sosial",
    "Laporan eskalasi internal",
    "Rencana komunikasi krisis",
]


def proposal(incident_id: uuid.UUID, kind: DraftKind, level: int = 4, **overrides: Any) -> DraftProposed:
    fields: dict[str, Any] = {
        "incident_id": incident_id,
        "producer": "drafter",
        "draft_id": uuid.uuid4(),
        "kind": kind,
        "level": level,
        "unit": CIPINANG,
        "text": "…",
        "method": "template",
    }
    return DraftProposed.model_validate(fields | overrides)


def review(draft: DraftProposed, decision: str = "approved") -> DraftReviewed:
    return DraftReviewed.model_validate(
        {
            "incident_id": draft.incident_id,
            "producer": "intake",
            "draft_id": draft.draft_id,
            "kind": draft.kind,
            "decision": decision,
            "reviewer": "Contoh: Pusat",
            "text": "…",
        }
    )


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def to_pusat(service: Any) -> list[dict[str, str]]:
    return [line for line in service.sink_lines() if line["recipient"] == PUSAT]


async def requests_of(service: Any, incident_id: uuid.UUID) -> list[ApprovalRequest]:
    found = await rows(service.runtime, ApprovalRequest, incident_id=str(incident_id))
    return sorted(found, key=lambda r: r.round)


async def request_timers(service: Any, incident_id: uuid.UUID, kind: str) -> list[Timer]:
    """The approval requests' timers of this kind (the alert has an escalation timer of its own)."""
    found = await rows(service.runtime, Timer, incident_id=str(incident_id))
    return [t for t in found if t.kind == kind and t.key.startswith("approval:")]


def requests_sent(service: Any) -> list[dict[str, str]]:
    return [line for line in to_pusat(service) if "Permintaan persetujuan" in line["title"]]


async def level_4_with_seven_drafts(service: Any, *, twice: bool = False) -> list[DraftProposed]:
    """A level-4 crisis and its seven drafts through the broker (each copy twice when `twice`)."""
    incident = classified(level=4)
    findings = [Finding(code="identity", severity="blocking", message="nama lengkap")]
    drafts = [proposal(incident.incident_id, kind) for kind in SEVEN]
    drafts[1] = drafts[1].model_copy(update={"findings": findings})
    events = [incident, *drafts]
    # Without a message id JetStream keeps both copies: the consumer sees each event twice.
    await publish(service.runtime, *(events * 2 if twice else events))
    await settled(service.runtime)
    return drafts


async def test_a_level_4_incident_with_seven_drafts_sends_the_approver_one_request(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service)
    incident_id = drafts[0].incident_id
    # While the window is open, the approver has the alert only; the seven drafts wait in one request.
    assert [line["title"] for line in to_pusat(service)] == [
        "Tanggap: Krisis Level 4 (Sangat Tinggi / Nasional) di Lapas Kelas I Cipinang"
    ]
    (gathering,) = await requests_of(service, incident_id)
    assert (gathering.status, gathering.person_id, len(gathering.drafts)) == ("gathering", PUSAT, 7)

    assert await service.handler.scheduler.fire_due(later(30)) == 1
    _alert, request = to_pusat(service)
    assert request["title"] == "Tanggap: Permintaan persetujuan: 7 draf (Lapas Kelas I Cipinang)"
    listed = [line[2:] for line in request["body"].splitlines() if line.startswith("- ")]
    assert listed == [
        SEVEN_TITLES[0],
        f"{SEVEN_TITLES[1]} (1 temuan wajib diperbaiki)",
        *SEVEN_TITLES[2:],
    ]
    assert request["body"].count(f"http://konsol.test/incidents/{incident_id}") == 1
    # One notification row per request, saying what it was for; one escalation, of the request.
    (row,) = [
        r
        for r in await rows(service.runtime, Delivery, incident_id=str(incident_id))
        if r.person_id == PUSAT
        if r.kind != "incident_new"
    ]
    assert (row.kind, row.trigger_type, row.status) == (
        "approval_request",
        "notifier.approval_request",
        "sent",
    )
    (escalation,) = await request_timers(service, incident_id, "escalation")
    assert escalation.key == f"approval:{row.trigger_event_id}"
    assert escalation.payload["about"] == "permintaan persetujuan: 7 draf"
    await service.runtime.relay.flush()
    sent = [e for e in await stream_events(service.runtime) if isinstance(e, NotificationSent)]
    assert [e.trigger_type for e in sent if e.recipient.person_id == PUSAT] == [
        "incident.classified",
        "notifier.approval_request",
    ]
    # The window fires once: later rounds of the watchdog send nothing more.
    assert await service.handler.scheduler.fire_due(later(60)) == 0
    assert len(to_pusat(service)) == 2


async def test_a_late_draft_goes_out_as_one_more_request_not_one_per_draft(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service)
    incident_id = drafts[0].incident_id
    await service.handler.scheduler.fire_due(later(30))
    assert len(to_pusat(service)) == 2

    # The LLM versions of two drafts arrive after the request went out.
    late = [
        proposal(incident_id, DraftKind.HOLDING_STATEMENT, method="llm"),
        proposal(incident_id, DraftKind.PRESS_RELEASE, method="llm"),
    ]
    await publish(service.runtime, *late)
    await settled(service.runtime)
    assert len(to_pusat(service)) == 2, "nothing is paged per draft"
    await service.handler.scheduler.fire_due(later(30))

    titles = [line["title"] for line in to_pusat(service)]
    assert titles[1:] == [
        "Tanggap: Permintaan persetujuan: 7 draf (Lapas Kelas I Cipinang)",
        "Tanggap: Tambahan Permintaan persetujuan: 2 draf (Lapas Kelas I Cipinang)",
    ]
    body = to_pusat(service)[2]["body"]
    assert body.startswith("2 draf baru menunggu persetujuan Anda, sejak permintaan sebelumnya:\n")
    assert "- Pernyataan awal (holding statement) (versi AI)\n- Siaran pers (versi AI)\n" in body
    assert [(r.round, r.status, len(r.drafts)) for r in await requests_of(service, incident_id)] == [
        (1, "requested", 7),
        (2, "requested", 2),
    ]


async def test_redelivered_events_and_racing_watchdogs_send_each_request_once(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service, twice=True)
    incident_id = drafts[0].incident_id
    # The drafter proposing the same draft again (a new event id) does not list it twice either.
    again = drafts[0].model_copy(update={"event_id": uuid.uuid4()})
    await publish(service.runtime, again)
    await settled(service.runtime)

    moment = later(30)
    fired = await asyncio.gather(*(service.handler.scheduler.fire_due(moment) for _ in range(3)))
    assert sum(fired) == 1
    assert await service.handler.scheduler.fire_due(later(60)) == 0
    assert [line["title"] for line in to_pusat(service)] == [
        "Tanggap: Krisis Level 4 (Sangat Tinggi / Nasional) di Lapas Kelas I Cipinang",
        "Tanggap: Permintaan persetujuan: 7 draf (Lapas Kelas I Cipinang)",
    ]
    (request,) = await requests_of(service, incident_id)
    assert sorted(d["draft_id"] for d in request.drafts) == sorted(str(d.draft_id) for d in drafts)
    assert len(service.sink_lines()) == 5, "the four alerts and one request"


async def test_reviews_stop_the_escalation_draft_by_draft_and_end_the_request(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service)
    incident_id = drafts[0].incident_id
    await service.handler.scheduler.fire_due(later(30))

    # Six reviewed (approved or rejected): the escalation still waits, for the one draft left.
    await publish(
        service.runtime, *(review(d, "approved" if i % 2 else "rejected") for i, d in enumerate(drafts[:6]))
    )
    await settled(service.runtime)
    (escalation,) = await request_timers(service, incident_id, "escalation")
    assert (escalation.status, escalation.payload["about"]) == ("pending", "permintaan persetujuan: 1 draf")
    (request,) = await requests_of(service, incident_id)
    assert request.status == "requested"

    await publish(service.runtime, review(drafts[6]))
    await settled(service.runtime)
    (escalation,) = await request_timers(service, incident_id, "escalation")
    assert escalation.status == "cancelled"
    (request,) = await requests_of(service, incident_id)
    assert request.status == "done"
    await service.handler.scheduler.fire_due(later(3600))
    kinds = {r.kind for r in await rows(service.runtime, Delivery, incident_id=str(incident_id))}
    assert "escalation" not in kinds


async def test_an_unanswered_request_escalates_once_naming_what_still_waits(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service)
    incident_id = drafts[0].incident_id
    await service.handler.scheduler.fire_due(later(30))
    await publish(service.runtime, *(review(d) for d in drafts[:4]))
    await settled(service.runtime)

    await service.handler.scheduler.fire_due(later(11 * 60))  # level 4: 10 minutes to acknowledge
    escalations = [
        r
        for r in await rows(service.runtime, Delivery, incident_id=str(incident_id))
        if r.kind == "escalation"
    ]
    assert escalations, "somebody further up is told"
    assert {r.trigger_type for r in escalations} == {"notifier.escalation"}
    assert all("permintaan persetujuan: 3 draf" in r.body for r in escalations)
    assert len({r.trigger_event_id for r in escalations}) == 1, "one step of one request's chain"


async def test_drafts_reviewed_inside_the_window_send_nothing(service: Any) -> None:
    drafts = await level_4_with_seven_drafts(service)
    await publish(service.runtime, *(review(d) for d in drafts))
    await settled(service.runtime)
    await service.handler.scheduler.fire_due(later(30))
    assert requests_sent(service) == []
    (request,) = await requests_of(service, drafts[0].incident_id)
    assert request.status == "cancelled"


async def test_a_level_1_request_waits_in_the_digest_as_one_item(service: Any) -> None:
    incident = classified(level=1)
    drafts = [proposal(incident.incident_id, kind, level=1) for kind in SEVEN[:3]]
    await publish(service.runtime, incident, *drafts)
    await settled(service.runtime)
    await service.handler.scheduler.fire_due(later(30))
    assert service.sink_lines() == []
    items = [i for i in await rows(service.runtime, DigestItem) if i.kind == "approval_request"]
    assert [(i.person_id, i.line.split(" — ")[0]) for i in items] == [
        ("dki-lapas-cipinang-ketua", "Tanggap: Permintaan persetujuan: 3 draf (Lapas Kelas I Cipinang)")
    ]


# -- real processes: a restart inside the window, two processes on one database ---------------------------


def process_env(nats_url: str, team_file: Path, **extra: str) -> dict[str, str]:
    return {
        "TANGGAP_BROKER_URL": nats_url,
        "TANGGAP_DIRECTORY_FILE": str(team_file),
        "TANGGAP_TIMER_INTERVAL_SECONDS": "0.3",
        "TANGGAP_RESUME_INTERVAL_SECONDS": "0.5",
        "TANGGAP_DELIVERY_LEASE_SECONDS": "10",
        "TANGGAP_LINK_SECRET": "test-secret",
        "TANGGAP_LOG_JSON": "true",
    } | extra


async def publish_raw(url: str, *events: EventBase) -> None:
    """Plain JetStream publishes without a message id: a copy published twice is delivered twice."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        for event in events:
            await js.publish(event.subject, event.model_dump_json().encode(), stream=STREAM_NAME)
    finally:
        await connection.close()


def small_team_incident() -> tuple[IncidentClassified, list[DraftProposed]]:
    incident = classified(level=4)
    return incident, [proposal(incident.incident_id, kind) for kind in SEVEN]


def requests_in(state: Path, person: str = "pusat") -> list[dict[str, str]]:
    return [m for m in sink(state) if m["recipient"] == person and "Permintaan persetujuan" in m["title"]]


def gathered(database: Path) -> tuple[str, int, datetime] | None:
    """The status, draft count and window end of the (one) approval request, if it is stored yet."""
    if not database.exists():
        return None
    with sqlite3.connect(database) as db:
        try:
            found = db.execute("SELECT status, drafts, due_at FROM notifier_approval_requests").fetchall()
        except sqlite3.OperationalError:  # the schema is not created yet
            return None
    if len(found) != 1:
        return None
    status, drafts, due = found[0]
    moment = datetime.fromisoformat(str(due))
    return str(status), len(json.loads(drafts)), moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_a_notifier_killed_inside_the_window_sends_the_request_once_after_restart(
    fresh_nats: NatsServer, tmp_path: Path, team_file: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = process_env(fresh_nats.url, team_file, TANGGAP_APPROVAL_DIGEST_SECONDS="8")
    database = state / "notifier.db"
    notifier = Notifier(state, env)
    try:
        incident, drafts = small_team_incident()
        await publish_raw(fresh_nats.url, incident, *drafts)
        ready = lambda: (gathered(database) or ("", 0))[:2] == ("gathering", 7)  # noqa: E731
        wait_until(ready, 30, lambda: f"no request gathered: {gathered(database)}")
        wait_until(lambda: len(sink(state)) == 4, 30, lambda: f"no alerts: {sink(state)}")
        notifier.kill()
        stored = gathered(database)
        assert stored is not None
        assert stored[0] == "gathering", "killed inside the window"
        assert requests_in(state) == []
        time.sleep(max(0.0, (stored[2] - datetime.now(UTC)).total_seconds()) + 0.5)  # due while down

        notifier = Notifier(state, env)
        wait_until(lambda: bool(requests_in(state)), 30, lambda: f"no request: {sink(state)}")
        time.sleep(1.5)  # several watchdog and resume rounds: a second copy would show now
        (request,) = requests_in(state)
        assert request["title"] == "Tanggap: Permintaan persetujuan: 7 draf (Lapas Kelas I Cipinang)"
        assert len(sink(state)) == 5, "the four alerts and the one request"
    finally:
        notifier.stop()


async def test_two_processes_send_one_request_for_events_delivered_twice(
    fresh_nats: NatsServer, tmp_path: Path, team_file: Path, shared_database: str
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    env = process_env(
        fresh_nats.url,
        team_file,
        TANGGAP_APPROVAL_DIGEST_SECONDS="2",
        TANGGAP_DATABASE_URL=shared_database,
        TANGGAP_CONSUMER_BATCH="2",
    )
    first = Notifier(state, env)
    second = Notifier(state, env)
    try:
        incidents = [small_team_incident() for _ in range(3)]
        events: list[EventBase] = [e for incident, drafts in incidents for e in (incident, *drafts)]
        await publish_raw(fresh_nats.url, *events, *events)
        wanted = len(incidents)
        wait_until(lambda: len(requests_in(state)) >= wanted, 60, lambda: f"{requests_in(state)}")
        time.sleep(1.5)  # redeliveries, watchdogs and resume sweeps of both processes: a copy would show
        requests = requests_in(state)
        assert len(requests) == wanted
        assert {m["title"] for m in requests} == {
            "Tanggap: Permintaan persetujuan: 7 draf (Lapas Kelas I Cipinang)"
        }
        about = {m["body"].split("/incidents/")[1].split()[0] for m in requests}
        assert about == {str(incident.incident_id) for incident, _ in incidents}
        assert len(sink(state)) == 5 * wanted, "per incident: four alerts and one request"
    finally:
        first.stop()
        second.stop()

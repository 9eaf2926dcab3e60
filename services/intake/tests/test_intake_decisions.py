"""Human decisions over HTTP: draft review, draft requests, level overrides, acknowledgements, the life
cycle; each one lands in the read model and on the stream once."""

import asyncio
import time
import uuid
from typing import Any

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import select

from tanggap_intake.decisions import blocking_left
from tanggap_shared.contracts import Category, DraftKind, Role, Tier
from tanggap_shared.db import OutboxEntry
from tanggap_shared.events import (
    CrisisTeamFormed,
    DraftProposed,
    DraftReviewed,
    Finding,
    IncidentClassified,
    Recipient,
    ReportSnapshot,
    TeamMember,
    UnitRef,
    utcnow,
)
from tanggap_shared.tokens import ack_token, link_secret

from .conftest import apply, drafter_checked, incident, notification_sent, published, report, runtime_of

UNIT = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")
DRAFT_TEXT = "Lapas Kelas I Cipinang menyampaikan bahwa 12 warga binaan terlibat keributan."


def classified(
    incident_id: str, level: int, category: Category = Category.UNREST, **extra: Any
) -> IncidentClassified:
    return IncidentClassified(
        incident_id=uuid.UUID(incident_id),
        producer="classifier",
        unit=UNIT,
        report=ReportSnapshot(report_id=uuid.uuid4(), text="x", received_at=utcnow()),
        crisis=True,
        level=level,
        category=category,
        policy_version="test-1",
        **extra,
    )


def proposed(incident_id: str, findings: list[Finding]) -> DraftProposed:
    return DraftProposed(
        incident_id=uuid.UUID(incident_id),
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=DraftKind.HOLDING_STATEMENT,
        level=3,
        unit=UNIT,
        text=DRAFT_TEXT,
        method="template",
        findings=findings,
    )


UNSUPPORTED = Finding(
    code="unsupported_number",
    severity="blocking",
    message="Angka “12” tidak ada dalam laporan.",
    excerpt="menyampaikan bahwa 12 warga binaan terlibat",
)


async def _new_incident(client: httpx.AsyncClient, text: str = "Terjadi keributan di blok hunian.") -> str:
    return str((await report(client, "DKI-LAPAS-CIPINANG", text))["incident_id"])


async def test_approval_is_refused_while_a_blocking_finding_is_still_in_the_text(
    intake: httpx.AsyncClient,
) -> None:
    incident_id = await _new_incident(intake)
    draft = proposed(incident_id, [UNSUPPORTED])
    await apply(intake, draft)
    url = f"/v1/drafts/{draft.draft_id}/review"

    refused = await intake.post(url, json={"decision": "approved", "reviewer": "Budi (Humas)"})
    assert refused.status_code == 422
    assert "unsupported_number" in refused.json()["message"]
    assert "menyampaikan bahwa 12 warga binaan" in refused.json()["message"]
    assert refused.json()["detail"][0]["excerpt"] == UNSUPPORTED.excerpt
    nameless = await intake.post(url, json={"decision": "approved", "reviewer": "  "})
    assert nameless.status_code == 422
    assert nameless.json()["detail"][0]["field"] == "reviewer"

    edited = "Lapas Kelas I Cipinang menyampaikan bahwa sejumlah warga binaan terlibat keributan."
    first_statements = (
        REGISTRY.get_sample_value(
            "tanggap_time_to_first_statement_seconds_count", {"kind": "holding_statement"}
        )
        or 0.0
    )
    approval = {
        "decision": "approved",
        "reviewer": "Budi (Humas)",
        "text": edited,
        "comment": "angka dihapus",
    }
    waiting = await intake.post(url, json=approval)
    assert waiting.status_code == 409, "an edited text waits for the drafter's check (issue 13)"
    await drafter_checked(intake, str(draft.draft_id))
    approved = await intake.post(url, json=approval)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["reviewed_by"], body["final_text"]) == ("approved", "Budi (Humas)", edited)
    assert body["text"] == DRAFT_TEXT, "the proposal stays as it was proposed"
    after = REGISTRY.get_sample_value(
        "tanggap_time_to_first_statement_seconds_count", {"kind": "holding_statement"}
    )
    assert after == first_statements + 1, "the incident's first approved statement is measured once"

    again = await intake.post(url, json={"decision": "rejected", "reviewer": "Ani"})
    assert again.status_code == 409
    assert "already approved by Budi" in again.json()["message"]
    assert (
        await intake.post(f"/v1/drafts/{uuid.uuid4()}/review", json={"decision": "approved", "reviewer": "A"})
    ).status_code == 404

    events = await published(intake, "draft.reviewed", incident_id)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, DraftReviewed)
    assert (event.decision, event.reviewer, event.text, event.comment) == (
        "approved",
        "Budi (Humas)",
        edited,
        "angka dihapus",
    )
    assert event.kind is DraftKind.HOLDING_STATEMENT
    view = await incident(intake, incident_id)
    assert view["drafts"][0]["status"] == "approved"
    assert [t["kind"] for t in view["timeline"]].count("draft.reviewed") == 1


async def test_rejection_needs_no_edit_and_is_published(intake: httpx.AsyncClient) -> None:
    incident_id = await _new_incident(intake)
    draft = proposed(incident_id, [UNSUPPORTED])
    await apply(intake, draft)
    r = await intake.post(
        f"/v1/drafts/{draft.draft_id}/review",
        json={"decision": "rejected", "reviewer": "Ani", "comment": "nada salah"},
    )
    assert r.status_code == 200
    assert r.json()["status"] == "rejected"
    async with runtime_of(intake).sessions() as session:
        row = await session.scalar(select(OutboxEntry).where(OutboxEntry.subject == "tanggap.draft.reviewed"))
    assert row is not None
    assert '"decision":"rejected"' in row.payload


def test_a_blocking_finding_without_excerpt_is_lifted_only_by_an_edit() -> None:
    finding = {"code": "identity", "severity": "blocking", "message": "Nama anak disebut.", "excerpt": ""}
    assert blocking_left([finding], "teks", edited=False) == [finding]
    assert blocking_left([finding], "teks baru", edited=True) == []
    spaced = {**UNSUPPORTED.model_dump(), "excerpt": "bahwa 12   warga"}
    assert blocking_left([spaced], "Kami sampaikan bahwa 12\nwarga binaan", edited=True) == [spaced]
    warning = {**spaced, "severity": "warning"}
    assert blocking_left([warning], "bahwa 12 warga", edited=False) == []


async def test_a_dpo_notice_is_only_for_an_escape(intake: httpx.AsyncClient) -> None:
    incident_id = await _new_incident(intake)
    await apply(intake, classified(incident_id, 3, Category.UNREST))
    url = f"/v1/incidents/{incident_id}/drafts"
    refused = await intake.post(url, json={"kind": "dpo_notice", "requested_by": "Budi"})
    assert refused.status_code == 422
    assert "only for an escape" in refused.json()["message"]
    assert "unrest" in refused.json()["message"]

    escape_id = await _new_incident(intake, "Dua tahanan kabur lewat gorong-gorong.")
    await apply(intake, classified(escape_id, 3, Category.ESCAPE))
    accepted = await intake.post(
        f"/v1/incidents/{escape_id}/drafts",
        json={"kind": "dpo_notice", "requested_by": "Budi", "note": "inisial saja"},
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["kind"] == "dpo_notice"
    events = await published(intake, "draft.requested", escape_id)
    assert [(e.kind, e.requested_by, e.note) for e in events] == [
        (DraftKind.DPO_NOTICE, "Budi", "inisial saja")
    ]  # type: ignore[union-attr]
    bad_kind = await intake.post(url, json={"kind": "poem", "requested_by": "Budi"})
    assert bad_kind.status_code == 422
    assert (
        await intake.post(f"/v1/incidents/{uuid.uuid4()}/drafts", json={"kind": "qa", "requested_by": "B"})
    ).status_code == 404


async def test_an_override_stands_over_later_automatic_levels(intake: httpx.AsyncClient) -> None:
    incident_id = await _new_incident(intake)
    await apply(intake, classified(incident_id, 2))
    assert (await incident(intake, incident_id))["level_source"] == "classifier"

    r = await intake.post(
        f"/v1/incidents/{incident_id}/level",
        json={
            "level": 4,
            "reason": "Sandera masih ditahan, media internasional",
            "overridden_by": "Kadivpas DKI",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["level"], body["level_source"]) == (4, "override")
    assert body["level_override"]["by"] == "Kadivpas DKI"
    assert body["level_override"]["reason"].startswith("Sandera")
    assert body["level_override"]["previous_level"] == 2

    await apply(intake, classified(incident_id, 3, trigger="update"))
    later = await incident(intake, incident_id)
    assert (later["level"], later["level_source"], later["classifier_level"]) == (4, "override", 3)
    assert "ditetapkan manual oleh Kadivpas DKI" in later["timeline"][-1]["summary"]

    await intake.post(
        f"/v1/incidents/{incident_id}/level",
        json={"level": 2, "reason": "Sandera dibebaskan", "overridden_by": "Kakanwil"},
    )
    assert (await incident(intake, incident_id))["level"] == 2
    events = await published(intake, "incident.level_overridden", incident_id, expect=2)
    assert [(e.level, e.previous_level) for e in events] == [(4, 2), (2, 4)]  # type: ignore[union-attr]

    for payload in (
        {"level": 5, "reason": "x", "overridden_by": "A"},
        {"level": 3, "reason": "", "overridden_by": "A"},
    ):
        assert (await intake.post(f"/v1/incidents/{incident_id}/level", json=payload)).status_code == 422


async def test_acknowledgement_by_link_api_and_twice_is_once(intake: httpx.AsyncClient) -> None:
    incident_id = await _new_incident(intake)
    sent = notification_sent(incident_id, "Kepala Lapas")
    notification_id = sent.notification_id
    await apply(intake, sent)
    settings = intake.app.state.settings  # type: ignore[attr-defined]
    secret = link_secret(settings.link_secret, settings.state_dir)
    token = ack_token(secret, notification_id, ttl_seconds=600)

    page = await intake.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "Konfirmasi bahwa saya sudah menerima" in page.text, "a GET shows the button, nothing more"
    nonce = page.text.split('name="nonce" value="')[1].split('"')[0]
    done = await intake.post(f"/ack/{token}", data={"nonce": nonce})
    assert done.status_code == 200
    assert "Terima kasih, pemberitahuan sudah dikonfirmasi" in done.text
    second = await intake.post(f"/ack/{token}", data={"nonce": nonce})
    assert "sudah dikonfirmasi sebelumnya oleh Kepala Lapas" in second.text
    machine = await intake.post(
        f"/v1/notifications/{notification_id}/acknowledge", json={"acknowledged_by": "bot"}
    )
    assert machine.status_code == 200
    assert machine.json()["already"] is True
    assert machine.json()["acknowledged_by"] == "Kepala Lapas"

    view = await incident(intake, incident_id)
    assert [(n["status"], n["acknowledged_by"]) for n in view["notifications"]] == [
        ("acknowledged", "Kepala Lapas")
    ]
    events = await published(intake, "notification.acknowledged", incident_id)
    assert len(events) == 1

    expired = ack_token(secret, notification_id, ttl_seconds=60, now=time.time() - 3600)
    for bad in (expired, token[:-4] + "AAAA", "rubbish"):
        refused = await intake.post(f"/ack/{bad}", data={"nonce": nonce})
        assert refused.status_code in (400, 410)
        assert "Tautan" in refused.text
    unknown = await intake.post(
        f"/v1/notifications/{uuid.uuid4()}/acknowledge", json={"acknowledged_by": "bot"}
    )
    assert unknown.status_code == 404


async def test_closing_needs_the_authority_of_the_level(intake: httpx.AsyncClient) -> None:
    incident_id = await _new_incident(intake)
    await apply(intake, classified(incident_id, 3))
    url = f"/v1/incidents/{incident_id}/close"
    declaration = "Situasi kondusif, seluruh WBP dalam kamar hunian, tidak ada pemberitaan lanjutan."

    refused = await intake.post(
        url, json={"closed_by": "Kalapas", "role": "ketua", "declaration": declaration}
    )
    assert refused.status_code == 403
    assert "supervisor, pusat" in refused.json()["message"]
    assert (
        await intake.post(url, json={"closed_by": "X", "role": "raja", "declaration": "y"})
    ).status_code == 422
    assert (
        await intake.post(url, json={"closed_by": "X", "role": "pusat", "declaration": " "})
    ).status_code == 422

    closed = await intake.post(
        url, json={"closed_by": "Kadivpas", "role": "supervisor", "declaration": declaration}
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["phase"], body["closed_by"]) == ("ditutup", "Kadivpas")
    assert (
        await intake.post(url, json={"closed_by": "A", "role": "pusat", "declaration": "lagi"})
    ).status_code == 409
    assert [e.declaration for e in await published(intake, "incident.closed", incident_id)] == [declaration]  # type: ignore[union-attr]
    phases = await published(intake, "incident.phase_changed", incident_id)
    assert [(e.previous_phase, e.phase) for e in phases] == [("krisis", "ditutup")]  # type: ignore[union-attr]
    level_four = await _new_incident(intake, "Kerusuhan meluas")
    await apply(intake, classified(level_four, 4))
    r = await intake.post(
        f"/v1/incidents/{level_four}/close", json={"closed_by": "K", "role": "supervisor", "declaration": "d"}
    )
    assert r.status_code == 403
    assert "only be closed by: pusat" in r.json()["message"]


async def test_phases_move_with_who_and_why_and_krisis_needs_the_self_assessment(
    intake: httpx.AsyncClient,
) -> None:
    accepted = await report(intake, "DKI-LAPAS-CIPINANG", "Beredar isu pungli kunjungan di media sosial.")
    incident_id = accepted["incident_id"]
    url = f"/v1/incidents/{incident_id}/phase"
    refused = await intake.post(
        url, json={"phase": "krisis", "changed_by": "Humas", "reason": "isu membesar"}
    )
    assert refused.status_code == 422
    assert "who, when, where" in refused.json()["message"]
    facts = {
        "what": "pungli kunjungan",
        "who": "oknum petugas",
        "when": "Senin pagi",
        "where": "ruang kunjungan",
    }
    patched = await intake.patch(
        f"/v1/reports/{accepted['report_id']}", json={"updated_by": "Humas", "facts": facts}
    )
    assert patched.status_code == 200, patched.text

    moved = await intake.post(url, json={"phase": "krisis", "changed_by": "Humas", "reason": "isu membesar"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["phase"] == "krisis"
    after = await intake.post(
        url, json={"phase": "pasca_krisis", "changed_by": "Kalapas", "reason": "klarifikasi terbit"}
    )
    assert after.json()["phase"] == "pasca_krisis"
    assert (
        await intake.post(url, json={"phase": "pasca_krisis", "changed_by": "A", "reason": "b"})
    ).status_code == 409
    to_closed = await intake.post(url, json={"phase": "ditutup", "changed_by": "A", "reason": "b"})
    assert to_closed.status_code == 422
    assert "/close" in to_closed.json()["message"]
    summaries = [t["summary"] for t in (await incident(intake, incident_id))["timeline"]]
    assert any("pra-krisis ke krisis oleh Humas: isu membesar" in s for s in summaries)
    assert any("krisis ke pasca-krisis oleh Kalapas" in s for s in summaries)


async def test_the_crisis_team_and_new_event_types_arrive_through_the_broker(
    intake: httpx.AsyncClient,
) -> None:
    incident_id = await _new_incident(intake)
    team = CrisisTeamFormed(
        incident_id=uuid.UUID(incident_id),
        producer="notifier",
        level=3,
        members=[
            TeamMember(
                recipient=Recipient(person_id="k1", name="Kakanwil", role=Role.SUPERVISOR, tier=Tier.REGION)
            ),
            TeamMember(
                recipient=Recipient(
                    person_id="h1", name="Humas Kanwil", role=Role.KOORDINATOR_HUMAS, tier=Tier.REGION
                ),
                stands_in_for=["juru_bicara"],
            ),
        ],
        gaps=["no ketua on file for DKI-LAPAS-CIPINANG"],
    )
    runtime = runtime_of(intake)
    for _ in range(2):
        await runtime.broker.publish(
            team.model_dump_json().encode(),
            team.subject,
            stream="TANGGAP",
            headers={"Nats-Msg-Id": str(uuid.uuid4())},
        )
    body: dict[str, Any] = {}
    for _ in range(100):
        body = await incident(intake, incident_id)
        if body["crisis_team"]:
            break
        await asyncio.sleep(0.05)
    assert body["crisis_team"]["level"] == 3
    assert [m["name"] for m in body["crisis_team"]["members"]] == ["Kakanwil", "Humas Kanwil"]
    assert body["crisis_team"]["members"][1]["stands_in_for"] == ["juru_bicara"]
    assert body["crisis_team"]["gaps"] == ["no ketua on file for DKI-LAPAS-CIPINANG"]
    await asyncio.sleep(0.3)
    kinds = [t["kind"] for t in (await incident(intake, incident_id))["timeline"]]
    assert kinds.count("crisis_team.formed") == 1

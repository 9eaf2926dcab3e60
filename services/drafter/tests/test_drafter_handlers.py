"""The drafter's consumers against a real nats-server: drafts out through the outbox, once; requests,
reviews (the learning loop) and closings."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from tanggap_drafter.app import Drafter
from tanggap_drafter.learning import approved_item_id
from tanggap_drafter.models import DraftRow, IncidentSnapshot
from tanggap_shared.contracts import Category, DraftKind, Role, Tier
from tanggap_shared.events import (
    CrisisTeamFormed,
    DraftProposed,
    DraftRequested,
    DraftReviewed,
    Fact,
    Facts,
    Impact,
    IncidentClassified,
    IncidentClosed,
    Recipient,
    ReportReading,
    TeamMember,
    derive_event_id,
)

from .conftest import in_stream as _in_stream
from .conftest import publish as _publish
from .conftest import settled as _settled

IncidentFactory = Callable[..., IncidentClassified]

PLAN_LEVEL_4 = [
    DraftKind.HOLDING_STATEMENT,
    DraftKind.PRESS_RELEASE,
    DraftKind.KEY_MESSAGES,
    DraftKind.QA,
    DraftKind.SOCIAL_POST,
    DraftKind.CRISIS_PLAN,
    DraftKind.ESCALATION_REPORT,
]


async def _proposed(drafter: Drafter, incident_id: uuid.UUID) -> list[DraftProposed]:
    bodies = await _in_stream(drafter, "tanggap.draft.proposed", incident_id)
    return [DraftProposed.model_validate_json(body) for body in bodies]


async def test_crisis_yields_a_holding_statement_and_a_press_release_once(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    await _publish(drafter, event)
    await _publish(drafter, event)  # a redelivery the broker cannot dedupe (new message id)
    await _settled(drafter)

    assert len(await _in_stream(drafter, event.subject, event.incident_id)) == 2
    proposed = await _proposed(drafter, event.incident_id)
    assert [p.kind for p in proposed] == PLAN_LEVEL_4
    for p in proposed:
        assert p.causation_id == event.event_id
        assert p.event_id == derive_event_id(event.event_id, "drafter", "draft.proposed", p.kind.value)
        assert p.draft_id == derive_event_id(event.event_id, "drafter", p.kind.value)
        assert p.method == "template"
        assert p.level == event.level
        assert p.unit == event.unit
        assert p.sources
        assert not [f for f in p.findings if f.severity == "blocking"]
        assert "lapas kelas iia palopo" in p.text.lower()
    assert any(f.code == "placeholder" for f in proposed[0].findings)

    async with drafter.runtime.sessions() as session:
        rows = (await session.scalars(select(DraftRow))).all()
        snapshot = await session.get(IncidentSnapshot, str(event.incident_id))
    assert sorted((r.kind, r.method) for r in rows) == sorted((k.value, "template") for k in PLAN_LEVEL_4)
    assert {r.id for r in rows} == {str(p.draft_id) for p in proposed}
    assert all(r.sources for r in rows)
    assert snapshot is not None
    assert snapshot.event_id == str(event.event_id)


async def test_no_drafts_for_news_that_is_not_a_crisis(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident(crisis=False, level=1)
    await _publish(drafter, event)
    await _settled(drafter)

    assert await _proposed(drafter, event.incident_id) == []
    async with drafter.runtime.sessions() as session:
        assert (await session.scalars(select(DraftRow))).all() == []


async def test_a_reclassification_drafts_again_only_when_something_changed(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    first = make_incident(level=2)
    same = first.model_copy(update={"event_id": uuid.uuid4(), "trigger": "spike"})
    higher = first.model_copy(update={"event_id": uuid.uuid4(), "level": 3, "previous_level": 2})
    for event in (first, same, higher):
        await _publish(drafter, event)
        await _settled(drafter)
    proposed = await _proposed(drafter, first.incident_id)
    causes = [p.causation_id for p in proposed]
    assert first.event_id in causes
    assert same.event_id not in causes
    assert DraftKind.ESCALATION_REPORT in [p.kind for p in proposed if p.causation_id == higher.event_id]


def _escape(make_incident: IncidentFactory) -> IncidentClassified:
    return make_incident(
        level=4,
        category=Category.ESCAPE,
        secondary_categories=[],
        text="Dua tahanan kabur dari Lapas Palopo dini hari, salah satunya Andi Saputra.",
        facts=Facts(
            what=Fact(value="pelarian dua tahanan dari blok hunian", verified=True),
            who=Fact(value="Andi Saputra dan Joko Susilo", verified=True),
        ),
        impact=Impact(escapees=2),
    )


async def test_a_dpo_notice_is_drafted_on_request_for_an_escape_only(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    escape = _escape(make_incident)
    riot = make_incident()
    for event in (escape, riot):
        await _publish(drafter, event)
    await _settled(drafter)
    for event in (escape, riot):
        request = DraftRequested(
            incident_id=event.incident_id,
            producer="intake",
            kind=DraftKind.DPO_NOTICE,
            requested_by="Kepala Lapas",
            note="Umumkan pencarian Andi Saputra.",
        )
        await _publish(drafter, request)
        await _publish(drafter, request)
    await _settled(drafter)

    notices = [p for p in await _proposed(drafter, escape.incident_id) if p.kind == DraftKind.DPO_NOTICE]
    assert len(notices) == 1
    notice = notices[0]
    assert "Andi Saputra" in notice.text  # the one kind that may name a person, as the request names him
    codes = {(f.code, f.severity) for f in notice.findings}
    assert ("identity_confirmation", "warning") in codes
    assert not [f for f in notice.findings if f.severity == "blocking"]
    assert [p for p in await _proposed(drafter, riot.incident_id) if p.kind == DraftKind.DPO_NOTICE] == []


def _review(draft: DraftProposed, decision: str, text: str) -> DraftReviewed:
    return DraftReviewed(
        incident_id=draft.incident_id,
        causation_id=draft.event_id,
        producer="intake",
        draft_id=draft.draft_id,
        kind=draft.kind,
        decision=decision,  # type: ignore[arg-type]
        reviewer="Kepala Lapas Palopo",
        text=text,
    )


async def test_approved_drafts_join_the_library_once_and_rejected_never(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident()
    await _publish(drafter, event)
    await _settled(drafter)
    holding, release = (await _proposed(drafter, event.incident_id))[:2]
    before = await drafter.store.count()

    approved = _review(holding, "approved", holding.text + "\nDisunting oleh Humas.")
    await _publish(drafter, approved)
    await _publish(drafter, approved.model_copy(update={"event_id": uuid.uuid4()}))  # the same review again
    await _publish(drafter, _review(release, "rejected", release.text))
    await _settled(drafter)

    assert await drafter.store.count() == before + 1
    item = await drafter.store.get(approved_item_id(holding.draft_id))
    assert item is not None
    assert item.text.endswith("Disunting oleh Humas.")
    assert (item.approved_by, item.source_incident, item.draft_id) == (
        "Kepala Lapas Palopo",
        event.incident_id,
        holding.draft_id,
    )
    assert (item.category, item.kind, item.level, item.unit, item.reuse) == (
        Category.UNREST,
        "holding_statement",
        4,
        event.unit.code,
        "example",
    )
    assert item.approved_at is not None
    assert await drafter.store.get(approved_item_id(release.draft_id)) is None


async def test_closing_an_incident_drafts_its_evaluation_report(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    event = make_incident(deadlines={"holding_statement": 30, "press_release": 120})
    await _publish(drafter, event)
    await _settled(drafter)
    holding = (await _proposed(drafter, event.incident_id))[0]
    await _publish(drafter, _review(holding, "approved", holding.text))
    await _settled(drafter)
    closed = IncidentClosed(
        incident_id=event.incident_id,
        producer="intake",
        closed_by="Kepala Kanwil",
        declaration="Situasi normal.",
    )
    await _publish(drafter, closed)
    await _settled(drafter)

    reports = [
        p for p in await _proposed(drafter, event.incident_id) if p.kind == DraftKind.EVALUATION_REPORT
    ]
    assert len(reports) == 1
    text = reports[0].text
    assert "Pernyataan awal disetujui oleh Kepala Lapas Palopo" in text
    assert "target 30 menit, tercapai" in text
    assert "Siaran pers belum disetujui; target 120 menit." in text
    assert "Krisis dinyatakan selesai oleh Kepala Kanwil" in text
    assert not [f for f in reports[0].findings if f.severity == "blocking"], reports[0].findings
    async with drafter.runtime.sessions() as session:
        snapshot = await session.get(IncidentSnapshot, str(event.incident_id))
    assert snapshot is not None
    assert snapshot.closed_by == "Kepala Kanwil"


def _team_formed(incident: IncidentClassified) -> CrisisTeamFormed:
    def member(person: str, name: str, role: Role, tier: Tier) -> TeamMember:
        return TeamMember(recipient=Recipient(person_id=person, name=name, role=role, tier=tier))

    return CrisisTeamFormed(
        incident_id=incident.incident_id,
        producer="notifier",
        level=incident.level,
        members=[
            member("palopo-ketua", "Contoh: Kepala Lapas Palopo", Role.KETUA, Tier.UPT),
            member(
                "palopo-humas", "Contoh: Koordinator Humas Lapas Palopo", Role.KOORDINATOR_HUMAS, Tier.UPT
            ),
            member("sulsel-supervisor", "Contoh: Kadivpas Sulawesi Selatan", Role.SUPERVISOR, Tier.REGION),
        ],
    )


async def test_the_crisis_team_on_file_names_the_people_in_later_drafts(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    first = make_incident()
    await _publish(drafter, first)
    await _settled(drafter)
    # The notifier forms the team after the classification: the first drafts say who fills the names.
    holding = next(
        p for p in await _proposed(drafter, first.incident_id) if p.kind == DraftKind.HOLDING_STATEMENT
    )
    assert "[diisi Humas UPT: nama dan jabatan juru bicara]" in holding.text

    await _publish(drafter, _team_formed(first))
    await _settled(drafter)
    # A later incident at the same unit: the UPT's people are named (the Kepala speaks; no Juru Bicara).
    later = make_incident(level=3)
    await _publish(drafter, later)
    await _settled(drafter)
    proposed = {p.kind: p for p in await _proposed(drafter, later.incident_id)}
    kepala = "Contoh: Kepala Lapas Palopo, Kepala Lapas Kelas IIA Palopo"
    assert proposed[DraftKind.HOLDING_STATEMENT].text.rstrip().endswith(kepala)
    release = proposed[DraftKind.PRESS_RELEASE].text
    assert f"ujar {kepala}." in release
    assert "Contoh: Koordinator Humas Lapas Palopo, Koordinator Humas Lapas Kelas IIA Palopo" in release
    assert "Kadivpas" not in release  # the region's supervisor does not speak for the unit
    for p in proposed.values():
        assert not [f for f in p.findings if f.severity == "blocking"], (p.kind, p.findings)


async def test_a_confirmed_reading_redrafts_with_the_fact_stated(
    drafter: Drafter,
    make_escape: IncidentFactory,
    escape_readings: Callable[..., list[ReportReading]],
) -> None:
    first = make_escape(occurred_at=datetime(2026, 12, 1, 4, 10, tzinfo=UTC))
    await _publish(drafter, first)
    await _settled(drafter)
    # The officer confirms the read facts: the classifier publishes the incident again with them.
    confirmed = first.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "occurred_at": datetime(2026, 12, 1, 4, 20, tzinfo=UTC),
            "readings": escape_readings(status="confirmed", verified=True),
            "trigger": "update",
        }
    )
    await _publish(drafter, confirmed)
    await _settled(drafter)
    holdings = [
        p for p in await _proposed(drafter, first.incident_id) if p.kind == DraftKind.HOLDING_STATEMENT
    ]
    assert [p.causation_id for p in holdings] == [first.event_id, confirmed.event_id]
    assert "Informasi awal yang masih kami verifikasi" in holdings[0].text
    assert "Berdasarkan data sementara, dua Warga Binaan melarikan diri." in holdings[1].text
    assert "Informasi awal" not in holdings[1].text

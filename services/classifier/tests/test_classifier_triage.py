"""'Perlu ditinjau' and a person's triage decision (incident.triaged), against a real nats-server and
through the pure `decide`: the decision stands through re-classification, a redelivery changes nothing,
and only hard signals lift a 'not a crisis' decision."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tanggap_classifier.engine import classify
from tanggap_classifier.incident import Triage, decide
from tanggap_classifier.models import ClassifierTriage
from tanggap_classifier.policy import Policy, load_policy
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import Category
from tanggap_shared.db import InboxEntry
from tanggap_shared.events import (
    IncidentTriaged,
    ReportReceived,
    ReportSnapshot,
    UnitRef,
)

from .conftest import Harness, classifier_on

UNIT = UnitRef(code="JATENG-LAPAS-SRAGEN", name="Lapas Kelas IIA Sragen", type="Lapas", region="JATENG")
T0 = datetime(2025, 11, 2, 21, 0, tzinfo=UTC)
UNCLEAR = "Ada kejadian di blok B Lapas Sragen pagi ini, rincian menyusul."
ROUTINE_AGAIN = "Petugas Lapas Sragen menggelar kegiatan pembinaan kerohanian bagi warga binaan."
ESCAPE = "Dua napi Lapas Sragen kabur dan hingga kini belum tertangkap."


def snapshot(text: str, minutes: int) -> ReportSnapshot:
    return ReportSnapshot(report_id=uuid.uuid4(), text=text, received_at=T0 + timedelta(minutes=minutes))


def report(incident: uuid.UUID, text: str, minutes: int, *, joined: bool = False) -> ReportReceived:
    return ReportReceived(
        incident_id=incident,
        producer="intake",
        unit=UNIT,
        report=snapshot(text, minutes),
        joined_existing=joined,
    )


@pytest.fixture
async def harness(fresh_nats: NatsServer, tmp_path: Path) -> AsyncIterator[Harness]:
    async with classifier_on(fresh_nats.url, tmp_path, Harness) as harness:
        yield harness


async def test_a_crisis_decision_stands_and_a_redelivery_changes_nothing(harness: Harness) -> None:
    incident = uuid.uuid4()
    out = await harness.send(report(incident, UNCLEAR, 0), 1)
    assert (out.crisis, out.needs_review) == (False, True)
    assert "Tidak cocok dengan kategori mana pun" in out.review_reasons
    assert out.reasons[0].code == "needs_review"

    decided = IncidentTriaged(
        incident_id=incident, producer="intake", decision="crisis", decided_by="Contoh: Humas Sragen"
    )
    out = await harness.send(decided, 2)
    assert (out.trigger, out.crisis, out.needs_review, out.level) == ("triage", True, False, 2)
    assert out.reasons[0].code == "triage"
    assert "Contoh: Humas Sragen" in out.reasons[0].text
    assert out.deadlines["holding_statement"] > 0

    await harness.publish(decided)  # a redelivery: recorded once, published once
    out = await harness.send(report(incident, ROUTINE_AGAIN, 30, joined=True), 3)
    assert (out.trigger, out.crisis, out.needs_review) == ("report", True, False)
    assert out.level >= 2
    assert out.reasons[0].code == "triage", "the decision stands through re-classification"
    await asyncio.sleep(0.5)
    assert [e.trigger for e in harness.of(incident)] == ["report", "triage", "report"]
    async with harness.runtime.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(ClassifierTriage))
        applied = await session.scalar(
            select(func.count())
            .select_from(InboxEntry)
            .where(InboxEntry.consumer == "classifier.incident_triaged")
        )
    assert (rows, applied) == (1, 1)


async def test_not_a_crisis_stands_until_a_report_brings_hard_signals(harness: Harness) -> None:
    incident = uuid.uuid4()
    await harness.send(report(incident, UNCLEAR, 0), 1)
    decided = IncidentTriaged(
        incident_id=incident,
        producer="intake",
        decision="not_crisis",
        decided_by="Contoh: Kepala UPT",
        reason="hanya pemadaman listrik terjadwal",
    )
    out = await harness.send(decided, 2)
    assert (out.trigger, out.crisis, out.needs_review, out.category) == (
        "triage",
        False,
        False,
        Category.ROUTINE,
    )
    assert "Contoh: Kepala UPT" in out.reasons[0].text
    assert "pemadaman listrik terjadwal" in out.reasons[0].text
    assert out.deadlines == {}

    out = await harness.send(report(incident, ESCAPE, 40, joined=True), 3)
    assert (out.crisis, out.category) == (True, Category.ESCAPE)
    assert out.level >= 3
    assert out.reasons[0].code == "triage_lifted"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def test_decide_crisis_takes_the_policy_minimum_or_the_computed_level(policy: Policy) -> None:
    low = classify(UNIT, snapshot(UNCLEAR, 0), 0, policy)
    high = classify(UNIT, snapshot(ESCAPE, 0), 0, policy)
    triage = Triage("crisis", "Contoh: Humas", "")

    held_low = decide(low, current_level=1, current_crisis=False, override=None, policy=policy, triage=triage)
    held_high = decide(
        high, current_level=3, current_crisis=True, override=None, policy=policy, triage=triage
    )

    assert (held_low.crisis, held_low.level, held_low.needs_review) == (True, 2, False)
    assert (held_high.crisis, held_high.level) == (True, high.level)
    assert high.level >= 3


def test_decide_not_a_crisis_ignores_soft_words_but_not_a_death(policy: Policy) -> None:
    triage = Triage("not_crisis", "Contoh: Humas", "kabar lama")
    soft = classify(UNIT, snapshot("Keluarga napi mengeluhkan jam kunjungan di Lapas Sragen.", 0), 0, policy)
    death = classify(UNIT, snapshot("Seorang napi Lapas Sragen tewas dianiaya di sel.", 0), 0, policy)

    kept = decide(soft, current_level=1, current_crisis=False, override=None, policy=policy, triage=triage)
    lifted = decide(death, current_level=1, current_crisis=False, override=None, policy=policy, triage=triage)

    assert soft.crisis
    assert not soft.hard
    assert (kept.crisis, kept.category, kept.level) == (False, Category.ROUTINE, 1)
    assert Category.RIGHTS in kept.secondary_categories
    assert death.hard
    assert (lifted.crisis, lifted.reasons[0].code) == (True, "triage_lifted")
    assert lifted.level >= 3

"""incident.classified carries the reading of every report of the incident (issue 12), against a real
nats-server: facts with exact spans, people's decisions (report.updated) applied, one reading per
report when a second report joins, and the same event when a report is delivered twice."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tanggap_runner.nats import NatsServer
from tanggap_shared.events import (
    FactDecision,
    ReadFact,
    ReportReceived,
    ReportSnapshot,
    ReportUpdated,
    UnitRef,
)

from .conftest import Harness, classifier_on

UNIT = UnitRef(code="JATENG-LAPAS-SRAGEN", name="Lapas Kelas IIA Sragen", type="Lapas", region="JATENG")
T0 = datetime(2026, 11, 3, 3, 30, tzinfo=UTC)
FIRST = "Dua warga binaan melarikan diri pada Selasa dini hari pukul 03.00 dengan memanjat tembok belakang"
SECOND = "Puluhan petugas dan polisi melakukan pengejaran; seorang napi tertangkap Rabu pagi."


@pytest.fixture
async def harness(fresh_nats: NatsServer, tmp_path: Path) -> AsyncIterator[Harness]:
    async with classifier_on(fresh_nats.url, tmp_path, Harness) as harness:
        yield harness


def snapshot(text: str, minutes: int) -> ReportSnapshot:
    return ReportSnapshot(report_id=uuid.uuid4(), text=text, received_at=T0 + timedelta(minutes=minutes))


def fact(facts: list[ReadFact], kind: str, value: str) -> ReadFact:
    found = [f for f in facts if f.kind == kind and f.value == value]
    assert found, f"no {kind} {value!r} in {[(f.kind, f.value) for f in facts]}"
    return found[0]


async def test_every_report_is_read_and_decisions_travel_with_the_classification(harness: Harness) -> None:
    incident = uuid.uuid4()
    first = snapshot(FIRST, 0)
    received = ReportReceived(incident_id=incident, producer="intake", unit=UNIT, report=first)
    out = await harness.send(received, 1)

    assert [r.report_id for r in out.readings] == [first.report_id]
    facts = out.readings[0].facts
    assert facts
    for f in facts:
        assert f.span is not None
        assert FIRST[f.span.start : f.span.end] == f.span.text
        assert (f.status, f.verified) == ("suggested", False)
    when = fact(facts, "when", "Selasa dini hari pukul 03.00")
    count = fact(facts, "amount", "Dua warga binaan")
    assert count.amount is not None
    assert (count.amount.low, count.amount.high) == (2, 2)
    assert fact(facts, "how", "memanjat tembok belakang").sensitive is True

    # The same report delivered again: recorded once, no second classification.
    await harness.publish(received)

    decisions = [
        FactDecision(fact_id=when.fact_id, decision="confirmed", decided_by="Contoh: Humas", decided_at=T0),
        FactDecision(
            fact_id=count.fact_id,
            decision="corrected",
            value="tiga warga binaan",
            decided_by="Contoh: Humas",
            decided_at=T0 + timedelta(minutes=1),
        ),
    ]
    updated = ReportUpdated(
        incident_id=incident,
        producer="intake",
        unit=UNIT,
        report=first.model_copy(update={"fact_decisions": decisions}),
        updated_by="Contoh: Humas",
        changes=["fact_decisions"],
    )
    out = await harness.send(updated, 2)
    assert out.trigger == "update"
    facts = out.readings[0].facts
    confirmed = fact(facts, "when", "Selasa dini hari pukul 03.00")
    assert (confirmed.status, confirmed.verified) == ("confirmed", True)
    fixed = fact(facts, "amount", "tiga warga binaan")
    assert (fixed.status, fixed.verified, fixed.extractor, fixed.fact_id) == (
        "corrected",
        True,
        "person",
        count.fact_id,
    )

    second = snapshot(SECOND, 30)
    joined = ReportReceived(
        incident_id=incident, producer="intake", unit=UNIT, report=second, joined_existing=True
    )
    out = await harness.send(joined, 3)
    assert [r.report_id for r in out.readings] == [first.report_id, second.report_id]
    assert fact(out.readings[0].facts, "amount", "tiga warga binaan").status == "corrected", (
        "a decision stands through a later classification"
    )
    later = out.readings[1].facts
    vague = fact(later, "amount", "Puluhan petugas")
    assert vague.amount is not None
    assert (vague.amount.words, vague.amount.low, vague.amount.high) == ("Puluhan", 10, 99)
    assert all(SECOND[f.span.start : f.span.end] == f.value for f in later if f.span)

    await asyncio.sleep(0.5)  # let a wrongly re-handled redelivery show up before counting
    assert [e.trigger for e in harness.of(incident)] == ["report", "update", "report"]

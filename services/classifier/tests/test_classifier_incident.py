"""Re-classification with the classifier's own incident state, against a real nats-server: a level rises
on its own, a drop needs a human, a spike raises the spread, an override stands until replaced."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.aio.msg import Msg

from tanggap_classifier.engine import classify
from tanggap_classifier.incident import Override, decide, merged_report
from tanggap_classifier.policy import load_policy
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import MediaReach
from tanggap_shared.events import (
    EventBase,
    Impact,
    IncidentClassified,
    IncidentLevelOverridden,
    MediaSpikeDetected,
    ReportReceived,
    ReportSnapshot,
    ReportUpdated,
    UnitRef,
    parse_event,
)
from tanggap_shared.messaging import STREAM_NAME
from tanggap_shared.runtime import Runtime

from .conftest import classifier_on, eventually

UNIT = UnitRef(code="JATENG-LAPAS-SRAGEN", name="Lapas Kelas IIA Sragen", type="Lapas", region="JATENG")
T0 = datetime(2025, 11, 2, 21, 0, tzinfo=UTC)


def snapshot(text: str, minutes: int, report_id: uuid.UUID | None = None, **impact: Any) -> ReportSnapshot:
    return ReportSnapshot(
        report_id=report_id or uuid.uuid4(),
        text=text,
        impact=Impact(**impact),
        received_at=T0 + timedelta(minutes=minutes),
    )


class Harness:
    def __init__(self, runtime: Runtime, incident_id: uuid.UUID) -> None:
        self.runtime = runtime
        self.incident_id = incident_id
        self.seen: list[IncidentClassified] = []

    async def collect(self, msg: Msg) -> None:
        event = parse_event(msg.data)
        if isinstance(event, IncidentClassified) and event.incident_id == self.incident_id:
            self.seen.append(event)

    async def send(self, event: EventBase, expect: int) -> IncidentClassified:
        await self.runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream=STREAM_NAME)
        await eventually(lambda: len(self.seen) >= expect)
        return self.seen[-1]


@pytest.fixture
async def harness(fresh_nats: NatsServer, tmp_path: Path) -> AsyncIterator[Harness]:
    async with classifier_on(
        fresh_nats.url, tmp_path, lambda runtime: Harness(runtime, uuid.uuid4())
    ) as harness:
        yield harness


async def test_a_level_rises_by_itself_drops_only_by_a_human_and_an_override_stands(harness: Harness) -> None:
    incident = harness.incident_id
    # Unconfirmed, so held at 2 (an escape stated with no word on a recapture is 3 at once).
    first = snapshot("Beredar kabar seorang napi kabur dari Lapas Sragen saat kerja bakti.", 0)
    out = await harness.send(
        ReportReceived(incident_id=incident, producer="intake", unit=UNIT, report=first), 1
    )
    assert (out.trigger, out.level, out.previous_level) == ("report", 2, None)
    assert out.policy_version
    assert out.scct_cluster == "preventable"
    assert out.confidence is not None
    assert "Apakah warga binaan yang melarikan diri sudah tertangkap kembali?" in out.missing

    second = snapshot("Napi yang kabur masih dalam pengejaran polisi hingga malam ini.", 30)
    joined = ReportReceived(
        incident_id=incident, producer="intake", unit=UNIT, report=second, joined_existing=True
    )
    out = await harness.send(joined, 2)
    assert (out.trigger, out.previous_level) == ("report", 2)
    assert out.level == 3, [r.text for r in out.reasons]
    assert "matrix.keamanan" in [r.code for r in out.reasons]

    corrected = snapshot("Napi yang kabur sudah ditangkap kembali.", 45, report_id=second.report_id)
    updated = ReportUpdated(
        incident_id=incident, producer="intake", unit=UNIT, report=corrected, updated_by="humas"
    )
    out = await harness.send(updated, 3)
    assert (out.trigger, out.previous_level, out.level) == ("update", 3, 3)
    held = out.reasons[0]
    assert held.code == "level_held"
    assert "keputusan manusia" in held.text

    spike = MediaSpikeDetected(
        incident_id=incident, producer="intake", unit=UNIT, negative_count=14, baseline=0.5, window_hours=24
    )
    out = await harness.send(spike, 4)
    assert (out.trigger, out.previous_level) == ("spike", 3)
    assert out.level >= 3
    sebaran = next(r for r in out.reasons if r.code == "matrix.sebaran")
    assert sebaran.level == 3
    assert any("media.spike_detected" in t for t in sebaran.triggers)

    override = IncidentLevelOverridden(
        incident_id=incident,
        producer="intake",
        level=2,
        previous_level=out.level,
        reason="Napi sudah kembali, pemberitaan mereda",
        overridden_by="Kabid Kamtib Kanwil Jateng",
    )
    out = await harness.send(override, 5)
    assert (out.trigger, out.level) == ("override", 2)
    assert out.reasons[0].code == "override"
    assert "Kabid Kamtib Kanwil Jateng" in out.reasons[0].text
    assert "pemberitaan mereda" in out.reasons[0].text

    third = snapshot("Dua napi lain ditemukan tewas di blok hunian.", 90, deaths=2)
    out = await harness.send(
        ReportReceived(
            incident_id=incident, producer="intake", unit=UNIT, report=third, joined_existing=True
        ),
        6,
    )
    assert (out.level, out.previous_level) == (2, 2)
    assert out.reasons[0].code == "override_stands"
    assert any(r.code == "impact.deaths" for r in out.reasons), "the reasons are still updated"

    # The same override delivered again changes nothing and publishes nothing.
    await harness.runtime.broker.publish(
        override.model_dump_json().encode(), override.subject, stream=STREAM_NAME
    )
    newer = IncidentLevelOverridden(
        incident_id=incident,
        producer="intake",
        level=4,
        reason="Eskalasi nasional",
        overridden_by="Ditjenpas",
    )
    out = await harness.send(newer, 7)
    assert (out.trigger, out.level, out.previous_level) == ("override", 4, 2)
    assert len(harness.seen) == 7


async def test_a_spike_reaches_only_open_incidents_of_that_unit(harness: Harness) -> None:
    report = snapshot("Terjadi perkelahian antar warga binaan di Blok C.", 0)
    event = ReportReceived(incident_id=harness.incident_id, producer="intake", unit=UNIT, report=report)
    first = await harness.send(event, 1)
    other = UNIT.model_copy(update={"code": "JATENG-LAPAS-KENDAL"})
    await harness.runtime.broker.publish(
        MediaSpikeDetected(
            incident_id=uuid.uuid4(),
            producer="intake",
            unit=other,
            negative_count=9,
            baseline=1,
            window_hours=24,
        )
        .model_dump_json()
        .encode(),
        "tanggap.media.spike_detected",
        stream=STREAM_NAME,
    )
    spike = MediaSpikeDetected(
        incident_id=uuid.uuid4(), producer="intake", unit=UNIT, negative_count=9, baseline=1, window_hours=24
    )
    out = await harness.send(spike, 2)
    assert out.incident_id == harness.incident_id
    assert (out.trigger, out.previous_level) == ("spike", first.level)
    assert out.level > first.level
    assert len(harness.seen) == 2


def test_reports_are_read_as_one_and_answers_merge_towards_the_worst() -> None:
    a = snapshot("Seorang napi kabur.", 0, escapees=1, media_reach=MediaReach.LOCAL, video_exists=False)
    b = snapshot("Video pelarian beredar.", 10, media_reach=MediaReach.REGIONAL, video_exists=True)
    merged = merged_report([b, a])

    assert merged.text == "Seorang napi kabur.\n\nVideo pelarian beredar."
    assert merged.report_id == b.report_id
    assert merged.impact == Impact(escapees=1, media_reach=MediaReach.REGIONAL, video_exists=True)


def test_decide_holds_a_higher_level_and_an_override_wins() -> None:
    policy = load_policy()
    computed = classify(UNIT, snapshot("Seorang napi kabur.", 0), 0, policy)

    assert (
        decide(computed, current_level=None, current_crisis=False, override=None, policy=policy) == computed
    )
    held = decide(computed, current_level=4, current_crisis=True, override=None, policy=policy)
    assert held.level == 4
    assert held.deadlines == policy.deadlines[4]
    overridden = decide(
        computed,
        current_level=4,
        current_crisis=True,
        override=Override(1, "Kalapas", "salah lapor"),
        policy=policy,
    )
    assert overridden.level == 1
    assert overridden.reasons[0].code == "override_stands"

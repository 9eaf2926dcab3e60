"""Faults during a flood of reports: SIGKILL each service in turn, all at once, and the broker.

After the restart every report that got 202 must be classified once, drafted once per kind and announced
once per (event, recipient): nothing lost, nothing twice. Bounded: a few dozen reports per scenario.
"""

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NatsClient

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

FLOOD = 24
RATE = 12.0  # reports per second: a flood for this 2-core machine, well inside what it completes
REPORTS = (
    ("DKI-LAPAS-CIPINANG", "Terjadi kerusuhan di blok hunian. Seorang warga binaan tewas."),
    ("JATIM-LAPAS-SURABAYA", "Dua narapidana kabur dengan memanjat tembok pada dini hari."),
    (
        "KALSEL-LAPASNARKOTIKA-KARANGINTAN",
        "Polisi mengungkap peredaran sabu yang dikendalikan dari dalam lapas.",
    ),
)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System(
        tmp_path_factory.mktemp("faults"), http_port=free_port(), broker_url=f"nats://127.0.0.1:{free_port()}"
    ) as running:
        yield running


class Flood:
    """Posts reports at a steady rate in a thread; remembers which ones were accepted."""

    def __init__(self, base_url: str, count: int = FLOOD, rate: float = RATE) -> None:
        self.base_url = base_url
        self.count = count
        self.rate = rate
        self.accepted: list[str] = []
        self.reports: list[str] = []
        self.refused = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            for i in range(self.count):
                unit, text = REPORTS[i % len(REPORTS)]
                try:
                    r = client.post("/v1/reports", json={"unit_code": unit, "text": f"{text} ({i})"})
                except httpx.HTTPError:
                    self.refused += 1  # the intake itself is down: nothing was accepted
                else:
                    if r.status_code == 202:
                        self.accepted.append(r.json()["incident_id"])
                        self.reports.append(r.json()["report_id"])
                    else:
                        self.refused += 1
                time.sleep(1.0 / self.rate)

    def __enter__(self) -> "Flood":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._thread.join(timeout=60)


def _complete(incident: dict[str, Any]) -> bool:
    return bool(incident["level"] and incident["drafts"] and incident["notifications"])


def assert_exactly_once(
    base_url: str, incident_ids: list[str], seconds: float = 90, *, reports: list[str]
) -> None:
    """Every accepted report is in exactly one incident; every incident is classified, drafted and announced;
    no event was applied twice; nobody was notified twice for one event. (Reports about the same event join
    one incident, so incidents can hold several reports.)"""
    assert incident_ids, "the flood had nothing accepted"
    deadline = time.monotonic() + seconds
    pending = set(incident_ids)
    final: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while pending and time.monotonic() < deadline:
            for incident_id in list(pending):
                body = client.get(f"/v1/incidents/{incident_id}").json()
                if _complete(body):
                    pending.discard(incident_id)
            time.sleep(0.5)
        assert not pending, f"{len(pending)} incident(s) never completed: {sorted(pending)[:3]}"
        time.sleep(1.5)  # duplicates would arrive now
        for incident_id in set(incident_ids):
            final[incident_id] = client.get(f"/v1/incidents/{incident_id}").json()
    held = Counter(r["id"] for incident in final.values() for r in incident["reports"])
    assert all(held[r] == 1 for r in reports), {r: held[r] for r in reports if held[r] != 1}
    for incident_id, incident in final.items():
        applied = Counter(t["event_id"] for t in incident["timeline"] if t["event_id"])
        assert max(applied.values()) == 1, (incident_id, [e for e, n in applied.items() if n > 1])
        kinds = Counter(t["kind"] for t in incident["timeline"])
        assert kinds["report.received"] == len(incident["reports"]), (incident_id, kinds)
        assert kinds["incident.classified"] >= 1, (incident_id, kinds)
        pairs = Counter((n["person_id"], n["trigger_event_id"]) for n in incident["notifications"])
        assert max(pairs.values()) == 1, (incident_id, pairs)


@pytest.mark.parametrize("service", ["classifier", "drafter", "notifier", "intake"])
def test_sigkill_during_a_flood_loses_nothing_and_doubles_nothing(system: System, service: str) -> None:
    with Flood(system.base_url) as flood:
        time.sleep(FLOOD / RATE / 3)
        system.kill(service)
        time.sleep(1.0)
        system.start_service(service)
    assert_exactly_once(system.base_url, flood.accepted, reports=flood.reports)
    if service != "intake":
        assert flood.refused == 0, "only the intake being down may refuse a report"


def test_sigkill_of_every_service_at_once(system: System) -> None:
    with Flood(system.base_url) as flood:
        time.sleep(FLOOD / RATE / 3)
        for service in ("intake", "classifier", "drafter", "notifier"):
            system.kill(service)
        time.sleep(1.0)
        for service in ("intake", "classifier", "drafter", "notifier"):
            system.start_service(service, wait=False)
        system.wait_healthy()
    assert_exactly_once(system.base_url, flood.accepted, reports=flood.reports)


def test_broker_killed_and_restarted_loses_nothing(system: System) -> None:
    with Flood(system.base_url) as flood:
        time.sleep(FLOOD / RATE / 3)
        system.kill("nats")
        time.sleep(1.5)  # reports keep being accepted into the intake's outbox meanwhile
        system.start_service("nats")
    assert flood.refused == 0, "a broker outage must not refuse reports"
    assert_exactly_once(system.base_url, flood.accepted, reports=flood.reports)


async def test_poison_message_is_dead_lettered_while_reports_keep_flowing(system: System) -> None:
    nc = NatsClient()
    await nc.connect(system.broker_url)
    try:
        js = nc.jetstream()
        await js.publish("tanggap.report.received", b'{"type": "report.received", "garbage": true}')
        with httpx.Client(base_url=system.base_url, timeout=10) as client:
            r = client.post(
                "/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": "Napi tewas di sel."}
            )
            assert r.status_code == 202
            incident_id, report_id = r.json()["incident_id"], r.json()["report_id"]
        assert_exactly_once(system.base_url, [incident_id], seconds=30, reports=[report_id])
        dead = await js.get_last_msg("TANGGAP_DLQ", "tanggapdlq.classifier.tanggap.report.received")
        assert b"garbage" in (dead.data or b"")
        assert "invalid event" in (dead.headers or {}).get("Tanggap-Error", "")
    finally:
        await nc.close()

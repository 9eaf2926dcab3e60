"""End to end: a real nats-server and the four services as processes, driven over HTTP like a user would."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

RIOT_REPORT = {
    "unit_code": "DKI-LAPAS-CIPINANG",
    "text": (
        "Terjadi kerusuhan di blok hunian Lapas Cipinang pada Minggu malam. Seorang warga binaan tewas "
        "dan dua petugas luka-luka. Video kericuhan beredar di media sosial."
    ),
    "source": "internal",
}


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    state_dir = tmp_path_factory.mktemp("tanggap-state")
    with System(
        state_dir=state_dir,
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
    ) as running:
        yield running


def wait_for(
    fetch: Callable[[], dict[str, Any]], ready: Callable[[dict[str, Any]], bool], seconds: float
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    body = fetch()
    while not ready(body):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not ready after {seconds} s: {json.dumps(body, ensure_ascii=False)[:3000]}"
            )
        time.sleep(0.1)
        body = fetch()
    return body


def _complete(incident: dict[str, Any]) -> bool:
    kinds = {d["kind"] for d in incident["drafts"]}
    tiers = {(n["tier"], n["role"]) for n in incident["notifications"]}
    return (
        incident["level"] is not None
        and {"holding_statement", "press_release"} <= kinds
        and ("upt", "ketua") in tiers
        and ("region", "supervisor") in tiers
        and ("centre", "pusat") in tiers
    )


def _announced(incident: dict[str, Any]) -> bool:
    kinds = {d["kind"] for d in incident["drafts"]}
    tiers = {n["tier"] for n in incident["notifications"]}
    return (
        incident["level"] is not None
        and {"holding_statement", "press_release"} <= kinds
        and "region" in tiers
    )


def test_riot_with_a_death_is_classified_drafted_and_announced(system: System) -> None:
    with httpx.Client(base_url=system.base_url, timeout=10) as client:
        accepted = client.post("/v1/reports", json=RIOT_REPORT)
        assert accepted.status_code == 202, accepted.text
        incident_id = accepted.json()["incident_id"]

        incident = wait_for(lambda: client.get(f"/v1/incidents/{incident_id}").json(), _complete, seconds=30)

    assert incident["level"] >= 3
    assert incident["crisis"] is True
    assert incident["category"] in ("unrest", "death")
    assert {"unrest", "death"} <= {incident["category"], *incident["secondary_categories"]}
    assert incident["reasons"], "a level comes with its reasons"
    assert any("tewas" in " ".join(r["triggers"]) for r in incident["reasons"])
    assert incident["policy_version"]

    drafts = {d["kind"]: d for d in incident["drafts"]}
    holding = drafts["holding_statement"]
    assert holding["status"] == "proposed"
    assert holding["method"] == "template"
    assert "Lapas Kelas I Cipinang" in holding["text"]
    assert "[" in holding["text"], "unknown facts stay visible placeholders"
    assert holding["sources"], "a draft cites the library items it used"
    assert "SIARAN PERS" in drafts["press_release"]["text"]

    recipients = {(n["tier"], n["role"]): n for n in incident["notifications"]}
    assert recipients[("upt", "ketua")]["status"] == "sent"
    assert recipients[("region", "supervisor")]["status"] == "sent"
    assert ("centre", "pusat") in recipients, "level 3 informs Ditjenpas"

    kinds = [t["kind"] for t in incident["timeline"]]
    assert kinds[0] == "report.received"
    assert "incident.classified" in kinds


def test_notifications_reach_the_default_sink(system: System) -> None:
    sink = Path(system.state_dir) / "notifications.jsonl"
    lines = wait_for(
        lambda: {"lines": sink.read_text().splitlines() if sink.exists() else []},
        lambda b: len(b["lines"]) >= 3,
        seconds=30,
    )["lines"]
    messages = [json.loads(line) for line in lines]
    assert any("Lapas Kelas I Cipinang" in m["body"] for m in messages)
    assert all("tewas" not in m["body"] for m in messages), "report text stays out of notifications"


def test_routine_news_pages_nobody(system: System) -> None:
    with httpx.Client(base_url=system.base_url, timeout=10) as client:
        accepted = client.post(
            "/v1/reports",
            json={
                "unit_code": "JATIM-LAPAS-SURABAYA",
                "text": (
                    "Sebanyak 120 warga binaan menerima remisi Hari Kemerdekaan "
                    "dalam upacara di lapangan Lapas."
                ),
                "source": "media",
            },
        )
        assert accepted.status_code == 202
        incident_id = accepted.json()["incident_id"]
        incident = wait_for(
            lambda: client.get(f"/v1/incidents/{incident_id}").json(), lambda b: b["level"] is not None, 30
        )
        time.sleep(1.0)  # let any (wrong) drafts or notifications arrive before asserting there are none
        incident = client.get(f"/v1/incidents/{incident_id}").json()
    assert incident["crisis"] is False
    assert incident["notifications"] == []
    assert incident["drafts"] == []


def test_a_killed_classifier_catches_up_after_restart(system: System) -> None:
    system.kill("classifier")
    with httpx.Client(base_url=system.base_url, timeout=10) as client:
        accepted = client.post("/v1/reports", json={**RIOT_REPORT, "unit_code": "Rutan Salemba"})
        assert accepted.status_code == 202
        incident_id = accepted.json()["incident_id"]
        time.sleep(0.5)
        assert client.get(f"/v1/incidents/{incident_id}").json()["level"] is None
        system.start_service("classifier")
        incident = wait_for(lambda: client.get(f"/v1/incidents/{incident_id}").json(), _announced, seconds=45)
    assert incident["level"] >= 3
    # Rutan Salemba has no team on file in the sample directory: its Kanwil stands in, and the gap shows.
    supervisor = [n for n in incident["notifications"] if n["tier"] == "region"]
    assert supervisor
    assert any("no ketua" in gap for n in supervisor for gap in n["roster_gaps"])
    classified = [t for t in incident["timeline"] if t["kind"] == "incident.classified"]
    assert len(classified) == 1
    pairs = [(n["person_id"], n["trigger_event_id"]) for n in incident["notifications"]]
    assert len(pairs) == len(set(pairs)), "nobody is notified twice for one event"

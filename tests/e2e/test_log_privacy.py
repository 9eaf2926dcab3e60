"""Logs carry incident_id and event_id, never the report text (which may name people) at info level."""

import json
import time
from pathlib import Path

import httpx
import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

SECRET_PHRASE = "Budi Santoso alias Kancil"


def test_report_text_never_reaches_the_logs(tmp_path: Path) -> None:
    text = f"Warga binaan {SECRET_PHRASE} tewas dalam kericuhan di blok hunian; video beredar."
    with (
        System(
            tmp_path / "state",
            http_port=free_port(),
            broker_url=f"nats://127.0.0.1:{free_port()}",
            env={"TANGGAP_LOG_LEVEL": "INFO", "TANGGAP_LOG_JSON": "true"},
        ) as system,
        httpx.Client(base_url=system.base_url, timeout=10) as client,
    ):
        incident_id = client.post(
            "/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": text}
        ).json()["incident_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            incident = client.get(f"/v1/incidents/{incident_id}").json()
            if incident["drafts"] and incident["notifications"]:
                break
            time.sleep(0.2)
        assert incident["drafts"]
        assert incident["notifications"]
        logs = {name: system.log_path(name).read_text() for name in system.services}
    for name, content in logs.items():
        assert SECRET_PHRASE not in content, f"{name} logged the report text"
        assert "Santoso" not in content, f"{name} logged a name from the report"
    handled = [
        json.loads(line)
        for line in logs["classifier"].splitlines()
        if line.startswith("{") and '"incident_id"' in line
    ]
    assert any(entry.get("incident_id") == incident_id and entry.get("event_id") for entry in handled), (
        "lines written while an event is handled carry incident_id and event_id"
    )

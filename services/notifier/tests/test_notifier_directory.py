"""The stored directory: the import command and the HTTP API (validation, auth, teams republished)."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import select

from tanggap_notifier.api import DirectoryApi, create_directory_api
from tanggap_notifier.app import build_sender, create_app, seed_directory
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.contracts import Category
from tanggap_shared.db import OutboxEntry, create_schema
from tanggap_shared.events import CrisisTeamFormed, IncidentClassified, ReportSnapshot, UnitRef, parse_event
from tanggap_shared.runtime import Runtime

BASE = "/v1/directory/people"
CIPINANG = UnitRef(code="DKI-LAPAS-CIPINANG", name="Lapas Kelas I Cipinang", type="Lapas", region="DKI")


def run_cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANGGAP_")} | {
        "TANGGAP_STATE_DIR": str(state)
    }
    return subprocess.run(
        [sys.executable, "-m", "tanggap_notifier.directory", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_from_yaml_and_csv_then_export(tmp_path: Path, team_file: Path) -> None:
    state = tmp_path / "state"
    first = run_cli(state, "import", str(team_file))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("5 added, 0 updated, 0 removed; 5 people on file")

    csv_file = tmp_path / "more.csv"
    csv_file.write_text(
        "id,name,role,tier,unit,region,deputies,channels\n"
        "humas,Contoh: Humas Baru,koordinator_humas,upt,DKI-LAPAS-CIPINANG,,ketua,"
        "mailto://humas@example.go.id json://127.0.0.1/x\n"
    )
    second = run_cli(state, "import", str(csv_file))
    assert second.returncode == 0, second.stderr
    assert "0 added, 1 updated, 0 removed; 5 people on file" in second.stdout

    exported = yaml.safe_load(run_cli(state, "export").stdout)
    humas = next(p for p in exported["people"] if p["id"] == "humas")
    assert humas["name"] == "Contoh: Humas Baru"
    assert humas["deputies"] == ["ketua"]
    assert humas["channels"] == ["mailto://humas@example.go.id", "json://127.0.0.1/x"]

    replaced = run_cli(state, "import", "--replace", str(csv_file))
    assert replaced.returncode == 2
    assert "deputies of 'humas' are not in the directory: ketua" in replaced.stderr
    assert len(yaml.safe_load(run_cli(state, "export").stdout)["people"]) == 5, "nothing written on error"


async def client_for(service: Any, api_key: str | None = None) -> httpx.AsyncClient:
    api = DirectoryApi(
        service.runtime, policy=service.handler.policy, sender=build_sender(service.settings), api_key=api_key
    )
    transport = httpx.ASGITransport(app=create_directory_api(api))
    return httpx.AsyncClient(transport=transport, base_url="http://notifier")


async def test_create_read_update_delete(service_factory: Any, team_file: Path) -> None:
    service = await service_factory(directory_file=team_file)
    async with await client_for(service) as client:
        assert {p["id"] for p in (await client.get(BASE)).json()} == {
            "pusat",
            "sup",
            "ketua",
            "humas",
            "wakil",
        }
        assert [p["id"] for p in (await client.get(BASE, params={"tier": "region"})).json()] == ["sup"]
        new = {
            "id": "pemantau",
            "name": "Contoh: Pemantau Media",
            "role": "pemantau_media",
            "tier": "upt",
            "unit": "DKI-LAPAS-CIPINANG",
            "deputies": ["humas"],
            "channels": ["tgram://123456789:AAHtestTOKEN/42", "mailto://p@example.go.id"],
        }
        created = await client.post(BASE, json=new)
        assert created.status_code == 201, created.text
        assert (await client.post(BASE, json=new)).status_code == 409
        assert (await client.get(f"{BASE}/pemantau")).json()["channels"] == new["channels"]

        changed = await client.put(
            f"{BASE}/pemantau", json={k: v for k, v in new.items() if k != "id"} | {"name": "X"}
        )
        assert changed.status_code == 200, changed.text
        assert (await client.get(f"{BASE}/pemantau")).json()["name"] == "X"

        assert (await client.delete(f"{BASE}/pemantau")).status_code == 204
        assert (await client.get(f"{BASE}/pemantau")).status_code == 404
        assert (await client.delete(f"{BASE}/pemantau")).status_code == 404


async def test_invalid_people_are_refused_with_clear_messages(service_factory: Any, team_file: Path) -> None:
    service = await service_factory(directory_file=team_file)
    async with await client_for(service) as client:
        no_unit = await client.post(BASE, json={"id": "x", "name": "X", "role": "ketua", "tier": "upt"})
        assert no_unit.status_code == 422
        assert "needs `unit`" in no_unit.json()["detail"]["problems"][0]["message"]

        bad_role = await client.post(BASE, json={"id": "x", "name": "X", "role": "kepala", "tier": "centre"})
        assert bad_role.status_code == 422
        assert bad_role.json()["detail"]["problems"][0]["field"] == "role"

        bad_channel = await client.post(
            BASE,
            json={"id": "x", "name": "X", "role": "pusat", "tier": "centre", "channels": ["nosuch://token"]},
        )
        assert bad_channel.status_code == 422
        assert bad_channel.json()["detail"]["message"] == "Apprise cannot load these channels: nosuch://…"

        # Deleting someone who is a deputy, or the last person at the centre, would break routing.
        deputy = await client.delete(f"{BASE}/wakil")
        assert deputy.status_code == 422
        assert "deputies of 'ketua' are not in the directory: wakil" in deputy.json()["detail"]["message"]
        centre = await client.delete(f"{BASE}/pusat")
        assert centre.status_code == 422
        assert "nobody at tier 'centre'" in centre.json()["detail"]["message"]


async def test_an_api_key_is_required_when_configured(service_factory: Any, team_file: Path) -> None:
    service = await service_factory(directory_file=team_file)
    async with await client_for(service, api_key="rahasia") as client:
        assert (await client.get(BASE)).status_code == 401
        assert (await client.get(BASE, headers={"Authorization": "Bearer salah"})).status_code == 403
        assert (await client.get(BASE, headers={"Authorization": "Bearer rahasia"})).status_code == 200


async def test_a_directory_change_republishes_the_team_of_open_incidents(
    service_factory: Any, team_file: Path
) -> None:
    service = await service_factory(directory_file=team_file)
    event = IncidentClassified(
        incident_id=uuid.uuid4(),
        producer="classifier",
        unit=CIPINANG,
        report=ReportSnapshot(report_id=uuid.uuid4(), text="…", received_at=datetime.now(UTC)),
        crisis=True,
        level=3,
        category=Category.UNREST,
        policy_version="test",
    )
    await service.handler(event, None)
    async with await client_for(service) as client:
        assert (await client.delete(f"{BASE}/humas")).status_code == 204

    async with service.runtime.sessions() as session:
        rows = (await session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))).all()
    teams = [e for e in (parse_event(r.payload) for r in rows) if isinstance(e, CrisisTeamFormed)]
    assert [len(t.members) for t in teams] == [4, 3]
    assert teams[1].gaps == ["roster gap: DKI-LAPAS-CIPINANG has no koordinator_humas"]


async def test_the_notifier_app_serves_the_api_next_to_healthz(tmp_path: Path, team_file: Path) -> None:
    settings = NotifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path, directory_file=team_file)
    prepared = Runtime.build(settings)
    settings.ensure_state_dir()
    await create_schema(prepared.engine)
    await seed_directory(prepared, settings)
    await prepared.engine.dispose()

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
        response = await client.get(f"{BASE}/ketua")
        assert response.status_code == 200
        assert response.json()["deputies"] == ["wakil"]
        assert (await client.get("/v1/directory/openapi.json")).status_code == 200
        assert (await client.get("/nothing-here")).status_code == 404

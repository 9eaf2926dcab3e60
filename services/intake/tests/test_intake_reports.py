"""POST /v1/reports and the incident read, over real HTTP with a real broker."""

import asyncio
import json
import uuid
from pathlib import Path

import httpx
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from tanggap_intake.models import Incident, Report
from tanggap_runner.nats import NatsServer
from tanggap_shared.events import ReportReceived, parse_event
from tanggap_shared.runtime import Runtime

from .conftest import console, intake_settings, running_intake

RIOT = {
    "unit_code": "DKI-LAPAS-CIPINANG",
    "text": "Terjadi kericuhan di blok hunian. Seorang warga binaan tewas.",
    "source": "internal",
    "facts": {"what": {"value": "kericuhan di blok hunian", "verified": True}, "when": "Minggu malam"},
    "impact": {"deaths": 1, "injuries": 2, "media_reach": "local"},
    "links": ["https://example.org/berita/1"],
}


async def _report_event(client: httpx.AsyncClient, incident_id: str) -> ReportReceived:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    js = runtime.broker.config.connection_state.stream
    for _ in range(100):
        try:
            msg = await js.get_last_msg("TANGGAP", "tanggap.report.received")
        except NotFoundError:
            msg = None
        if msg is not None:
            event = parse_event(msg.data or b"")
            if str(event.incident_id) == incident_id:
                assert isinstance(event, ReportReceived)
                return event
        await asyncio.sleep(0.05)
    raise AssertionError("report.received was not published")


async def _count(client: httpx.AsyncClient, model: type[Incident] | type[Report]) -> int:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_health_answers_when_connected(intake: httpx.AsyncClient) -> None:
    r = await intake.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_units_list_the_reference_data_with_regions_and_aliases(intake: httpx.AsyncClient) -> None:
    units = (await intake.get("/v1/units")).json()
    assert len(units) == 331
    salemba = next(u for u in units if u["code"] == "DKI-RUTAN-JAKARTAPUSAT")
    assert salemba["type"] == "Rutan"
    assert salemba["region"] == "DKI"
    assert salemba["region_name"].startswith("Kanwil Ditjenpas")
    assert "Rutan Salemba" in salemba["aliases"]
    dki = (await intake.get("/v1/units", params={"region": "dki"})).json()
    assert dki
    assert {u["region"] for u in dki} == {"DKI"}


async def test_report_is_stored_published_and_readable(intake: httpx.AsyncClient) -> None:
    r = await intake.post("/v1/reports", json=RIOT)
    assert r.status_code == 202, r.text
    body = r.json()
    incident_id = body["incident_id"]
    assert body["status_url"].endswith(f"/v1/incidents/{incident_id}")

    event = await _report_event(intake, incident_id)
    assert str(event.report.report_id) == body["report_id"]
    assert event.unit.code == "DKI-LAPAS-CIPINANG"
    assert event.unit.region == "DKI"
    assert event.report.facts.what is not None
    assert event.report.facts.what.verified is True
    assert event.report.facts.when is not None
    assert event.report.facts.when.verified is False
    assert event.report.impact.deaths == 1
    assert event.report.links == ["https://example.org/berita/1"]

    incident = (await intake.get(f"/v1/incidents/{incident_id}")).json()
    assert incident["level"] is None
    assert incident["unit"]["code"] == "DKI-LAPAS-CIPINANG"
    assert [rep["id"] for rep in incident["reports"]] == [body["report_id"]]
    assert incident["reports"][0]["impact"] == {"deaths": 1, "injuries": 2, "media_reach": "local"}
    assert incident["timeline"][0]["kind"] == "report.received"
    listed = (await intake.get("/v1/incidents")).json()
    assert incident_id in [i["id"] for i in listed]


async def test_unit_can_be_named_by_alias_or_full_name(intake: httpx.AsyncClient) -> None:
    for name in ("Rutan Salemba", "lapas kelas i cipinang", "dki-lapas-cipinang"):
        r = await intake.post("/v1/reports", json={"unit_code": name, "text": "Ada laporan warga."})
        assert r.status_code == 202, (name, r.text)
        incident = (await intake.get(f"/v1/incidents/{r.json()['incident_id']}")).json()
        assert incident["unit"]["code"] in ("DKI-RUTAN-JAKARTAPUSAT", "DKI-LAPAS-CIPINANG")


async def test_unknown_unit_names_the_closest_known_units(intake: httpx.AsyncClient) -> None:
    before = await _count(intake, Incident)
    r = await intake.post("/v1/reports", json={"unit_code": "Lapas Cipinangg", "text": "x"})
    assert r.status_code == 422
    body = r.json()
    assert "Unknown unit" in body["message"]
    suggested = [s["code"] for s in body["detail"][0]["suggestions"]]
    assert "DKI-LAPAS-CIPINANG" in suggested
    assert await _count(intake, Incident) == before


async def test_bad_input_gets_a_clear_answer_and_writes_nothing(intake: httpx.AsyncClient) -> None:
    before = (await _count(intake, Incident), await _count(intake, Report))
    cases: list[tuple[object, int, str]] = [
        ({"unit_code": "DKI-LAPAS-CIPINANG"}, 422, "text"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "   "}, 422, "text"),
        (
            {"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "impact": {"deaths": "banyak"}},
            422,
            "impact.deaths",
        ),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "impact": {"deaths": -1}}, 422, "impact.deaths"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "source": "rumour"}, 422, "source"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "channel": "pigeon"}, 422, "channel"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "severity": 4}, 422, "severity"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "a\x00b"}, 422, "text"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "links": ["javascript:alert(1)"]}, 422, "links.0"),
        ({"unit_code": "DKI-LAPAS-CIPINANG", "text": "x", "links": ["https://a.id"] * 21}, 422, "links"),
        ([1, 2, 3], 422, "body"),
    ]
    for payload, status, field in cases:
        r = await intake.post("/v1/reports", json=payload)
        assert r.status_code == status, (payload, r.text)
        assert field in [d["field"] for d in r.json()["detail"]], (payload, r.json())
        assert r.json()["message"].startswith("Invalid request")
    broken = await intake.post(
        "/v1/reports",
        content=b'{"unit_code": "DKI-LAPAS-CIPINANG", "text": ',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["message"]
    huge = await intake.post("/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": "x" * 70_000})
    assert huge.status_code == 413
    assert "larger than" in huge.json()["message"]
    assert (await intake.get("/v1/incidents/not-an-incident")).status_code == 404
    assert (await _count(intake, Incident), await _count(intake, Report)) == before


async def test_idempotency_key_returns_the_first_answer(intake: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"bot-msg-{uuid.uuid4()}"}
    first = await intake.post("/v1/reports", json=RIOT, headers=key)
    second = await intake.post("/v1/reports", json=RIOT, headers=key)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    incident = (await intake.get(f"/v1/incidents/{first.json()['incident_id']}")).json()
    assert len(incident["reports"]) == 1
    other = await intake.post("/v1/reports", json={**RIOT, "text": "laporan lain"}, headers=key)
    assert other.status_code == 409
    assert "already used" in other.json()["message"]


async def test_concurrent_retries_with_one_key_make_one_report(intake: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    before = await _count(intake, Report)
    answers = await asyncio.gather(*(intake.post("/v1/reports", json=RIOT, headers=key) for _ in range(5)))
    assert {a.status_code for a in answers} <= {202, 409}
    accepted = {json.dumps(a.json(), sort_keys=True) for a in answers if a.status_code == 202}
    assert len(accepted) == 1
    assert await _count(intake, Report) == before + 1


async def test_api_key_is_required_when_configured(nats_server: NatsServer, tmp_path: Path) -> None:
    settings = intake_settings(nats_server, tmp_path, bootstrap_api_key="s3cret-key")
    async with running_intake(settings) as client:
        assert (await client.post("/v1/reports", json=RIOT)).status_code == 401
        wrong = await client.post("/v1/reports", json=RIOT, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        ok = await client.post("/v1/reports", json=RIOT, headers={"Authorization": "Bearer s3cret-key"})
        assert ok.status_code == 202
        assert (await client.get("/healthz")).status_code == 200


async def test_report_text_is_escaped_in_the_console(intake: httpx.AsyncClient) -> None:
    payload = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "<script>alert('x')</script> ricuh"}
    incident_id = (await intake.post("/v1/reports", json=payload)).json()["incident_id"]
    async with console(intake) as admin:
        page = await admin.get(f"/incidents/{incident_id}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;" in page.text
        index = await admin.get("/")
        assert index.status_code == 200
        assert f"/incidents/{incident_id}" in index.text
        assert "Insiden terbuka" in index.text

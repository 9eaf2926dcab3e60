"""Issue 12 at the intake: the facts read from each report's text, one-click decisions on them (a report
update like PATCH, published as report.updated), and the triage queue "Perlu ditinjau" (incident.triaged).

The classifier's side is played by publishing-equivalent IncidentClassified events into the read model."""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tanggap_intake import accounts
from tanggap_intake.access import UserRole
from tanggap_runner.nats import NatsServer
from tanggap_shared.events import (
    Amount,
    IncidentClassified,
    IncidentTriaged,
    ReadFact,
    ReportReading,
    ReportUpdated,
    TextSpan,
)

from .conftest import (
    add_user,
    apply,
    classified_event,
    console,
    incident,
    intake_settings,
    published,
    report,
    running_intake,
    runtime_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOME = "DKI-LAPAS-CIPINANG"
AWAY = "JABAR-LAPAS-BANCEUY"
TEXT = (
    "Terjadi kerusuhan di blok hunian pada Minggu malam. Dua warga binaan tewas. "
    "Sebagian napi kabur lewat lubang ventilasi."
)
KEYS: dict[str, str] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def intake(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    # Every report of TEXT is its own incident here: matching would join them.
    settings = intake_settings(nats_server, tmp_path_factory.mktemp("reading"), match_window_hours=0)
    async with running_intake(settings) as client:
        await add_user(client, "humas", UserRole.HUMAS_UPT, unit=HOME, name="Rina Humas")
        await add_user(client, "humasjabar", UserRole.HUMAS_UPT, unit=AWAY, name="Budi Jabar")
        for name, unit in (("home", HOME), ("away", AWAY)):
            async with runtime_of(client).unit_of_work() as session:
                _key, KEYS[name] = await accounts.create_api_key(
                    session,
                    name=f"Bot {name}",
                    role=UserRole.KEPALA_UPT,
                    unit_code=unit,
                    region_code=None,
                    created_by="uji",
                )
        yield client


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


def read(kind: Any, phrase: str, **extra: Any) -> ReadFact:
    """A fact as the rules extractor reads it: its span is exactly where the phrase is in TEXT."""
    start = TEXT.index(phrase)
    end = start + len(phrase)
    return ReadFact(
        fact_id=f"{kind}:{start}-{end}",
        kind=kind,
        value=extra.pop("value", phrase),
        span=TextSpan(start=start, end=end, text=TEXT[start:end]),
        **extra,
    )


FACTS = [
    read("what", "kerusuhan"),
    read("when", "Minggu malam", detail="part_of_day"),
    read("where", "blok hunian", detail="block"),
    read(
        "casualty",
        "Dua warga binaan tewas",
        value="Dua",
        detail="deaths",
        role="warga_binaan",
        amount=Amount(words="Dua", low=2, high=2, exact=True),
    ),
    read("how", "lewat lubang ventilasi", sensitive=True),
]
IDS = {f.kind: f.fact_id for f in FACTS}


async def reported(
    intake: httpx.AsyncClient, code: str = HOME, *, needs_review: bool = False, **extra: Any
) -> tuple[str, str]:
    """A report of TEXT and its classification carrying the reading; (incident id, report id)."""
    accepted = await report(intake, code, f"{TEXT} #{uuid.uuid4().hex[:6]}", **extra)
    incident_id, report_id = str(accepted["incident_id"]), str(accepted["report_id"])
    classified: IncidentClassified = classified_event(incident_id, 2, code=code).model_copy(
        update={
            "readings": [ReportReading(report_id=uuid.UUID(report_id), facts=FACTS)],
            "needs_review": needs_review,
            "crisis": not needs_review,
            "review_reasons": ["Kata 'kabur' tanpa keterangan jumlah"] if needs_review else [],
        }
    )
    await apply(intake, classified)
    return incident_id, report_id


def facts_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["kind"]: f for f in body["readings"][0]["facts"]}


async def decide(
    intake: httpx.AsyncClient, report_id: str, fact_id: str, decision: str, who: str = "home", **extra: Any
) -> httpx.Response:
    return await intake.post(
        f"/v1/reports/{report_id}/facts/{fact_id}",
        json={"decision": decision, **extra},
        headers=bearer(who),
    )


async def test_a_reading_appears_on_the_incident_json(intake: httpx.AsyncClient) -> None:
    incident_id, report_id = await reported(intake, needs_review=True)
    body = await incident(intake, incident_id)
    assert body["readings"][0]["report_id"] == report_id
    facts = facts_of(body)
    assert facts["when"]["span"] == {
        "start": TEXT.index("Minggu"),
        "end": TEXT.index("Minggu") + 12,
        "text": "Minggu malam",
    }
    assert facts["casualty"]["amount"] == {"words": "Dua", "low": 2, "high": 2, "exact": True}
    assert facts["how"]["sensitive"] is True
    assert {f["status"] for f in facts.values()} == {"suggested"}
    assert not any(f["verified"] for f in facts.values())
    assert body["needs_review"] is True
    assert body["review_reasons"] == ["Kata 'kabur' tanpa keterangan jumlah"]
    assert body["triage"] is None
    assert "Perlu ditinjau: Kata 'kabur'" in body["timeline"][-1]["summary"]


async def test_confirm_correct_and_remove_each_publish_one_report_update(intake: httpx.AsyncClient) -> None:
    incident_id, report_id = await reported(intake, facts={"where": "Blok C"})

    confirmed = await decide(intake, report_id, IDS["what"], "confirmed")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["changes"] == ["fact_decisions", "facts"]
    assert confirmed.json()["report"]["facts"]["what"] == {"value": "kerusuhan", "verified": True}

    corrected = await decide(intake, report_id, IDS["when"], "corrected", value="Minggu, 22.30 WIB")
    assert corrected.json()["report"]["facts"]["when"] == {"value": "Minggu, 22.30 WIB", "verified": True}

    deaths = await decide(intake, report_id, IDS["casualty"], "confirmed")
    assert deaths.json()["changes"] == ["fact_decisions", "impact"]
    assert deaths.json()["report"]["impact"] == {"deaths": 2}

    # "where" was answered by the officer already: the decision is kept, the answer is not overwritten.
    removed = await decide(intake, report_id, IDS["where"], "removed")
    assert removed.json()["changes"] == ["fact_decisions"]
    assert removed.json()["report"]["facts"]["where"] == {"value": "Blok C", "verified": False}

    again = await decide(intake, report_id, IDS["what"], "confirmed")
    assert again.status_code == 200
    assert again.json()["changes"] == [], "the same decision twice changes nothing the second time"

    events = await published(intake, "report.updated", incident_id, expect=4)
    assert len(events) == 4
    last = events[-1]
    assert isinstance(last, ReportUpdated)
    assert last.updated_by == "Bot home (kunci API)"
    assert [(d.fact_id, d.decision, d.value) for d in last.report.fact_decisions] == [
        (IDS["what"], "confirmed", ""),
        (IDS["when"], "corrected", "Minggu, 22.30 WIB"),
        (IDS["casualty"], "confirmed", ""),
        (IDS["where"], "removed", ""),
    ]
    assert {d.decided_by for d in last.report.fact_decisions} == {"Bot home (kunci API)"}
    assert last.report.facts.when is not None
    assert last.report.facts.when.verified
    assert last.report.impact.deaths == 2

    facts = facts_of(await incident(intake, incident_id))
    assert (facts["what"]["status"], facts["what"]["verified"]) == ("confirmed", True)
    assert facts["what"]["decided_by"] == "Bot home (kunci API)"
    assert (facts["when"]["status"], facts["when"]["value"]) == ("corrected", "Minggu, 22.30 WIB")
    assert (facts["where"]["status"], facts["where"]["verified"]) == ("removed", False)
    assert facts["how"]["status"] == "suggested"


async def test_unknown_facts_and_bad_decisions_are_refused_in_words(intake: httpx.AsyncClient) -> None:
    incident_id, report_id = await reported(intake)
    unknown = await decide(intake, report_id, "what:0-3", "confirmed")
    assert unknown.status_code == 404
    assert "has no fact 'what:0-3'" in unknown.json()["message"]
    bad = await decide(intake, report_id, IDS["what"], "maybe")
    assert bad.status_code == 422
    assert "decision" in bad.json()["message"]
    no_value = await decide(intake, report_id, IDS["when"], "corrected")
    assert no_value.status_code == 422
    assert "required for a correction" in no_value.json()["message"]
    body = await incident(intake, incident_id)
    assert body["reports"][0]["fact_decisions"] == []
    assert body["reports"][0]["facts"] == {}, "nothing half written"


async def test_decisions_outside_the_scope_are_not_found(intake: httpx.AsyncClient) -> None:
    incident_id, report_id = await reported(intake, needs_review=True)
    outside = await decide(intake, report_id, IDS["what"], "confirmed", who="away")
    assert outside.status_code == 404
    triage = await intake.post(
        f"/v1/incidents/{incident_id}/triage", json={"decision": "crisis"}, headers=bearer("away")
    )
    assert triage.status_code == 404
    body = await incident(intake, incident_id)
    assert body["reports"][0]["fact_decisions"] == []
    assert body["triage"] is None


async def test_triage_publishes_one_decision_and_refuses_a_second(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await reported(intake, needs_review=True)
    answer = await intake.post(
        f"/v1/incidents/{incident_id}/triage",
        json={"decision": "not_crisis", "reason": "Hanya latihan evakuasi"},
        headers=bearer("home"),
    )
    assert answer.status_code == 200, answer.text
    triage = answer.json()["triage"]
    assert (triage["decision"], triage["by"], triage["reason"]) == (
        "not_crisis",
        "Bot home (kunci API)",
        "Hanya latihan evakuasi",
    )
    again = await intake.post(
        f"/v1/incidents/{incident_id}/triage", json={"decision": "crisis"}, headers=bearer("home")
    )
    assert again.status_code == 409
    assert "already decided" in again.json()["message"]
    events = await published(intake, "incident.triaged", incident_id)
    assert len(events) == 1
    assert isinstance(events[0], IncidentTriaged)
    assert (events[0].decision, events[0].decided_by) == ("not_crisis", "Bot home (kunci API)")
    timeline = (await incident(intake, incident_id))["timeline"]
    assert "Ditinjau oleh Bot home (kunci API): diputuskan bukan krisis." in timeline[-1]["summary"]


async def test_triage_of_an_incident_not_waiting_for_review_is_refused(intake: httpx.AsyncClient) -> None:
    incident_id, _ = await reported(intake)
    answer = await intake.post(
        f"/v1/incidents/{incident_id}/triage", json={"decision": "crisis"}, headers=bearer("home")
    )
    assert answer.status_code == 409
    assert "not waiting for review" in answer.json()["message"]
    bad = await intake.post(
        f"/v1/incidents/{incident_id}/triage", json={"decision": "ya"}, headers=bearer("home")
    )
    assert bad.status_code == 422


def queue_ids(page: str) -> set[str]:
    return set(re.findall(r'class="card triage-card" data-incident="([^"]+)"', page))


async def test_the_incident_page_shows_the_facts_and_one_click_decides(intake: httpx.AsyncClient) -> None:
    incident_id, report_id = await reported(intake)
    async with console(intake, "humas") as humas:
        page = (await humas.get(f"/incidents/{incident_id}")).text
        assert "Fakta dari teks laporan" in page
        assert "<strong>Kapan:</strong>" in page
        assert "<strong>Korban:</strong>" in page
        assert "dari teks: “Minggu malam”" in page
        assert page.count("belum terverifikasi") >= len(FACTS)
        assert "rahasia — jangan dipublikasikan" in page
        visible = re.sub(r"<[^>]+>", " ", page)
        for code_word in ("needs_review", "not_crisis", "suggested", "casualty", "fact_id"):
            assert code_word not in visible, f"code word on the page: {code_word}"

        click = await humas.post(
            f"/reports/{report_id}/facts/{IDS['what']}", {"decision": "confirmed"}, follow_redirects=False
        )
        assert click.status_code == 303
        assert click.headers["location"] == f"/incidents/{incident_id}#laporan-{report_id}"
        empty = await humas.post(f"/reports/{report_id}/facts/{IDS['when']}", {"decision": "corrected"})
        assert empty.status_code == 422
        assert "Tuliskan koreksinya" in empty.text
        fixed = await humas.post(
            f"/reports/{report_id}/facts/{IDS['when']}",
            {"decision": "corrected", "value": "Minggu 22.30 WIB"},
            follow_redirects=False,
        )
        assert fixed.status_code == 303
        page = (await humas.get(f"/incidents/{incident_id}")).text
        assert "terverifikasi oleh Rina Humas" in page
        assert "dikoreksi dan terverifikasi oleh Rina Humas" in page

    async with console(intake, "humasjabar") as outsider:
        refused = await outsider.post(f"/reports/{report_id}/facts/{IDS['where']}", {"decision": "removed"})
        assert refused.status_code == 404
    events = await published(intake, "report.updated", incident_id, expect=2)
    assert len(events) == 2
    assert {e.updated_by for e in events if isinstance(e, ReportUpdated)} == {"Rina Humas"}
    body = await incident(intake, incident_id)
    assert body["reports"][0]["facts"]["what"] == {"value": "kerusuhan", "verified": True}
    assert body["reports"][0]["facts"]["when"] == {"value": "Minggu 22.30 WIB", "verified": True}


async def test_the_triage_queue_lists_in_scope_and_empties_after_a_decision(
    intake: httpx.AsyncClient,
) -> None:
    home, _ = await reported(intake, needs_review=True)
    away, _ = await reported(intake, AWAY, needs_review=True)
    async with console(intake, "humas") as humas:
        page = (await humas.get("/")).text
        assert "Perlu ditinjau" in page
        assert home in queue_ids(page)
        assert away not in queue_ids(page), "the queue respects the user's scope"
        assert "Terjadi kerusuhan di blok hunian pada Minggu malam. Dua warga binaan tewas. …" in page
        assert "Kata &#39;kabur&#39; tanpa keterangan jumlah" in page
        visible = re.sub(r"<[^>]+>", " ", page)
        for code_word in ("needs_review", "review_reasons", "not_crisis", "triage"):
            assert code_word not in visible, f"code word on the dashboard: {code_word}"

        decided = await humas.post(
            f"/incidents/{home}/triage", {"decision": "crisis", "back": "dashboard"}, follow_redirects=False
        )
        assert decided.status_code == 303
        assert decided.headers["location"] == "/#tinjau"
        assert home not in queue_ids((await humas.get("/")).text)
        incident_page = (await humas.get(f"/incidents/{home}")).text
        assert "diputuskan <strong>krisis</strong> oleh Rina Humas" in incident_page
        again = await humas.post(f"/incidents/{home}/triage", {"decision": "not_crisis"})
        assert again.status_code == 409
        assert "sudah diputuskan krisis oleh Rina Humas" in again.text
    async with console(intake, "humasjabar") as jabar:
        assert away in queue_ids((await jabar.get("/")).text)
        assert (await jabar.post(f"/incidents/{home}/triage", {"decision": "not_crisis"})).status_code == 404
    events = await published(intake, "incident.triaged", home)
    assert [(e.decision, e.decided_by) for e in events if isinstance(e, IncidentTriaged)] == [
        ("crisis", "Rina Humas")
    ]


async def test_a_triage_decision_from_the_broker_reaches_the_read_model(intake: httpx.AsyncClient) -> None:
    """incident.triaged is on the read model's subjects: a decision taken elsewhere shows up once."""
    incident_id, _ = await reported(intake, needs_review=True)
    event = IncidentTriaged(
        incident_id=uuid.UUID(incident_id), producer="operator", decision="crisis", decided_by="Kadivpas Uji"
    )
    runtime = runtime_of(intake)
    for _ in range(2):  # a redelivery is applied once
        await runtime.broker.publish(event.model_dump_json().encode(), event.subject, stream="TANGGAP")
    for _ in range(100):
        body = await incident(intake, incident_id)
        if body["triage"]:
            break
        await asyncio.sleep(0.05)
    assert (body["triage"]["decision"], body["triage"]["by"]) == ("crisis", "Kadivpas Uji")
    lines = [t for t in body["timeline"] if t["kind"] == "incident.triaged"]
    assert [t["summary"] for t in lines] == ["Ditinjau oleh Kadivpas Uji: diputuskan krisis."]


@pytest_asyncio.fixture(loop_scope="module")
async def intake_on_each_backend(
    nats_server: NatsServer, tmp_path: Path, database_url: str | None
) -> AsyncIterator[httpx.AsyncClient]:
    """An intake of its own on SQLite and, when TANGGAP_TEST_POSTGRES_URL is set, on PostgreSQL."""
    settings = intake_settings(nats_server, tmp_path, database_url=database_url, match_window_hours=0)
    async with running_intake(settings) as client:
        yield client


async def test_decisions_and_triage_on_each_backend(intake_on_each_backend: httpx.AsyncClient) -> None:
    client = intake_on_each_backend
    incident_id, report_id = await reported(client, needs_review=True)
    named = {"decided_by": "Rina Humas"}  # open mode: the integration names the person
    confirmed = await client.post(
        f"/v1/reports/{report_id}/facts/{IDS['casualty']}", json={"decision": "confirmed", **named}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["report"]["impact"] == {"deaths": 2}
    again = await client.post(
        f"/v1/reports/{report_id}/facts/{IDS['casualty']}", json={"decision": "confirmed", **named}
    )
    assert again.json()["changes"] == []
    unnamed = await client.post(f"/v1/incidents/{incident_id}/triage", json={"decision": "crisis"})
    assert unnamed.status_code == 422, "open mode must name who decides"
    triaged = await client.post(f"/v1/incidents/{incident_id}/triage", json={"decision": "crisis", **named})
    assert triaged.json()["triage"]["by"] == "Rina Humas"
    body = await incident(client, incident_id)
    assert facts_of(body)["casualty"]["status"] == "confirmed"
    assert len(body["reports"][0]["fact_decisions"]) == 1
    assert len(await published(client, "report.updated", incident_id)) == 1

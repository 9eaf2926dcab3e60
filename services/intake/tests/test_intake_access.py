"""Scope and authority on every endpoint, HTML and JSON: a person or a key sees and acts only within its
unit, region or everything; approving and closing follow the authority of the level (DOMAIN.md §6.2).

The route table below must name every route the app serves: a new route without a scope decision fails
`test_every_route_has_a_scope_decision`."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi.routing import iter_route_contexts

from tanggap_intake import accounts
from tanggap_intake.access import UserRole
from tanggap_intake.models import ChannelMessage, MediaTally
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import DraftKind
from tanggap_shared.events import MediaSpikeDetected

from .conftest import (
    Console,
    add_user,
    apply,
    classified_event,
    console,
    draft_event,
    incident,
    intake_settings,
    notification_sent,
    report,
    running_intake,
    runtime_of,
    team_event,
    unit_ref,
)

# One intake for the module (the table makes many small tests); each test makes its own incidents.
pytestmark = pytest.mark.asyncio(loop_scope="module")

HOME = "DKI-LAPAS-CIPINANG"
AWAY = "JABAR-LAPAS-BANCEUY"
PEOPLE = {
    "humas": (UserRole.HUMAS_UPT, HOME, None),
    "kalapas": (UserRole.KEPALA_UPT, HOME, None),
    "kanwil": (UserRole.KANWIL, None, "DKI"),
    "pusat": (UserRole.DITJENPAS, None, None),
}
KEYS: dict[str, str] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def intake(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    settings = intake_settings(nats_server, tmp_path_factory.mktemp("access"))
    async with running_intake(settings) as client:
        for username, (role, unit, region) in PEOPLE.items():
            await add_user(client, username, role, unit=unit, region=region, name=f"Pejabat {username}")
        async with runtime_of(client).unit_of_work() as session:
            _key, KEYS["kalapas"] = await accounts.create_api_key(
                session,
                name="Bot",
                role=UserRole.KEPALA_UPT,
                unit_code=HOME,
                region_code=None,
                created_by="t",
            )
        yield client


@dataclass
class Ids:
    incident: str
    other: str  # a second incident of the same unit (merge target)
    report: str
    draft: str
    notification: str


async def _incident(intake: httpx.AsyncClient, code: str, level: int = 2) -> Ids:
    """An incident with two reports, a proposed draft, a notification and its team."""
    first = await report(intake, code, f"Keributan di blok hunian {uuid.uuid4().hex[:6]}.")
    incident_id = str(first["incident_id"])
    other = str((await report(intake, code, f"Kebakaran di dapur {uuid.uuid4().hex[:6]}."))["incident_id"])
    draft = draft_event(incident_id, code=code)
    sent = notification_sent(incident_id, "Kalapas")
    await apply(intake, classified_event(incident_id, level, code=code), team_event(incident_id), sent, draft)
    return Ids(incident_id, other, str(first["report_id"]), str(draft.draft_id), str(sent.notification_id))


# (method, path, body). Bodies name no actor: sessions and keys act as themselves.
JSON_OBJECT_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/incidents/{incident}", {}),
    ("PATCH", "/v1/reports/{report}", {"source": "media"}),
    ("POST", "/v1/reports/{report}/split", {"reason": "kejadian lain"}),
    ("POST", "/v1/drafts/{draft}/review", {"decision": "rejected", "comment": "nada"}),
    ("POST", "/v1/drafts/{draft}/save", {"text": "suntingan"}),
    ("GET", "/v1/drafts/{draft}/check", {}),
    ("POST", "/v1/incidents/{incident}/drafts", {"kind": "qa"}),
    ("POST", "/v1/incidents/{incident}/level", {"level": 2, "reason": "tetap"}),
    ("POST", "/v1/incidents/{incident}/phase", {"phase": "pasca_krisis", "reason": "mereda"}),
    ("POST", "/v1/incidents/{incident}/close", {"declaration": "selesai"}),
    ("POST", "/v1/incidents/{incident}/merge", {"into": "{other}", "reason": "sama"}),
    ("POST", "/v1/notifications/{notification}/acknowledge", {}),
    ("POST", "/v1/incidents/{incident}/triage", {"decision": "crisis"}),
]
HTML_OBJECT_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/incidents/{incident}", {}),
    ("POST", "/drafts/{draft}/review", {"decision": "rejected", "text": ""}),
    ("POST", "/drafts/{draft}/save", {"text": "suntingan"}),
    ("GET", "/drafts/{draft}/check", {}),
    ("POST", "/incidents/{incident}/level", {"level": "2", "reason": "tetap"}),
    ("POST", "/incidents/{incident}/phase", {"phase": "pasca_krisis", "reason": "mereda"}),
    ("POST", "/incidents/{incident}/close", {"declaration": "selesai"}),
    ("POST", "/incidents/{incident}/drafts", {"kind": "qa"}),
    ("POST", "/notifications/{notification}/acknowledge", {}),
    ("GET", "/drafts/{draft}/docx", {}),
    ("GET", "/incidents/{incident}/plan", {}),
    ("POST", "/incidents/{incident}/plan", {"tujuan": "x"}),
    ("GET", "/incidents/{incident}/plan.txt", {}),
    ("GET", "/live/incidents/{incident}", {}),
]
# Lists: filtered to the scope (checked in test_lists_show_only_what_is_in_scope).
LIST_ROUTES = {
    ("GET", "/v1/incidents"),
    ("GET", "/v1/channel-messages"),
    ("GET", "/v1/media/tally"),
    ("GET", "/"),
    ("GET", "/reports/new"),
    ("GET", "/team"),
    ("GET", "/media"),
    ("GET", "/library"),
    ("GET", "/live/dashboard"),
}
# Creating a report: only for a unit in scope (test_reports_only_for_units_in_scope).
REPORT_ROUTES = {("POST", "/v1/reports"), ("POST", "/reports/new")}
# Facts read from a report and the triage buttons (issue 12): scope checked in test_intake_reading.py.
READING_ROUTES = {
    ("POST", "/v1/reports/{report_id}/facts/{fact_id}"),
    ("POST", "/reports/{report_id}/facts/{fact_id}"),
    ("POST", "/incidents/{incident_id}/triage"),
}
ADMIN_ROUTES = {
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{user_id}/active"),
    ("POST", "/admin/users/{user_id}/password"),
    ("GET", "/admin/keys"),
    ("POST", "/admin/keys"),
    ("POST", "/admin/keys/{key_id}/revoke"),
}
NOT_SCOPED = {
    ("GET", "/healthz"): "health for orchestration",
    ("GET", "/metrics"): "counters without incident data",
    ("GET", "/v1/units"): "reference data, the same for everyone",
    ("GET", "/v1/me"): "the caller's own identity",
    ("POST", "/webhooks/telegram"): "Telegram's secret token; messages become reports of the unit they name",
    ("GET", "/webhooks/whatsapp"): "the WhatsApp verify-token handshake",
    ("POST", "/webhooks/whatsapp"): "WhatsApp's signature",
    ("GET", "/ack/{token}"): "an opaque single-use link to one notification: its confirm page",
    ("POST", "/ack/{token}"): "the same link's button: acknowledges that one notification, once",
    ("GET", "/login"): "the login form",
    ("POST", "/login"): "logging in",
    ("POST", "/logout"): "the caller's own session",
    ("GET", "/account"): "the caller's own account",
    ("POST", "/account/password"): "the caller's own password",
    ("GET", "/openapi.json"): "documentation",
    ("GET", "/docs"): "documentation",
    ("GET", "/docs/oauth2-redirect"): "documentation",
    ("GET", "/redoc"): "documentation",
}


def _fill(template: str, ids: Ids) -> str:
    return template.format(**ids.__dict__)


def _body(body: dict[str, Any], ids: Ids) -> dict[str, Any]:
    return {k: _fill(v, ids) if isinstance(v, str) else v for k, v in body.items()}


async def _call_json(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], **kw: Any
) -> int:
    if method == "GET":
        return (await client.get(path, **kw)).status_code
    return (await client.request(method, path, json=body, **kw)).status_code


async def _call_html(user: Console, method: str, path: str, body: dict[str, Any]) -> int:
    if method == "GET":
        return (await user.get(path)).status_code
    return (await user.post(path, body)).status_code


async def test_every_route_has_a_scope_decision(intake: httpx.AsyncClient) -> None:
    served = {
        (method, context.path)
        for context in iter_route_contexts(intake.app.routes)  # type: ignore[attr-defined]
        for method in (context.methods or set())
        if method != "HEAD"
    }
    decided = (
        {(m, p.replace("{incident}", "{incident_id}")) for m, p, _ in JSON_OBJECT_ROUTES + HTML_OBJECT_ROUTES}
        | LIST_ROUTES
        | REPORT_ROUTES
        | READING_ROUTES
        | ADMIN_ROUTES
        | set(NOT_SCOPED)
    )
    decided = {(m, _path_names(p)) for m, p in decided}
    assert served - decided == set(), "routes without a scope decision"
    assert decided - served == set(), "the table names routes the app does not serve"


def _path_names(path: str) -> str:
    for short, full in (
        ("{incident}", "{incident_id}"),
        ("{report}", "{report_id}"),
        ("{draft}", "{draft_id}"),
        ("{notification}", "{notification_id}"),
    ):
        path = path.replace(short, full)
    return path


@pytest.mark.parametrize(("method", "path", "body"), JSON_OBJECT_ROUTES)
async def test_json_outside_the_scope_is_not_found(
    intake: httpx.AsyncClient, method: str, path: str, body: dict[str, Any]
) -> None:
    secret = KEYS["kalapas"]
    away, home = await _incident(intake, AWAY), await _incident(intake, HOME)
    bearer = {"Authorization": f"Bearer {secret}"}
    async with console(intake, "kalapas") as head:
        csrf = {"X-CSRF-Token": head.csrf}
        assert (
            await _call_json(head.client, method, _fill(path, away), _body(body, away), headers=csrf) == 404
        )
    assert await _call_json(intake, method, _fill(path, away), _body(body, away), headers=bearer) == 404
    # Merging into an incident out of scope is refused the same way.
    if path.endswith("/merge"):
        into_away = _body({**body, "into": away.incident}, home)
        assert await _call_json(intake, method, _fill(path, home), into_away, headers=bearer) == 404
    status = await _call_json(intake, method, _fill(path, home), _body(body, home), headers=bearer)
    assert status < 400 or status == 409, f"in scope: {status}"
    body_after = await incident(intake, away.incident)
    assert body_after["level"] == 2
    assert body_after["phase"] != "ditutup"
    assert body_after["drafts"][0]["status"] == "proposed", "nothing happened out of scope"


@pytest.mark.parametrize(("method", "path", "body"), HTML_OBJECT_ROUTES)
async def test_pages_outside_the_scope_are_not_found(
    intake: httpx.AsyncClient, method: str, path: str, body: dict[str, Any]
) -> None:
    away, home = await _incident(intake, AWAY), await _incident(intake, HOME)
    async with console(intake, "kanwil") as kanwil:
        assert await _call_html(kanwil, method, _fill(path, away), _body(body, away)) == 404
        if path.endswith("plan.txt"):
            await kanwil.post(f"/incidents/{home.incident}/plan", {"tujuan": "x"})
        if path.endswith("docx"):
            await kanwil.post(f"/drafts/{home.draft}/review", {"decision": "approved", "text": ""})
        status = await _call_html(kanwil, method, _fill(path, home), _body(body, home))
    assert status in (200, 303), f"in scope: {status}"
    assert (await incident(intake, away.incident))["drafts"][0]["working_text"] is None


async def test_lists_show_only_what_is_in_scope(intake: httpx.AsyncClient) -> None:
    away, home = await _incident(intake, AWAY), await _incident(intake, HOME)
    spike = MediaSpikeDetected(
        incident_id=uuid.UUID(away.incident),
        producer="intake",
        unit=unit_ref(AWAY),
        negative_count=5,
        window_hours=24,
        baseline=0.5,
    )
    approved = draft_event(away.incident, DraftKind.KEY_MESSAGES, "Pesan rahasia Banceuy.", code=AWAY)
    await apply(intake, spike, approved)
    await intake.post(
        f"/v1/drafts/{approved.draft_id}/review", json={"decision": "approved", "reviewer": "Kanwil Jabar"}
    )
    async with runtime_of(intake).unit_of_work() as session:
        session.add(MediaTally(day=date.today(), unit_code=AWAY, positive=0, negative=9, neutral=0))
        session.add(MediaTally(day=date.today(), unit_code=HOME, positive=4, negative=1, neutral=0))
        session.add(
            ChannelMessage(
                channel="telegram",
                external_id=uuid.uuid4().hex,
                text="x",
                status="reported",
                incident_id=away.incident,
            )
        )
        session.add(
            ChannelMessage(channel="telegram", external_id=uuid.uuid4().hex, text="y", status="unmatched")
        )
    async with console(intake, "humas") as humas:
        listed = {i["id"] for i in (await humas.get("/v1/incidents")).json()}
        assert home.incident in listed
        assert away.incident not in listed
        assert (await humas.get("/v1/channel-messages")).json() == []
        tally = (await humas.get("/v1/media/tally")).json()
        assert {d["unit_code"] for d in tally["days"]} == {HOME}
        pages = {
            p: (await humas.get(p)).text
            for p in ("/", "/team", "/media", "/library", "/reports/new", "/live/dashboard")
        }
        for path, text in pages.items():
            assert away.incident not in text, path
            assert AWAY not in text, path
        assert home.incident in pages["/"]
        assert "Pesan rahasia" not in pages["/library"]
        assert "Lonjakan pemberitaan negatif tentang" not in pages["/media"]
    async with console(intake, "pusat") as pusat:
        listed = {i["id"] for i in (await pusat.get("/v1/incidents")).json()}
        assert {home.incident, away.incident} <= listed
        assert len((await pusat.get("/v1/channel-messages")).json()) == 2
        assert "Pesan rahasia Banceuy." in (await pusat.get("/library")).text
        assert "Lonjakan pemberitaan negatif" in (await pusat.get("/media")).text


async def test_reports_only_for_units_in_scope(intake: httpx.AsyncClient) -> None:
    text = "Terjadi keributan di blok hunian."
    async with console(intake, "humas") as humas:
        refused = await humas.client.post(
            "/v1/reports", json={"unit_code": AWAY, "text": text}, headers={"X-CSRF-Token": humas.csrf}
        )
        assert refused.status_code == 403
        form = await humas.post("/reports/new", {"unit_code": AWAY, "text": text})
        assert form.status_code == 422
        assert "Anda hanya dapat melapor untuk UPT DKI-LAPAS-CIPINANG" in form.text
        ok = await humas.post("/reports/new", {"unit_code": HOME, "text": text})
        assert ok.status_code == 303


async def test_admin_pages_are_for_admins_only(intake: httpx.AsyncClient) -> None:
    async with console(intake, "pusat") as pusat:
        for method, path in sorted(ADMIN_ROUTES):
            concrete = path.replace("{user_id}", str(uuid.uuid4())).replace("{key_id}", str(uuid.uuid4()))
            status = (
                (await pusat.get(concrete)).status_code
                if method == "GET"
                else (
                    await pusat.post(concrete, {"name": "x", "role": "admin", "password": "p" * 12})
                ).status_code
            )
            assert status == 403, (method, path)


@pytest.mark.parametrize(
    ("username", "level", "may"),
    [
        ("humas", 1, False),
        ("kalapas", 2, True),
        ("kalapas", 3, False),
        ("kanwil", 3, True),
        ("kanwil", 4, False),
        ("pusat", 4, True),
    ],
)
async def test_approval_follows_the_authority_of_the_level(
    intake: httpx.AsyncClient, username: str, level: int, may: bool
) -> None:
    ids = await _incident(intake, HOME, level=level)
    async with console(intake, username) as person:
        headers = {"X-CSRF-Token": person.csrf}
        answer = await person.client.post(
            f"/v1/drafts/{ids.draft}/review",
            json={"decision": "approved", "reviewer": "Nama Palsu"},
            headers=headers,
        )
        closing = await person.client.post(
            f"/v1/incidents/{ids.incident}/close", json={"declaration": "selesai"}, headers=headers
        )
    assert answer.status_code == (200 if may else 403), answer.text
    assert closing.status_code == (200 if may else 403), closing.text
    if may:
        assert answer.json()["reviewed_by"] == f"Pejabat {username}", "the name comes from the login"
        assert closing.json()["closed_by"] == f"Pejabat {username}"
    else:
        assert "authority" in answer.json()["message"]
        assert "can only be closed by" in closing.json()["message"]


async def test_a_revoked_key_stops_working_and_acts_in_its_own_name(intake: httpx.AsyncClient) -> None:
    async with runtime_of(intake).unit_of_work() as session:
        key, secret = await accounts.create_api_key(
            session,
            name="Bot Kanwil",
            role=UserRole.KANWIL,
            unit_code=None,
            region_code="dki",
            created_by="t",
        )
    bearer = {"Authorization": f"Bearer {secret}"}
    ids = await _incident(intake, HOME, level=3)
    override = await intake.post(
        f"/v1/incidents/{ids.incident}/level",
        json={"level": 2, "reason": "mereda", "overridden_by": "Orang Lain"},
        headers=bearer,
    )
    assert override.status_code == 200
    assert override.json()["level_override"]["by"] == "Bot Kanwil (kunci API)"
    async with runtime_of(intake).unit_of_work() as session:
        await accounts.revoke_api_key(session, key.id, "admin")
    assert (await intake.get("/v1/incidents", headers=bearer)).status_code == 403
    assert (
        await intake.get("/v1/incidents", headers={"Authorization": "Bearer tgp_salah"})
    ).status_code == 403


async def test_anyone_in_scope_may_raise_the_level_but_not_lower_it(intake: httpx.AsyncClient) -> None:
    ids = await _incident(intake, HOME, level=2)
    async with console(intake, "humas") as humas:
        headers = {"X-CSRF-Token": humas.csrf}
        url = f"/v1/incidents/{ids.incident}/level"
        up = await humas.client.post(url, json={"level": 3, "reason": "viral"}, headers=headers)
        down = await humas.client.post(url, json={"level": 1, "reason": "reda"}, headers=headers)
        krisis = await humas.client.post(
            f"/v1/incidents/{ids.incident}/phase",
            json={"phase": "pasca_krisis", "reason": "x"},
            headers=headers,
        )
    assert up.status_code == 200
    assert down.status_code == 403
    assert krisis.status_code == 403

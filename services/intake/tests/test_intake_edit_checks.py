"""Every edit is checked before approval (issue 13 item 5), and a decision records who really took it
(issue 14 item 9): a real nats-server with the intake, the classifier and the drafter as processes, driven
over HTTP (JSON API and console) as an officer would."""

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from tanggap_runner.nats import free_port
from tanggap_runner.system import System
from tanggap_shared.events import DraftChecked, DraftEdited, parse_event, subject_for
from tanggap_shared.messaging import STREAM_NAME

BOOTSTRAP = "kunci-bootstrap-uji-suntingan-0001"
ADMIN_PASSWORD = "admin-untuk-uji-suntingan-1"
BEARER = {"Authorization": f"Bearer {BOOTSTRAP}"}
# What an officer must never add for an Anak: a name, an age and a village (PPRA, UU SPPA Pasal 19).
CHILD_DETAIL = " Anak tersebut, Rizky Pratama (15), berasal dari Desa Sukamaju."
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')
_SECRET = re.compile(r'id="new-secret">([^<]+)<')


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    env = {"TANGGAP_BOOTSTRAP_API_KEY": BOOTSTRAP, "TANGGAP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with System(
        tmp_path_factory.mktemp("edit-checks"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        services=("intake", "classifier", "drafter"),
        env=env,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def api(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=20, headers=BEARER) as client:
        yield client


@pytest.fixture(scope="module")
def admin(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.base_url, timeout=20) as browser:
        form = browser.get("/login")
        token = _LOGIN_CSRF.search(form.text)
        assert token, form.text[:300]
        data = {"username": "admin", "password": ADMIN_PASSWORD, "login_csrf": token.group(1)}
        assert browser.post("/login", data=data).status_code == 303
        yield browser


def csrf_of(browser: httpx.Client) -> str:
    token = _CSRF.search(browser.get("/account").text)
    assert token
    return token.group(1)


def wait_for(fetch: Callable[[], dict[str, Any]], ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    body = fetch()
    while not ready(body):
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready: {json.dumps(body, ensure_ascii=False)[:2000]}")
        time.sleep(0.1)
        body = fetch()
    return body


def escape_at(api: httpx.Client, unit_code: str) -> tuple[str, dict[str, Any]]:
    """An Anak missing from an LPKA, reported; its incident id and its holding statement once drafted."""
    report = {
        "unit_code": unit_code,
        "text": "Seorang Anak Binaan tidak ditemukan saat apel pagi pada Selasa dan diduga melarikan diri. "
        "Petugas bersama kepolisian melakukan pencarian.",
        "source": "internal",
        "impact": {"escapees": 1, "children_involved": True},
        "reported_by": "Humas LPKA",
    }
    accepted = api.post("/v1/reports", json=report)
    assert accepted.status_code == 202, accepted.text
    incident_id = accepted.json()["incident_id"]

    def holding(body: dict[str, Any]) -> bool:
        return any(d["kind"] == "holding_statement" for d in body.get("drafts", []))

    body = wait_for(lambda: api.get(f"/v1/incidents/{incident_id}").json(), holding)
    return incident_id, next(d for d in body["drafts"] if d["kind"] == "holding_statement")


def checked(api: httpx.Client, draft_id: str, revision: int) -> dict[str, Any]:
    return wait_for(
        lambda: api.get(f"/v1/drafts/{draft_id}/check").json(),
        lambda b: b["state"] == "checked" and b["revision"] == revision,
    )


def approve(
    api: httpx.Client, draft_id: str, text: str | None, reviewer: str = "Kalapas Uji"
) -> httpx.Response:
    body = {"decision": "approved", "reviewer": reviewer, "text": text}
    return api.post(f"/v1/drafts/{draft_id}/review", json=body)


def test_an_edit_adding_a_childs_name_age_and_village_is_blocked_at_approval(
    api: httpx.Client, admin: httpx.Client
) -> None:
    _incident_id, draft = escape_at(api, "SUMSEL-LPKA-PALEMBANG")
    edited = draft["text"] + CHILD_DETAIL
    saved = api.post(f"/v1/drafts/{draft['id']}/save", json={"text": edited, "edited_by": "Humas LPKA"})
    assert saved.status_code == 202, saved.text
    assert saved.json()["revision"] == 1

    check = checked(api, draft["id"], 1)
    blocked = " ".join(f["excerpt"] for f in check["findings"] if f["severity"] == "blocking")
    for detail in ("Rizky Pratama", "(15)", "Desa Sukamaju"):
        assert detail in blocked, check["findings"]
    refused = approve(api, draft["id"], edited)
    assert refused.status_code == 422, refused.text
    assert {d["code"] for d in refused.json()["detail"]} >= {"child_identity"}
    fragment = admin.get(f"/drafts/{draft['id']}/check").text
    assert "Pemeriksaan suntingan (revisi 1)" in fragment
    assert "Memblokir" in fragment
    assert "Rizky Pratama" in fragment
    assert api.get(f"/v1/drafts/{draft['id']}/check").json()["state"] == "checked"
    still = api.get(f"/v1/incidents/{_incident_id}").json()
    assert next(d for d in still["drafts"] if d["id"] == draft["id"])["status"] == "proposed"


def test_a_clean_edit_is_approved_once_checked_and_signed_by_its_caller(api: httpx.Client) -> None:
    incident_id, draft = escape_at(api, "ACEH-LPKA-BANDAACEH")
    assert " dan " in draft["text"]
    edited = draft["text"].replace(" dan ", " serta ", 1)
    assert (
        api.post(f"/v1/drafts/{draft['id']}/save", json={"text": edited, "edited_by": "Humas"}).status_code
        == 202
    )
    check = checked(api, draft["id"], 1)
    assert check["blocking"] == 0, check["findings"]
    assert check["checks_version"].startswith("checks-")

    answer = approve(api, draft["id"], edited, reviewer="Kadivpas Budi")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["final_text"], body["edit_revision"]) == ("approved", edited.strip(), 1)
    # The bootstrap key relays a person's decision: the key is recorded, the name kept as a claim.
    assert (body["recorded_by"], body["recorded_by_kind"], body["on_behalf_of"]) == (
        "kunci bootstrap",
        "bootstrap",
        "Kadivpas Budi",
    )
    timeline = api.get(f"/v1/incidents/{incident_id}").json()["timeline"]
    assert [t["kind"] for t in timeline].count("draft.checked") == 1


def test_an_approval_racing_a_save_waits_for_the_check_of_the_saved_text(
    system: System, api: httpx.Client, admin: httpx.Client
) -> None:
    incident_id, draft = escape_at(api, "JAMBI-LPKA-MUARABULIAN")
    edited = draft["text"].replace(" dan ", " serta ", 1)
    system.stop_service("drafter")  # the check of the edit cannot arrive: the approval must wait for it
    try:
        waiting = approve(api, draft["id"], edited)
        assert waiting.status_code == 409, waiting.text
        assert waiting.json()["detail"][0]["code"] == "check_pending"
        again = approve(api, draft["id"], edited)
        assert (again.status_code, again.json()["detail"][0]["revision"]) == (409, 1), "no second revision"
        page = admin.get(f"/incidents/{incident_id}").text
        assert "Sedang diperiksa" in page
        form = {"csrf_token": csrf_of(admin), "decision": "approved", "text": edited}
        console = admin.post(f"/drafts/{draft['id']}/review", data=form)
        assert console.status_code == 409
        assert "pemeriksaan teks terbaru belum selesai, coba lagi sebentar" in console.text
    finally:
        system.start_service("drafter")
    checked(api, draft["id"], 1)
    # A stale text (the proposal) after the saved edit is no approval of what was checked.
    assert approve(api, draft["id"], None).json()["detail"][0]["code"] == "not_latest_revision"
    approved = approve(api, draft["id"], edited)
    assert approved.status_code == 200, approved.text
    assert approved.json()["final_text"] == edited.strip()


async def _stream(url: str, event_type: str, draft_id: str) -> list[bytes]:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        found: list[bytes] = []
        seq = 1
        while True:
            try:
                msg = await js.get_msg(STREAM_NAME, seq, subject=subject_for(event_type), next=True)
            except NotFoundError:
                return found
            if json.loads(msg.data or b"{}").get("draft_id") == draft_id:
                found.append(msg.data or b"")
            seq = (msg.seq or seq) + 1
    finally:
        await connection.close()


async def _republish(url: str, *bodies: bytes) -> None:
    """Deliver again, with no message id: the broker cannot drop the copies, only the consumers can."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        for body in bodies:
            await js.publish(subject_for(parse_event(body).type), body)
    finally:
        await connection.close()


def test_redelivered_edits_and_checks_change_nothing(system: System, api: httpx.Client) -> None:
    incident_id, draft = escape_at(api, "LAMPUNG-LPKA-BANDARLAMPUNG")
    edited = draft["text"] + CHILD_DETAIL
    assert (
        api.post(f"/v1/drafts/{draft['id']}/save", json={"text": edited, "edited_by": "Humas"}).status_code
        == 202
    )
    assert (
        api.post(f"/v1/drafts/{draft['id']}/save", json={"text": edited, "edited_by": "Humas"}).json()[
            "revision"
        ]
        == 1
    )
    first = checked(api, draft["id"], 1)
    [edit] = asyncio.run(_stream(system.broker_url, "draft.edited", draft["id"]))
    [check] = asyncio.run(_stream(system.broker_url, "draft.checked", draft["id"]))
    assert DraftEdited.model_validate_json(edit).revision == 1
    assert (
        DraftChecked.model_validate_json(check).causation_id == DraftEdited.model_validate_json(edit).event_id
    )

    asyncio.run(_republish(system.broker_url, edit, check, check))
    # A later save is the marker: once its check is in, the copies before it were handled.
    marker = edited.replace(CHILD_DETAIL, "")
    assert (
        api.post(f"/v1/drafts/{draft['id']}/save", json={"text": marker, "edited_by": "Humas"}).status_code
        == 202
    )
    checked(api, draft["id"], 2)
    checks = asyncio.run(_stream(system.broker_url, "draft.checked", draft["id"]))
    assert len(checks) == 2 + 2, "the copies re-sent, and one check of revision 2; none of revision 1 again"
    revisions = sorted(DraftChecked.model_validate_json(c).revision for c in checks)
    assert revisions == [1, 1, 1, 2]
    assert len({DraftChecked.model_validate_json(c).event_id for c in checks}) == 2
    timeline = api.get(f"/v1/incidents/{incident_id}").json()["timeline"]
    assert [t["kind"] for t in timeline].count("draft.checked") == 2, "one line per revision checked"
    assert first["findings"]


def make_key(admin: httpx.Client, name: str, role: str) -> str:
    form = {"csrf_token": csrf_of(admin), "name": name, "role": role, "unit_code": "", "region_code": ""}
    page = admin.post("/admin/keys", data=form)
    secret = _SECRET.search(page.text)
    assert page.status_code == 200, page.text[:500]
    assert secret, page.text[:500]
    return secret.group(1).strip()


def test_a_decision_records_its_principal_and_keeps_a_sent_name_as_a_claim(
    system: System, api: httpx.Client, admin: httpx.Client
) -> None:
    incident_id, draft = escape_at(api, "BABEL-LPKA-PANGKALPINANG")
    key = make_key(admin, f"Bot Pusat {uuid.uuid4().hex[:4]}", "ditjenpas")
    forged = "Kepala Kanwil (asli)"
    with httpx.Client(base_url=system.base_url, timeout=20) as bot:
        answer = bot.post(
            f"/v1/drafts/{draft['id']}/review",
            json={"decision": "rejected", "reviewer": forged, "comment": "nada"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reviewed_by"].endswith("(kunci API)"), "a key signs as itself whatever name it sends"
    assert (body["recorded_by"], body["recorded_by_kind"]) == (body["reviewed_by"], "api_key")
    assert body["on_behalf_of"] == forged, "the claim is kept, as a claim"
    page = admin.get(f"/incidents/{incident_id}").text
    assert f"diisi atas nama {forged}" in page
    # A person in the console signs with the login; no claim.
    other = next(
        d for d in api.get(f"/v1/incidents/{incident_id}").json()["drafts"] if d["status"] == "proposed"
    )
    form = {"csrf_token": csrf_of(admin), "decision": "rejected", "text": other["text"]}
    assert admin.post(f"/drafts/{other['id']}/review", data=form).status_code == 303
    decided = next(
        d for d in api.get(f"/v1/incidents/{incident_id}").json()["drafts"] if d["id"] == other["id"]
    )
    assert (decided["recorded_by_kind"], decided["on_behalf_of"]) == ("user", "")
    assert decided["recorded_by"] == decided["reviewed_by"]

"""Issue 14, area "auth": the attacks on principals, scope and attribution that got through, replayed against
the real intake process (nats-server and `python -m tanggap_intake`, as `make up` starts them), over HTTP.

Every actor is real: the admin creates people and API keys through the console, machines call with their
keys, people log in through the login form. Clients bind to different loopback addresses (127.0.0.x) so
the login throttle sees distinct callers without any forwarded header.
"""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

BOOTSTRAP = "tgp_bootstrap_" + uuid.uuid4().hex
ADMIN_PASSWORD = "admin-untuk-uji-keamanan"
PASSWORD = "kata-sandi-uji-keamanan"
CIPINANG = "DKI-LAPAS-CIPINANG"
SUKAMISKIN = "JABAR-LAPAS-SUKAMISKIN"
# The only address allowed to speak for others in X-Forwarded-For (a reverse proxy on loopback).
PROXY = "127.0.0.2"
PER_ADDRESS = 12
RIOT = "Terjadi kerusuhan di blok hunian pada Minggu malam; dua petugas luka-luka dan video beredar."

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')
_SECRET = re.compile(r'id="new-secret">([^<]+)<')


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    env = {
        "TANGGAP_BOOTSTRAP_API_KEY": BOOTSTRAP,
        "TANGGAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TANGGAP_TRUSTED_PROXIES": PROXY,
        "TANGGAP_LOGIN_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
    }
    with System(
        tmp_path_factory.mktemp("security-auth"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        services=("intake",),
        env=env,
    ) as running:
        yield running


def client(system: System, address: str = "127.0.0.1", **headers: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.0.0.x is this machine)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=system.base_url, transport=transport, timeout=20, headers=headers)


def login(browser: httpx.Client, username: str, password: str, **headers: str) -> httpx.Response:
    form = browser.get("/login")
    token = _LOGIN_CSRF.search(form.text)
    assert token, form.text[:300]
    return browser.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": token.group(1)},
        headers=headers,
    )


def csrf_of(browser: httpx.Client) -> str:
    token = _CSRF.search(browser.get("/account").text)
    assert token
    return token.group(1)


@pytest.fixture(scope="module")
def admin(system: System) -> Iterator[httpx.Client]:
    with client(system, "127.0.0.3") as browser:
        assert login(browser, "admin", ADMIN_PASSWORD).status_code == 303
        yield browser


def make_user(admin: httpx.Client, username: str, role: str, unit: str = "", region: str = "") -> None:
    form = {
        "csrf_token": csrf_of(admin),
        "username": username,
        "name": f"Pejabat {username}",
        "role": role,
        "unit_code": unit,
        "region_code": region,
        "password": PASSWORD,
    }
    answer = admin.post("/admin/users", data=form)
    assert answer.status_code == 303, answer.text[:500]


def make_key(admin: httpx.Client, name: str, role: str, unit: str = "", region: str = "") -> str:
    form = {
        "csrf_token": csrf_of(admin),
        "name": name,
        "role": role,
        "unit_code": unit,
        "region_code": region,
    }
    page = admin.post("/admin/keys", data=form)
    secret = _SECRET.search(page.text)
    assert page.status_code == 200, page.text[:500]
    assert secret, page.text[:500]
    return secret.group(1).strip()


@pytest.fixture(scope="module")
def keys(admin: httpx.Client) -> dict[str, str]:
    return {
        "cipinang": make_key(admin, "Bot Humas Cipinang", "humas_upt", unit=CIPINANG),
        "cipinang_2": make_key(admin, "Bot Kedua Cipinang", "humas_upt", unit=CIPINANG),
        "sukamiskin": make_key(admin, "Bot Humas Sukamiskin", "humas_upt", unit=SUKAMISKIN),
        "pusat": make_key(admin, "Integrasi Ditjenpas", "ditjenpas"),
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def post_report(api: httpx.Client, key: str, unit: str, text: str, **extra: Any) -> dict[str, Any]:
    answer = api.post("/v1/reports", headers=bearer(key), json={"unit_code": unit, "text": text, **extra})
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def incident_of(api: httpx.Client, incident_id: str) -> dict[str, Any]:
    answer = api.get(f"/v1/incidents/{incident_id}", headers=bearer(BOOTSTRAP))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


# ---- 4. scope after a cross-unit merge ------------------------------------------------------------


def test_a_merge_across_units_must_be_explicit_and_scope_follows_the_current_incident(
    system: System, keys: dict[str, str]
) -> None:
    with client(system) as api:
        away = post_report(api, keys["sukamiskin"], SUKAMISKIN, "Keributan di Lapas Sukamiskin " + RIOT)
        home = post_report(api, keys["cipinang"], CIPINANG, "Kerusuhan di Lapas Cipinang " + RIOT)
        merge = {"into": str(home["incident_id"]), "reason": "Satu kejadian yang dilaporkan dua UPT"}
        path = f"/v1/incidents/{away['incident_id']}/merge"

        implicit = api.post(path, headers=bearer(keys["pusat"]), json=merge)
        assert implicit.status_code == 409, implicit.text
        assert "across_units" in implicit.json()["message"]
        assert incident_of(api, str(away["incident_id"]))["merged_into"] is None, "nothing half done"

        explicit = api.post(path, headers=bearer(keys["pusat"]), json={**merge, "across_units": True})
        assert explicit.status_code == 200, explicit.text
        for incident_id in (away["incident_id"], home["incident_id"]):
            timeline = incident_of(api, str(incident_id))["timeline"]
            entries = [t for t in timeline if t["kind"] == "incident.merged_across_units"]
            assert len(entries) == 1, timeline
            assert entries[0]["actor"] == "Integrasi Ditjenpas (kunci API)"

        # The Sukamiskin Humas no longer reaches its report: it lives in Cipinang's incident now.
        report_path = f"/v1/reports/{away['report_id']}"
        outsider = bearer(keys["sukamiskin"])
        patched = api.patch(report_path, headers=outsider, json={"facts": {"who": "bukan urusan kami"}})
        split = api.post(f"{report_path}/split", headers=outsider, json={"reason": "ambil kembali"})
        seen = api.get(f"/v1/incidents/{home['incident_id']}", headers=outsider)
        assert (patched.status_code, split.status_code, seen.status_code) == (404, 404, 404)
        moved = incident_of(api, str(home["incident_id"]))
        assert len(moved["reports"]) == 2, "the report stayed where Ditjenpas put it"
        assert all("who" not in r["facts"] for r in moved["reports"])

        # Cipinang, whose incident it is now, may correct it.
        inside = api.patch(report_path, headers=bearer(keys["cipinang"]), json={"facts": {"when": "Minggu"}})
        assert inside.status_code == 200, inside.text


def test_a_unit_scoped_key_cannot_merge_into_another_units_incident(
    system: System, keys: dict[str, str]
) -> None:
    with client(system) as api:
        away = post_report(api, keys["sukamiskin"], SUKAMISKIN, "Pemerasan di Lapas Sukamiskin " + RIOT)
        home = post_report(api, keys["cipinang"], CIPINANG, "Pemerasan di Lapas Cipinang " + RIOT)
        answer = api.post(
            f"/v1/incidents/{away['incident_id']}/merge",
            headers=bearer(keys["sukamiskin"]),
            json={"into": str(home["incident_id"]), "reason": "coba", "across_units": True},
        )
        assert answer.status_code == 404, answer.text


# ---- 9. attribution --------------------------------------------------------------------------------


def test_a_key_cannot_make_someone_else_look_like_the_author(system: System, keys: dict[str, str]) -> None:
    with client(system) as api:
        forged = "Kepala Kanwil DKI (asli)"
        accepted = post_report(
            api,
            keys["cipinang"],
            CIPINANG,
            "Narkoba ditemukan di Lapas Cipinang saat razia.",
            reported_by=forged,
        )
        report = next(
            r
            for r in incident_of(api, str(accepted["incident_id"]))["reports"]
            if r["id"] == accepted["report_id"]
        )
        assert report["recorded_by"] == "Bot Humas Cipinang (kunci API)"
        assert report["recorded_by_kind"] == "api_key"
        assert report["reported_by"] == forged, "the claim is kept, as a claim"


def test_the_console_records_the_person_logged_in_and_labels_the_pengisi(
    system: System, admin: httpx.Client
) -> None:
    make_user(admin, "humas.cipinang", "humas_upt", unit=CIPINANG)
    with client(system, "127.0.0.4") as browser:
        assert login(browser, "humas.cipinang", PASSWORD).status_code == 303
        form = {
            "csrf_token": csrf_of(browser),
            "unit_code": CIPINANG,
            "text": "Seorang warga binaan melarikan diri dari Lapas Cipinang dini hari.",
            "reported_by": "Kepala Kanwil DKI (asli)",
            "request_key": uuid.uuid4().hex,
        }
        filed = browser.post("/reports/new", data=form)
        assert filed.status_code == 303, filed.text[:500]
        page = browser.get(filed.headers["location"])
        assert "dicatat oleh Pejabat humas.cipinang" in page.text
        assert "diisi atas nama Kepala Kanwil DKI (asli)" in page.text
        incident_id = filed.headers["location"].rsplit("/", 1)[-1].split("?")[0]
    with client(system) as api:
        report = incident_of(api, incident_id)["reports"][0]
        assert (report["recorded_by_kind"], report["recorded_by"]) == ("user", "Pejabat humas.cipinang")


# ---- 10. idempotency keys per principal -------------------------------------------------------------


def test_the_same_idempotency_key_from_two_callers_is_two_requests(
    system: System, keys: dict[str, str]
) -> None:
    key = {"Idempotency-Key": f"laporan-{uuid.uuid4().hex[:8]}"}
    first_body = {"unit_code": CIPINANG, "text": "Kebakaran kecil di dapur Lapas Cipinang, sudah padam."}
    other_body = {"unit_code": CIPINANG, "text": "Perkelahian antarwarga binaan di Lapas Cipinang."}
    with client(system) as api:
        first = api.post("/v1/reports", headers={**bearer(keys["cipinang"]), **key}, json=first_body)
        assert first.status_code == 202, first.text
        # Other callers with the same key: neither a 409 (an oracle) nor the first caller's answer.
        different = api.post("/v1/reports", headers={**bearer(keys["cipinang_2"]), **key}, json=other_body)
        same = api.post("/v1/reports", headers={**bearer(keys["pusat"]), **key}, json=first_body)
        assert (different.status_code, same.status_code) == (202, 202), (different.text, same.text)
        assert different.json()["report_id"] != first.json()["report_id"]
        assert same.json()["report_id"] not in {first.json()["report_id"], different.json()["report_id"]}
        # Each caller's own retry still answers with its own first answer, and a changed body is a conflict.
        again = api.post("/v1/reports", headers={**bearer(keys["cipinang"]), **key}, json=first_body)
        changed = api.post("/v1/reports", headers={**bearer(keys["cipinang"]), **key}, json=other_body)
        assert again.json()["report_id"] == first.json()["report_id"]
        assert changed.status_code == 409


# ---- 11. login throttling -----------------------------------------------------------------------------


def test_wrong_passwords_from_an_attacker_do_not_lock_the_owner_out(system: System) -> None:
    with client(system, "127.0.0.9") as attacker:
        answers = [login(attacker, "admin", f"salah-{n}-sekali") for n in range(8)]
    codes = [a.status_code for a in answers]
    assert codes[:3] == [401, 401, 401], codes
    assert codes[-1] == 429, codes
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert "detik" in answers[-1].text
    with client(system, "127.0.0.7") as owner:
        assert login(owner, "admin", ADMIN_PASSWORD).status_code == 303, "the real admin gets in at once"


def test_a_forged_forwarded_header_does_not_dodge_the_throttle(system: System, admin: httpx.Client) -> None:
    make_user(admin, "kalapas.sukamiskin", "kepala_upt", unit=SUKAMISKIN)
    with client(system, "127.0.0.10") as attacker:
        codes = [
            login(attacker, "kalapas.sukamiskin", "tebakan-salah-1", **{"X-Forwarded-For": f"10.9.8.{n}"})
            for n in range(4)
        ]
    assert codes[-1].status_code == 429, [c.status_code for c in codes]


def test_password_spraying_meets_the_wide_per_address_limit(system: System) -> None:
    with client(system, "127.0.0.11") as sprayer:
        codes = [
            login(sprayer, f"pengguna{n}", "Password123!", **{"X-Forwarded-For": f"10.1.1.{n}"}).status_code
            for n in range(PER_ADDRESS + 2)
        ]
    assert codes[:PER_ADDRESS] == [401] * PER_ADDRESS
    assert codes[-1] == 429, codes


def test_a_configured_proxy_is_believed_about_the_callers_address(system: System) -> None:
    with client(system, PROXY) as proxy:
        for n in range(6):
            login(proxy, "admin", f"salah-lewat-proxy-{n}", **{"X-Forwarded-For": "198.51.100.23"})
        refused = login(proxy, "admin", ADMIN_PASSWORD, **{"X-Forwarded-For": "198.51.100.23"})
        other = login(proxy, "admin", ADMIN_PASSWORD, **{"X-Forwarded-For": "198.51.100.99"})
    assert (refused.status_code, other.status_code) == (429, 303)

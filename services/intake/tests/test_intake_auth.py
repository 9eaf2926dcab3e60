"""Logging in: argon2 passwords, session cookies, CSRF on every form, throttled guessing, the first admin,
and which callers the JSON API takes (open mode, the bootstrap key, API keys, sessions)."""

import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tanggap_intake import accounts
from tanggap_intake.access import UserRole
from tanggap_intake.auth import SESSION_COOKIE
from tanggap_intake.models import User, UserSession
from tanggap_runner.nats import NatsServer

from .conftest import (
    ADMIN_PASSWORD,
    PASSWORD,
    add_user,
    console,
    intake_settings,
    log_in,
    report,
    running_intake,
    runtime_of,
)

RIOT = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Terjadi keributan di blok hunian."}


async def test_passwords_are_stored_as_argon2_hashes(intake: httpx.AsyncClient) -> None:
    await add_user(intake, "budi", UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG")
    async with runtime_of(intake).sessions() as session:
        user = await session.scalar(select(User).where(User.username == "budi"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.password_matches(user.password_hash, PASSWORD)
    assert not accounts.password_matches(user.password_hash, PASSWORD + "x")
    assert not accounts.password_matches("not-a-hash", PASSWORD)


async def test_login_sets_a_safe_cookie_and_logout_ends_the_session(intake: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=str(intake.base_url)) as client:
        answer = await log_in(client, "admin", ADMIN_PASSWORD)
        assert answer.status_code == 303
        cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie
        token = client.cookies[SESSION_COOKIE]
        async with runtime_of(intake).sessions() as session:
            stored = (await session.scalars(select(UserSession.token_hash))).all()
        assert token not in stored, "only the token's hash is kept"
        assert accounts.sha256(token) in stored
        page = await client.get("/account")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert (await client.post("/logout", data={"csrf_token": "wrong"})).status_code == 403
        out = await client.post("/logout", data={"csrf_token": csrf})
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        client.cookies.set(SESSION_COOKIE, token)
        assert (await client.get("/")).status_code == 303, "the old cookie no longer works"


async def test_wrong_passwords_are_refused_then_throttled(intake: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=str(intake.base_url)) as client:
        for _ in range(accounts.FREE_FAILURES):
            wrong = await log_in(client, "admin", "salah-sekali")
            assert wrong.status_code == 401
            assert "Nama pengguna atau kata sandi salah" in wrong.text
        throttled = await log_in(client, "admin", ADMIN_PASSWORD)
        assert throttled.status_code == 429, "even the right password waits out the delay"
        assert "Terlalu banyak percobaan" in throttled.text
        assert throttled.headers["Retry-After"] == str(int(accounts.backoff_seconds(accounts.FREE_FAILURES)))
        unknown = await log_in(client, "tidak-ada", "apa-saja-123")
        assert unknown.status_code == 401


async def test_the_login_form_needs_its_token_and_only_redirects_locally(intake: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=str(intake.base_url)) as client:
        forged = await client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert forged.status_code == 403
        page = await client.get("/login", params={"next": "//evil.example/x"})
        token = page.text.split('name="login_csrf" value="', 1)[1].split('"', 1)[0]
        assert 'name="next" value="/"' in page.text
        answer = await client.post(
            "/login",
            data={
                "username": "admin",
                "password": ADMIN_PASSWORD,
                "login_csrf": token,
                "next": "https://evil",
            },
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/")


async def test_every_console_form_checks_the_csrf_token(intake: httpx.AsyncClient) -> None:
    incident_id = (await report(intake, **RIOT))["incident_id"]
    async with console(intake) as admin:
        for path, data in [
            ("/reports/new", {"unit_code": "DKI-LAPAS-CIPINANG", "text": "ricuh"}),
            (f"/incidents/{incident_id}/level", {"level": "3", "reason": "x"}),
            (f"/incidents/{incident_id}/close", {"declaration": "selesai"}),
            (f"/incidents/{incident_id}/plan", {"tujuan": "x"}),
            ("/admin/users", {"username": "z", "name": "Z", "role": "admin", "password": "p" * 12}),
            ("/admin/keys", {"name": "k", "role": "admin"}),
            ("/account/password", {"current": ADMIN_PASSWORD, "new": "n" * 12, "repeat": "n" * 12}),
        ]:
            missing = await admin.client.post(path, data=data)
            wrong = await admin.client.post(path, data={**data, "csrf_token": admin.csrf + "x"})
            assert (missing.status_code, wrong.status_code) == (403, 403), path
            assert "Formulir kedaluwarsa" in missing.text
    body = (await intake.get(f"/v1/incidents/{incident_id}")).json()
    assert body["level"] is None, "nothing was done"
    assert body["phase"] != "ditutup"


async def test_a_deactivated_person_is_logged_out(intake: httpx.AsyncClient) -> None:
    await add_user(intake, "budi", UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG")
    async with console(intake, "budi") as budi, console(intake) as admin:
        async with runtime_of(intake).sessions() as session:
            user_id = await session.scalar(select(User.id).where(User.username == "budi"))
        assert (await admin.post(f"/admin/users/{user_id}/active")).status_code == 303
        assert (await budi.get("/")).status_code == 303
        assert (await log_in(budi.client, "budi", PASSWORD)).status_code == 401
        assert (await admin.post(f"/admin/users/{user_id}/active")).status_code == 303
        assert (await log_in(budi.client, "budi", PASSWORD)).status_code == 303


async def test_json_with_a_session_needs_the_csrf_header(intake: httpx.AsyncClient) -> None:
    async with console(intake) as admin:
        assert (await admin.get("/v1/me")).json()["kind"] == "user"
        without = await admin.client.post("/v1/reports", json=RIOT)
        assert without.status_code == 403
        with_header = await admin.client.post("/v1/reports", json=RIOT, headers={"X-CSRF-Token": admin.csrf})
        assert with_header.status_code == 202
    reported = (await intake.get(f"/v1/incidents/{with_header.json()['incident_id']}")).json()
    assert reported["reports"][0]["reported_by"] == "Administrator"


async def test_first_admin_gets_a_random_password_in_a_private_file(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = intake_settings(nats_server, tmp_path, admin_password=None)
    async with running_intake(settings) as client:
        secret = tmp_path / "admin_password"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        password = secret.read_text().strip()
        assert len(password) >= 16
        assert (await log_in(client, "admin", password)).status_code == 303
    async with running_intake(settings) as client:
        assert secret.read_text().strip() == password, "a restart does not make a second admin"
        async with runtime_of(client).sessions() as session:
            assert len((await session.scalars(select(User))).all()) == 1


async def test_with_a_bootstrap_key_the_api_needs_credentials(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = intake_settings(nats_server, tmp_path, bootstrap_api_key="s3cret-key")
    async with running_intake(settings) as client:
        assert (await client.get("/v1/incidents")).status_code == 401
        assert (await client.get("/v1/units", headers={"Authorization": "Basic abc"})).status_code == 401
        key = {"Authorization": "Bearer s3cret-key"}
        me = (await client.get("/v1/me", headers=key)).json()
        assert (me["kind"], me["scope"]) == ("bootstrap", "all")
        accepted = await client.post("/v1/reports", json=RIOT, headers=key)
        incident_id = accepted.json()["incident_id"]
        # The bootstrap key relays a person's decision: the name in the body is recorded.
        override = await client.post(
            f"/v1/incidents/{incident_id}/level",
            json={"level": 3, "reason": "viral", "overridden_by": "Kadivpas Budi"},
            headers=key,
        )
        assert override.json()["level_override"]["by"] == "Kadivpas Budi"
        nameless = await client.post(
            f"/v1/incidents/{incident_id}/level", json={"level": 3, "reason": "viral"}, headers=key
        )
        assert nameless.status_code == 422
        assert nameless.json()["detail"][0]["field"] == "overridden_by"
        async with console(client) as admin:
            assert (await admin.get("/v1/incidents")).status_code == 200, "a session works too"


@pytest.mark.parametrize("public_url", ["https://tanggap.example.go.id"])
async def test_cookies_are_secure_behind_https(
    nats_server: NatsServer, tmp_path: Path, public_url: str
) -> None:
    async with running_intake(intake_settings(nats_server, tmp_path, public_url=public_url)) as client:
        page = await client.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        token = page.text.split('name="login_csrf" value="', 1)[1].split('"', 1)[0]
        # httpx keeps no Secure cookie for a plain-http address; a browser behind https would.
        client.cookies.set("tanggap_login_csrf", token)
        answer = await client.post(
            "/login", data={"username": "admin", "password": ADMIN_PASSWORD, "login_csrf": token}
        )
        cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "Secure" in cookie
        assert "HttpOnly" in cookie

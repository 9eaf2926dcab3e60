"""Issue 14, the holes found after the list, and one attacker's pass of our own over every route of the intake
(the JSON API, the webhooks, the console): a real intake under uvicorn on a real nats-server, over HTTP and,
where a client library would tidy the request, over a raw socket.

Found and fixed here: feed downloads without a size or time bound; usernames in look-alike letters; names
and e-mail addresses longer than their columns; JSON answers without `nosniff`; Idempotency-Keys in
invisible or look-alike characters; an unsigned flash cookie (any message, planted from a sibling
subdomain). Tried and held (kept as regression tests): open redirects after login, path traversal under
/static, header injection in the .docx download, undecodable and oversized headers, method override
headers.
"""

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy import select

from tanggap_intake.feeds import poll_feeds
from tanggap_intake.models import FeedItem, User
from tanggap_runner.nats import NatsServer
from tanggap_shared.contracts import DraftKind

from .intake_kit import load

kit = load()

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
FEED_LIMIT = 64 * 1024
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Berita</title>'
    "<item><guid>ok-1</guid><title>Napi kabur dari Lapas Cipinang, petugas lalai</title>"
    "<link>https://berita.example/napi-kabur</link><description>Dua napi kabur.</description></item>"
    "</channel></rss>"
)


@pytest.fixture
async def intake(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.running_intake(kit.intake_settings(nats_server, tmp_path)) as client:
        yield client


# ---- found: feed downloads are bounded in size and time ---------------------------------------------


@asynccontextmanager
async def raw_site(handler: Handler) -> AsyncIterator[str]:
    """A news site that misbehaves at the socket level; yields its feed URL."""
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await reader.readuntil(b"\r\n\r\n")
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/rss.xml"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await server.wait_closed()


async def endless(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n<rss>")
    while True:  # until the poller hangs up
        writer.write(b"<item>" * 10_000)
        await writer.drain()


async def declared_huge(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 10000000000\r\n\r\n"
    )
    while True:
        writer.write(b"<item>" * 10_000)
        await writer.drain()


async def trickle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = RSS.encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    for byte in body:  # one byte well within the read timeout, forever in total
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.3)


def good_feed() -> FastAPI:
    app = FastAPI()
    app.get("/rss.xml")(lambda: Response(RSS, media_type="application/rss+xml"))
    return app


async def test_feeds_that_never_end_are_too_large_or_trickle_are_skipped_and_named(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with (
        raw_site(endless) as never_ends,
        raw_site(declared_huge) as huge,
        raw_site(trickle) as slow,
        kit.serve_asgi(good_feed()) as site,
    ):
        feeds = [never_ends, huge, slow, f"{site}/rss.xml"]
        settings = kit.intake_settings(
            nats_server,
            tmp_path,
            feeds=feeds,
            feed_poll_seconds=3600,
            feed_max_bytes=FEED_LIMIT,
            feed_timeout_seconds=2,
            feed_deadline_seconds=3,
        )
        async with kit.running_intake(settings) as client, httpx.AsyncClient() as http:
            result = await poll_feeds(kit.runtime_of(client), settings, http)
            async with kit.runtime_of(client).sessions() as session:
                kept = (await session.scalars(select(FeedItem.guid))).all()
    errors = dict(error.split(": ", 1) for error in result.errors)
    assert errors[never_ends] == f"larger than {FEED_LIMIT} bytes"
    assert errors[huge].startswith(f"larger than {FEED_LIMIT} bytes (declared")
    assert errors[slow] == "not downloaded within 3 s"
    assert "ok-1" in kept, "the good feed after the bad ones is still read"


# ---- found: usernames are plain ASCII, names fit their columns ---------------------------------------

LOOK_ALIKES = {
    "cyrillic_a": "\u0430dmin2",  # а
    "greek_o": "r\u03bfot",  # ο
    "full_width": "\uff55ser",  # ｕ
    "kelvin_sign": "\u212aepala",  # K, which lower() turns into an ASCII k
    "accent": "j\u00e9ssica",
    "dotless_i": "\u0131wan",
    "space": "budi santoso",
    "leading_dot": ".hidden",
    "too_long": "a" * 65,
}


@pytest.mark.parametrize("variant", sorted(LOOK_ALIKES))
async def test_a_username_in_look_alike_letters_is_refused_with_422(
    intake: httpx.AsyncClient, variant: str
) -> None:
    username = LOOK_ALIKES[variant]
    async with kit.console(intake) as admin:
        page = await admin.post(
            "/admin/users",
            {"username": username, "name": "Orang Baru", "role": "ditjenpas", "password": kit.PASSWORD},
        )
    assert page.status_code == 422, page.text[:300]
    assert "Nama pengguna hanya boleh berisi huruf a-z" in page.text
    async with kit.runtime_of(intake).sessions() as session:
        names = set((await session.scalars(select(User.username))).all())
    assert names == {"admin"}


async def test_a_plain_username_is_still_accepted(intake: httpx.AsyncClient) -> None:
    async with kit.console(intake) as admin:
        created = await admin.post(
            "/admin/users",
            {"username": "Budi.Santoso_2-x", "name": "Budi", "role": "ditjenpas", "password": kit.PASSWORD},
        )
    assert created.status_code == 303, created.text[:300]
    async with kit.console(intake, "budi.santoso_2-x") as budi:
        assert (await budi.get("/account")).status_code == 200


@pytest.mark.parametrize("field", ["name", "email"])
async def test_a_name_longer_than_its_column_is_refused_not_a_server_error(
    intake: httpx.AsyncClient, field: str
) -> None:
    form = {
        "username": "panjang",
        "name": "Orang",
        "email": "",
        "role": "ditjenpas",
        "password": kit.PASSWORD,
    }
    form[field] = "a" * 201
    async with kit.console(intake) as admin:
        page = await admin.post("/admin/users", form)
    assert page.status_code == 422, page.text[:300]
    assert "paling panjang 200 karakter" in page.text


# ---- found: no JSON answer may be sniffed as HTML ----------------------------------------------------


async def test_json_answers_echoing_the_caller_are_not_sniffed(intake: httpx.AsyncClient) -> None:
    answer = await intake.get("/v1/incidents/<script>alert(1)<!--")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["x-content-type-options"] == "nosniff"
    refused = await intake.post("/v1/reports", json={"unit_code": "<b>x</b>", "text": "x"})
    assert refused.headers["x-content-type-options"] == "nosniff"


# ---- tried and held: login redirects stay on the site -----------------------------------------------

NEXT_TRIES = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/%2F/evil.example",
    "/..//evil.example",
    "/\r\nSet-Cookie: tanggap_session=forged",
    '/"><script>alert(1)</script>',
    "javascript:alert(1)",
]


@pytest.mark.parametrize("next_path", NEXT_TRIES)
async def test_the_page_after_login_is_always_on_this_site(intake: httpx.AsyncClient, next_path: str) -> None:
    base = str(intake.base_url)
    async with httpx.AsyncClient(base_url=base, timeout=10) as browser:
        form = await browser.get("/login", params={"next": next_path})
        assert "<script>alert(1)" not in form.text
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token
        answer = await browser.post(
            "/login",
            data={
                "username": "admin",
                "password": kit.ADMIN_PASSWORD,
                "login_csrf": token.group(1),
                "next": next_path,
            },
        )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert urlsplit(urljoin(base, location)).netloc == urlsplit(base).netloc, location
    assert not set(location) & {"\r", "\n"}
    assert not any("forged" in c for c in answer.headers.get_list("set-cookie"))


# ---- tried and held: no file outside /static; no header injection in the download ---------------------


def raw_request(base_url: str, request: bytes) -> bytes:
    host, port = urlsplit(base_url).hostname or "", urlsplit(base_url).port or 80
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


TRAVERSALS = [
    "/static/../settings.py",
    "/static/%2e%2e/settings.py",
    "/static/..%2fsettings.py",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static//etc/passwd",
    "/static/....//....//etc/passwd",
    "/static/%5c..%5c..%5csettings.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_no_file_outside_static_is_served(intake: httpx.AsyncClient, path: str) -> None:
    answer = await asyncio.to_thread(
        raw_request,
        str(intake.base_url),
        f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
    for secret in (b"IntakeSettings", b"root:", b"[project]"):
        assert secret not in answer


async def test_the_docx_download_names_its_file_plainly(intake: httpx.AsyncClient) -> None:
    incident_id = str(
        (await kit.report(intake, "DKI-LAPAS-CIPINANG", "Terjadi kerusuhan di blok hunian."))["incident_id"]
    )
    draft = kit.draft_event(incident_id, DraftKind.PRESS_RELEASE, 'SIARAN PERS\r\n"; filename="x.exe')
    await kit.apply(intake, kit.classified_event(incident_id, 2), draft)
    async with kit.console(intake) as admin:
        await admin.post(f"/drafts/{draft.draft_id}/review", {"decision": "approved", "text": ""})
        answer = await admin.get(f"/drafts/{draft.draft_id}/docx")
    assert answer.status_code == 200, answer.text[:300]
    assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.docx"', answer.headers["content-disposition"])


# ---- tried and held: headers that do not decode, or are huge, never make a 500 -------------------------

ODD_HEADERS = [
    b"Authorization: Bearer \xff\xfe",
    b"Authorization: Bearer " + b"a" * 8000,
    b"Authorization: Basic YWRtaW46YWRtaW4=",
    b"Cookie: tanggap_session=\xff\xfe; tanggap_flash=%ZZ",
    b"Cookie: " + b"a=b;" * 1500,
    b"X-Forwarded-For: \xff, 999.1.1.1, ::ffff:zz",
    b"Idempotency-Key: \xe2\x80\x8b\xe2\x80\x8b",
    b"Content-Type: application/json; charset=\xff",
    b"X-HTTP-Method-Override: DELETE",
]


@pytest.mark.parametrize("header", ODD_HEADERS, ids=range(len(ODD_HEADERS)))
async def test_odd_headers_are_answered_without_a_server_error(
    intake: httpx.AsyncClient, header: bytes
) -> None:
    body = b'{"unit_code":"DKI-LAPAS-CIPINANG","text":"Terjadi keributan di blok hunian."}'
    request = (
        b"POST /v1/reports HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + header
        + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )
    answer = await asyncio.to_thread(raw_request, str(intake.base_url), request)
    status = int(answer.split(b" ", 2)[1])
    assert 200 <= status < 500, answer[:300]


async def test_a_method_override_header_changes_nothing(intake: httpx.AsyncClient) -> None:
    answer = await intake.post("/v1/incidents", headers={"X-HTTP-Method-Override": "GET"})
    assert answer.status_code == 405
    logout = await intake.get("/logout")
    assert logout.status_code == 405, "logging out is a POST with the CSRF token only"


# ---- found: an Idempotency-Key in invisible or non-ASCII characters ------------------------------------


@pytest.mark.parametrize("key", ["laporan\u200b1", "laporan-\u0430", "laporan 1", "\u200b\u200b"])
async def test_an_idempotency_key_must_be_visible_ascii(intake: httpx.AsyncClient, key: str) -> None:
    body = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Terjadi keributan di blok hunian."}
    answer = await intake.post("/v1/reports", json=body, headers={"Idempotency-Key": key.encode()})
    assert answer.status_code == 422, answer.text[:300]
    assert "idempotency" in answer.text.lower()
    plain = await intake.post("/v1/reports", json=body, headers={"Idempotency-Key": "laporan-1"})
    assert plain.status_code == 202, plain.text[:300]


# ---- found: a planted flash cookie spoke in Tanggap's voice --------------------------------------------


async def test_only_a_flash_message_tanggap_signed_is_shown(intake: httpx.AsyncClient) -> None:
    async with kit.console(intake) as admin:
        created = await admin.post(
            "/admin/users",
            {"username": "flash.check", "name": "Flash", "role": "ditjenpas", "password": kit.PASSWORD},
        )
        assert created.status_code == 303, created.text[:300]
        shown = await admin.get("/admin/users")
        assert "Pengguna flash.check dibuat." in shown.text
        # A cookie set from a sibling subdomain, as it would arrive: plain, or with a made-up signature.
        for planted in ("Laporan%20dihapus%2C%20kirim%20ulang", "Laporan%20dihapus.0123456789abcdef"):
            admin.client.cookies.set("tanggap_flash", planted)
            page = await admin.get("/admin/users")
            assert page.status_code == 200
            assert "Laporan dihapus" not in page.text

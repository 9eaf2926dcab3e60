"""Replays issue 14, item 2 (acknowledgement links): a link preview acknowledged a page, and the token was
readable base64 JSON with a person's name, valid for 7 days.

Against a real intake over real HTTP on a real nats-server: GET and HEAD (whatever the user agent) only
show a confirm page; the page's POST acknowledges, once, and only from the page itself; expired, tampered,
foreign and old-format links are refused; the token names nobody. The last test runs the real processes
(classifier, notifier and two intake processes on one database) and uses the links the notifier wrote.
"""

import asyncio
import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tanggap_intake.models import AckLinkUse
from tanggap_intake.readmodel import number
from tanggap_notifier.deliveries import AckLinks
from tanggap_notifier.models import Delivery
from tanggap_runner.nats import NatsServer, free_port
from tanggap_runner.system import System
from tanggap_shared.db import OutboxEntry
from tanggap_shared.events import subject_for
from tanggap_shared.tokens import ack_page_nonce, ack_token, link_secret, sign

from .intake_kit import load

kit = load()

RECIPIENT = "Kepala Lapas Budi Hartono"
PREVIEWERS = {
    "telegram": "TelegramBot (like TwitterBot)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
}
BUTTON = "Konfirmasi bahwa saya sudah menerima"
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


@pytest.fixture
async def intake(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.running_intake(kit.intake_settings(nats_server, tmp_path)) as client:
        yield client


def _secret(client: httpx.AsyncClient) -> str:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return link_secret(settings.link_secret, settings.state_dir)


async def _paged(client: httpx.AsyncClient, unit: str = "DKI-LAPAS-CIPINANG") -> tuple[str, uuid.UUID]:
    """An incident of `unit` at level 3 and one notification about it, as the intake records them."""
    incident_id = str((await kit.report(client, unit, "Terjadi keributan di blok hunian."))["incident_id"])
    sent = kit.notification_sent(incident_id, RECIPIENT)
    await kit.apply(client, kit.classified_event(incident_id, 3, code=unit), sent)
    return incident_id, sent.notification_id


def _nonce(page: httpx.Response) -> str:
    found = _NONCE.search(page.text)
    assert found, page.text[:800]
    return found.group(1)


def _same_origin(client: httpx.AsyncClient) -> dict[str, str]:
    """What a browser sends with the page's own form."""
    return {"Origin": str(client.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}


async def _press(client: httpx.AsyncClient, token: str, nonce: str, **headers: str) -> httpx.Response:
    return await client.post(f"/ack/{token}", data={"nonce": nonce}, headers=_same_origin(client) | headers)


async def _acknowledgements(client: httpx.AsyncClient, notification_id: uuid.UUID) -> int:
    """notification.acknowledged events staged in the intake's outbox for this notification."""
    async with kit.runtime_of(client).sessions() as session:
        rows = await session.scalars(
            select(OutboxEntry.payload).where(OutboxEntry.subject == subject_for("notification.acknowledged"))
        )
        return sum(1 for payload in rows if json.loads(payload)["notification_id"] == str(notification_id))


async def _status(client: httpx.AsyncClient, incident_id: str) -> list[tuple[str, str | None]]:
    view = await kit.incident(client, incident_id)
    return [(n["status"], n["acknowledged_by"]) for n in view["notifications"]]


# ---- a link preview (GET with a bot's user agent) or a HEAD changes nothing -----------------------


@pytest.mark.parametrize("previewer", sorted(PREVIEWERS))
async def test_a_link_preview_sees_the_confirm_page_and_acknowledges_nothing(
    intake: httpx.AsyncClient, previewer: str
) -> None:
    incident_id, notification_id = await _paged(intake)
    token = ack_token(_secret(intake), notification_id, ttl_seconds=3600)

    for _ in range(3):  # previews are fetched more than once (each chat, each device)
        page = await intake.get(f"/ack/{token}", headers={"User-Agent": PREVIEWERS[previewer]})
        assert page.status_code == 200
        assert BUTTON in page.text
        assert 'method="post"' in page.text
        assert "Lapas Kelas I Cipinang" in page.text, "the page says which unit"
        assert "3 · Tinggi" in page.text, "and which level"
        assert number(incident_id) in page.text, "and which incident"
        assert page.headers["cache-control"] == "no-store", "no cache keeps the page"
        assert "noindex" in page.headers["x-robots-tag"]
        assert "Budi" not in page.text, "what a preview server sees names nobody"
    head = await intake.head(f"/ack/{token}", headers={"User-Agent": PREVIEWERS[previewer]})
    assert head.status_code == 200
    assert head.content == b""

    assert await _acknowledgements(intake, notification_id) == 0
    assert await _status(intake, incident_id) == [("sent", None)]
    async with kit.runtime_of(intake).sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AckLinkUse)) == 0


# ---- the button acknowledges once; a second press and a replayed link publish nothing -------------


async def test_the_button_acknowledges_once_and_a_replay_publishes_nothing(intake: httpx.AsyncClient) -> None:
    incident_id, notification_id = await _paged(intake)
    secret = _secret(intake)
    token = ack_token(secret, notification_id, ttl_seconds=3600)
    nonce = _nonce(await intake.get(f"/ack/{token}"))

    first = await _press(intake, token, nonce)
    assert first.status_code == 200
    assert "Terima kasih, pemberitahuan sudah dikonfirmasi" in first.text
    assert f"Konfirmasi dari {RECIPIENT}" in first.text, "acknowledged for the recorded recipient"

    again = await _press(intake, token, nonce)
    assert again.status_code == 200
    assert "sudah dikonfirmasi sebelumnya" in again.text
    # Another link for the same notification (the notifier mints one per message): used up as well.
    other = ack_token(secret, notification_id, ttl_seconds=7200)
    shown = await intake.get(f"/ack/{other}")
    assert shown.status_code == 200
    assert "sudah dikonfirmasi" in shown.text
    assert BUTTON not in shown.text
    assert "Budi" not in shown.text, "nor who acknowledged"
    replay = await _press(intake, other, ack_page_nonce(secret, other))
    assert "sudah dikonfirmasi sebelumnya" in replay.text

    assert await _acknowledgements(intake, notification_id) == 1
    on_stream = await kit.published(intake, "notification.acknowledged", incident_id)
    assert [e.notification_id for e in on_stream] == [notification_id]
    async with kit.runtime_of(intake).sessions() as session:
        (use,) = (await session.scalars(select(AckLinkUse))).all()
    assert (use.notification_id, use.acknowledged_by) == (str(notification_id), RECIPIENT)


# ---- the POST must come from the page itself ------------------------------------------------------


async def test_a_post_from_elsewhere_is_refused(intake: httpx.AsyncClient) -> None:
    incident_id, notification_id = await _paged(intake)
    _, other_notification = await _paged(intake, "JABAR-LAPAS-SUKAMISKIN")
    secret = _secret(intake)
    token = ack_token(secret, notification_id, ttl_seconds=3600)
    nonce = _nonce(await intake.get(f"/ack/{token}"))
    other_token = ack_token(secret, other_notification, ttl_seconds=3600)

    attempts = {
        "another site's form": _press(intake, token, nonce, Origin="https://jahat.example"),
        "a cross-site fetch": _press(intake, token, nonce, **{"Sec-Fetch-Site": "cross-site"}),
        "a sibling site": _press(intake, token, nonce, **{"Sec-Fetch-Site": "same-site"}),
        "an opaque origin": _press(intake, token, nonce, Origin="null"),
        "no nonce": intake.post(f"/ack/{token}", headers=_same_origin(intake)),
        "a made-up nonce": _press(intake, token, "A" * 27),
        "another link's nonce": _press(intake, token, ack_page_nonce(secret, other_token)),
        "a page shown 2 h ago": _press(intake, token, ack_page_nonce(secret, token, now=time.time() - 7200)),
    }
    for name, attempt in attempts.items():
        answer = await attempt
        assert answer.status_code == 403, name
        assert BUTTON in answer.text, f"{name}: the page is shown again, to press on purpose"
    assert await _acknowledgements(intake, notification_id) == 0
    assert await _status(intake, incident_id) == [("sent", None)]

    # A plain client without Origin or Sec-Fetch-Site, with the page's nonce, is the page's own press.
    plain = await intake.post(f"/ack/{token}", data={"nonce": nonce})
    assert "Terima kasih" in plain.text
    assert await _acknowledgements(intake, notification_id) == 1


# ---- expired, tampered, foreign and old links are refused -----------------------------------------


def _flip(token: str, position: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[position] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def _other_notification(token: str, notification_id: uuid.UUID) -> str:
    """The same token with another notification's id put in, MAC left as it was."""
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[1:17] = notification_id.bytes
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


async def test_expired_tampered_foreign_and_old_links_are_refused(intake: httpx.AsyncClient) -> None:
    incident_id, notification_id = await _paged(intake)
    _, neighbour = await _paged(intake, "JABAR-LAPAS-SUKAMISKIN")
    secret = _secret(intake)
    good = ack_token(secret, notification_id, ttl_seconds=3600)
    old = sign(
        secret,
        {"n": str(notification_id), "i": incident_id, "p": "p1", "name": RECIPIENT},
        ttl_seconds=7 * 24 * 3600,
    )
    refused = {
        "expired": (ack_token(secret, notification_id, ttl_seconds=60, now=time.time() - 3600), 410),
        "a changed expiry": (_flip(good, 20), 400),
        "a changed MAC": (_flip(good, 36), 400),
        "another notification's id in it": (_other_notification(good, neighbour), 400),
        "another secret": (ack_token("not-the-secret", notification_id, ttl_seconds=3600), 400),
        "cut short when copied": (good[:-6], 400),
        "an unknown notification": (ack_token(secret, uuid.uuid4(), ttl_seconds=3600), 404),
        "minted before the upgrade": (old, 410),
    }
    for name, (token, status) in refused.items():
        page = await intake.get(f"/ack/{token}")
        assert page.status_code == status, name
        assert BUTTON not in page.text, name
        assert 'href="/"' in page.text, f"{name}: the page sends the person to the console"
        pressed = await _press(intake, token, ack_page_nonce(secret, good))
        assert pressed.status_code == status, name
    old_page = await intake.get(f"/ack/{old}")
    assert "Tautan ini sudah tidak berlaku" in old_page.text
    assert "buka konsol" in old_page.text.lower()

    assert await _acknowledgements(intake, notification_id) == 0
    assert await _acknowledgements(intake, neighbour) == 0
    assert await _status(intake, incident_id) == [("sent", None)]


# ---- the token names nobody -----------------------------------------------------------------------


def test_the_notifiers_link_names_nobody_and_lives_a_day() -> None:
    row = Delivery(
        id=str(uuid.uuid4()),
        incident_id=str(uuid.uuid4()),
        person_id="kalapas-cipinang",
        name=RECIPIENT,
    )
    before = time.time()
    link = AckLinks(public_url="https://konsol.example", secret="rahasia").link(row)
    token = link.removeprefix("https://konsol.example/ack/")

    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) == 37
    assert len(token) == 50
    with pytest.raises(UnicodeDecodeError):  # not even text, let alone JSON
        raw.decode()
    for clue in (RECIPIENT, "Budi", "kalapas", row.incident_id):
        assert clue.encode() not in raw
        assert clue.lower() not in token.lower()
    assert row.incident_id.replace("-", "") not in raw.hex(), "not even the incident"
    assert raw[1:17] == uuid.UUID(row.id).bytes, "only the notification's own (random) id"
    lifetime = int.from_bytes(raw[17:21], "big") - before
    assert 24 * 3600 - 5 <= lifetime <= 24 * 3600 + 5, "24 h by default, not 7 days"


# ---- the real processes: two intakes on one database, a restart, the notifier's own links ----------

RIOT = (
    "Terjadi kerusuhan di blok hunian Lapas Cipinang pada Minggu malam. Seorang warga binaan tewas dan dua "
    "petugas luka-luka. Video kericuhan beredar di media sosial."
)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System(
        tmp_path_factory.mktemp("security-ack"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        services=("intake", "classifier", "notifier"),
    ) as running:
        yield running


@contextmanager
def second_intake(system: System) -> Iterator[str]:
    """Another intake process on the same state folder and database, started once the first is up (two
    intakes migrating one empty SQLite file at the same moment is not what this test is about)."""
    port = free_port()
    env = {
        **os.environ,
        "TANGGAP_BROKER_URL": system.broker_url,
        "TANGGAP_STATE_DIR": str(system.state_dir),
        "TANGGAP_HTTP_HOST": "127.0.0.1",
        "TANGGAP_HTTP_PORT": str(port),
        "TANGGAP_PUBLIC_URL": system.base_url,
    }
    env.pop("TANGGAP_DATABASE_URL", None)
    log = system.log_dir / "intake-second.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tanggap_intake"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: process.poll() is not None or _healthy(url), 90.0)
        assert process.poll() is None, log.read_text()[-3000:]
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(check: Any, seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready after {seconds} s")
        time.sleep(0.2)


def _sink_links(system: System, incident_id: str) -> dict[str, str]:
    """The acknowledgement link the notifier wrote for each recipient of the incident."""
    sink = Path(system.state_dir) / "notifications.jsonl"
    links: dict[str, str] = {}
    for line in sink.read_text().splitlines() if sink.exists() else []:
        entry = json.loads(line)
        found = re.search(r"/ack/([A-Za-z0-9_-]+)", entry.get("body", ""))
        if found and f"/incidents/{incident_id}" in entry.get("body", ""):
            links.setdefault(entry["recipient"], found.group(1))
    return links


@pytest.mark.e2e
def test_two_intake_processes_and_a_restart_acknowledge_once(system: System) -> None:
    first_url = system.base_url
    with httpx.Client(base_url=first_url, timeout=20) as api, second_intake(system) as second_url:
        incident_id = api.post("/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": RIOT}).json()[
            "incident_id"
        ]

        def notified() -> list[dict[str, Any]]:
            view = api.get(f"/v1/incidents/{incident_id}").json()
            return [n for n in view["notifications"] if n["status"] == "sent"]

        def paged() -> list[tuple[str, str, str]]:
            """(person, token, name) of a recipient with a link in the sink and a page in the intake."""
            names = {n["person_id"]: n["recipient"] for n in notified()}
            links = _sink_links(system, incident_id)
            return sorted((person, links[person], names[person]) for person in set(links) & set(names))

        person, token, name = _wait(paged)[0]
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        for clue in (person, name, *name.split()):
            assert clue.encode() not in raw, f"the link in the sink names nobody ({clue})"

        delivery = str(uuid.UUID(bytes=raw[1:17]))
        stopped, escalations = _escalation(system, delivery)
        assert not stopped
        assert escalations >= 1, "the page would be escalated if nobody acknowledged it"

        for agent in PREVIEWERS.values():
            assert BUTTON in api.get(f"/ack/{token}", headers={"User-Agent": agent}).text
        nonce = _nonce_of(api.get(f"/ack/{token}").text)

        answers = asyncio.run(_press_both(first_url, second_url, token, nonce))
        thanked = [a for a in answers if "Terima kasih" in a.text]
        already = [a for a in answers if "sudah dikonfirmasi sebelumnya" in a.text]
        assert (len(thanked), len(already)) == (1, 1), [a.status_code for a in answers]

        # The first process stops and starts again on the same database: the link stays used.
        system.stop_service("intake")
        system.start_service("intake")
        after = api.post(f"/ack/{token}", data={"nonce": nonce})
        assert after.status_code == 200
        assert "sudah dikonfirmasi sebelumnya" in after.text

        def acknowledged() -> dict[str, Any] | None:
            view: dict[str, Any] = api.get(f"/v1/incidents/{incident_id}").json()
            return view if any(n["status"] == "acknowledged" for n in view["notifications"]) else None

        view = _wait(acknowledged)
        done = [n["person_id"] for n in view["notifications"] if n["status"] == "acknowledged"]
        assert done == [person]
        acks = [t for t in view["timeline"] if t["kind"] == "notification.acknowledged"]
        assert len(acks) == 1, acks

    # The notifier took the one acknowledgement: that page's escalation is stopped, as before.
    assert _wait(lambda: _escalation(system, delivery) == (True, 0))


def _escalation(system: System, delivery_id: str) -> tuple[bool, int]:
    """(acknowledged, pending escalations of its chain) of a delivery, as the notifier's database has it."""
    path = Path(system.state_dir) / "notifier.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        acknowledged, chain = db.execute(
            "SELECT acknowledged_at IS NOT NULL, chain_id FROM notifier_deliveries WHERE id = ?",
            (delivery_id,),
        ).fetchone()
        (pending,) = db.execute(
            "SELECT count(*) FROM notifier_timers WHERE chain_id = ? AND kind = 'escalation' "
            "AND status = 'pending'",
            (chain,),
        ).fetchone()
    return bool(acknowledged), int(pending)


def _nonce_of(text: str) -> str:
    found = _NONCE.search(text)
    assert found, text[:800]
    return found.group(1)


async def _press_both(first: str, second: str, token: str, nonce: str) -> list[httpx.Response]:
    """The same button pressed at once on both intake processes (a double tap behind a load balancer)."""
    async with httpx.AsyncClient(timeout=20) as client:
        return list(
            await asyncio.gather(
                *(client.post(f"{base}/ack/{token}", data={"nonce": nonce}) for base in (first, second))
            )
        )

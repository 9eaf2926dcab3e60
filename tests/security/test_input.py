"""Replays the attacker's findings about input (issue 14, area "input"): text that only looks the same,
invisible and control characters, forged Telegram acknowledgements, malformed but signed webhooks, feed
links, oversized links and the WhatsApp challenge. Each against a real intake over real HTTP, on a real
nats-server."""

import hashlib
import hmac
import json
import random
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY
from sqlalchemy import select

from tanggap_intake.access import UserRole
from tanggap_intake.feeds import poll_feeds
from tanggap_intake.models import FeedItem
from tanggap_notifier.telegram_button import ack_markup
from tanggap_runner.nats import NatsServer
from tanggap_shared.events import Finding, utcnow
from tanggap_shared.tokens import link_secret

from .intake_kit import load

kit = load()

TOKEN = "123456:SECURITY-token"
SECRET = "webhook-secret-sec"
APP_SECRET = "meta-app-secret-sec"
RECIPIENT_CHAT = 424242
STRANGER = 999001


class BotApi:
    """The Bot API as the intake calls it: records every call and accepts it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.app = FastAPI()
        self.app.post("/bot{token}/{method}")(self.handle)

    async def handle(self, token: str, method: str, request: Request) -> dict[str, Any]:
        self.calls.append((method, await request.json()))
        return {"ok": True, "result": True}

    async def answers(self, count: int) -> list[str]:
        import asyncio

        for _ in range(100):
            found = [p["text"] for m, p in self.calls if m == "answerCallbackQuery"]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        return [p["text"] for m, p in self.calls if m == "answerCallbackQuery"]


@pytest.fixture
async def bot_api() -> AsyncIterator[tuple[BotApi, str]]:
    stand_in = BotApi()
    async with kit.serve_asgi(stand_in.app) as url:
        yield stand_in, url


@pytest.fixture
async def intake(
    nats_server: NatsServer, tmp_path: Path, bot_api: tuple[BotApi, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = kit.intake_settings(
        nats_server,
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base=bot_api[1],
        whatsapp_verify_token="verify-sec",
        whatsapp_app_secret=APP_SECRET,
    )
    async with kit.running_intake(settings) as client:
        yield client


async def _incident_id(client: httpx.AsyncClient) -> str:
    return str(
        (await kit.report(client, "DKI-LAPAS-CIPINANG", "Terjadi keributan di blok hunian."))["incident_id"]
    )


# ---- 1. blocking findings cannot be approved away by text that only looks edited ------------------

DRAFT = "Lapas Kelas I Cipinang menyampaikan bahwa Budi Santoso (16 tahun) terlibat keributan."
IDENTITY = Finding(
    code="child_identity",
    severity="blocking",
    message="Nama Anak disebut.",
    excerpt="Budi Santoso (16 tahun)",
)
LOOKS_THE_SAME = {
    "case": DRAFT.replace("Budi Santoso", "budi SANTOSO"),
    "cyrillic": DRAFT.replace("Budi Santoso", "Budі Sаntosо"),
    "greek": DRAFT.replace("Budi", "Βudi"),
    "full_width": DRAFT.replace("Budi", "Ｂｕｄｉ"),
    "accents": DRAFT.replace("Budi", "Búdí"),
    "no_break_space": DRAFT.replace("Budi Santoso", "Budi\u00a0Santoso"),
    "math_bold": DRAFT.replace("Budi", "\U0001d401\U0001d42e\U0001d41d\U0001d422"),
}


async def _blocked_draft(client: httpx.AsyncClient) -> str:
    draft = kit.draft_event(await _incident_id(client), text=DRAFT, findings=[IDENTITY])
    await kit.apply(client, draft)
    return str(draft.draft_id)


@pytest.mark.parametrize("variant", sorted(LOOKS_THE_SAME))
async def test_a_blocking_finding_is_not_approved_away_by_a_look_alike_edit(
    intake: httpx.AsyncClient, variant: str
) -> None:
    draft_id = await _blocked_draft(intake)
    answer = await intake.post(
        f"/v1/drafts/{draft_id}/review",
        json={"decision": "approved", "reviewer": "Budi (Humas)", "text": LOOKS_THE_SAME[variant]},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["code"] == "child_identity"
    fixed = DRAFT.replace("Budi Santoso (16 tahun)", "seorang Anak")
    approval = {"decision": "approved", "reviewer": "Budi", "text": fixed}
    waiting = await intake.post(f"/v1/drafts/{draft_id}/review", json=approval)
    assert waiting.status_code == 409, "an edited text waits for the drafter's check (issue 13)"
    await kit.drafter_checked(intake, draft_id)
    approved = await intake.post(f"/v1/drafts/{draft_id}/review", json=approval)
    assert (approved.status_code, approved.json()["final_text"]) == (200, fixed)


async def test_the_console_approval_uses_the_same_guard(intake: httpx.AsyncClient) -> None:
    draft_id = await _blocked_draft(intake)
    async with kit.console(intake) as officer:
        page = await officer.post(
            f"/drafts/{draft_id}/review", {"decision": "approved", "text": LOOKS_THE_SAME["cyrillic"]}
        )
    assert page.status_code == 422
    assert "Persetujuan ditolak" in page.text
    view = await kit.incident(intake, (await _draft(intake, draft_id))["incident_id"])
    assert [d["status"] for d in view["drafts"]] == ["proposed"]


async def _draft(client: httpx.AsyncClient, draft_id: str) -> dict[str, Any]:
    async with kit.runtime_of(client).sessions() as session:
        from tanggap_intake.models import Draft

        row = await session.get(Draft, draft_id)
        assert row is not None
        return {"incident_id": row.incident_id, "working_text": row.working_text}


# ---- 1. invisible and control characters are refused in stored text, stripped from chat text ---

HIDDEN = {
    "zero_width_space": "\u200b",
    "right_to_left_override": "\u202e",
    "word_joiner": "\u2060",
    "byte_order_mark": "\ufeff",
    "nul": "\x00",
    "bell": "\x07",
}


@pytest.mark.parametrize("kind", sorted(HIDDEN))
async def test_reports_with_hidden_characters_are_refused_naming_the_field(
    intake: httpx.AsyncClient, kind: str
) -> None:
    char = HIDDEN[kind]
    cases = {
        "text": {"unit_code": "DKI-LAPAS-CIPINANG", "text": f"Keributan{char} di blok C"},
        "facts.what": {
            "unit_code": "DKI-LAPAS-CIPINANG",
            "text": "Keributan",
            "facts": {"what": f"a{char}b"},
        },
        "reported_by": {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Keributan", "reported_by": f"Ani{char}"},
    }
    for field, body in cases.items():
        answer = await intake.post("/v1/reports", json=body)
        assert answer.status_code == 422, (field, answer.text)
        detail = answer.json()["detail"]
        assert any(d["field"].startswith(field) for d in detail), detail
        assert f"U+{ord(char):04X}" in answer.json()["message"], "says which character is wrong"
    assert (await intake.get("/v1/incidents")).json() == [], "nothing half written"


async def test_every_stored_text_refuses_hidden_characters(intake: httpx.AsyncClient) -> None:
    accepted = await kit.report(intake, "DKI-LAPAS-CIPINANG", "Terjadi keributan di blok hunian.")
    patch = await intake.patch(
        f"/v1/reports/{accepted['report_id']}", json={"facts": {"who": "dua WBP\u202e"}, "updated_by": "Ani"}
    )
    assert patch.status_code == 422
    assert "facts.who" in patch.text
    draft = kit.draft_event(accepted["incident_id"])
    await kit.apply(intake, draft)
    comment = await intake.post(
        f"/v1/drafts/{draft.draft_id}/review",
        json={"decision": "rejected", "reviewer": "Ani", "comment": "ganti\u200bnada"},
    )
    assert comment.status_code == 422
    assert "comment" in comment.text
    async with kit.console(intake) as admin:
        saved = await admin.post(f"/drafts/{draft.draft_id}/save", {"text": "Teks baru\x00 dengan NUL"})
        assert saved.status_code == 422
        assert "karakter kontrol" in saved.text
        assert (await _draft(intake, str(draft.draft_id)))["working_text"] is None, "nothing saved"
        plan = await admin.post(f"/incidents/{accepted['incident_id']}/plan", {"tujuan": "Tenang\u202ekan"})
        assert plan.status_code == 422
        assert "karakter tak terlihat" in plan.text
        assert "belum disimpan" in (await admin.get(f"/incidents/{accepted['incident_id']}/plan.txt")).text
        user = await admin.post(
            "/admin/users",
            {
                "username": "ani.humas",
                "name": "Ani\u202e Humas",
                "role": UserRole.HUMAS_UPT.value,
                "unit_code": "DKI-LAPAS-CIPINANG",
                "password": "kata-sandi-panjang-1",
            },
        )
        assert user.status_code == 422
        assert "karakter tak terlihat" in user.text
        form = await admin.post(
            "/reports/new", {"unit_code": "DKI-LAPAS-CIPINANG", "text": "ricuh\u2060 lagi"}
        )
        assert form.status_code == 422
        assert "karakter tak terlihat" in form.text
    view = await kit.incident(intake, accepted["incident_id"])
    assert "who" not in view["reports"][0]["facts"]
    assert [d["status"] for d in view["drafts"]] == ["proposed"]


async def _telegram(client: httpx.AsyncClient, update: Any) -> httpx.Response:
    # json.dumps escapes what httpx would refuse to encode (a lone surrogate), as a platform's JSON may.
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"}
    return await client.post("/webhooks/telegram", content=json.dumps(update).encode(), headers=headers)


def _message(update_id: int, text: str, **extra: Any) -> dict[str, Any]:
    body = {
        "message_id": update_id,
        "from": {"id": 777, "is_bot": False, "first_name": "Bu\u200bdi"},
        "chat": {"id": 5551, "type": "private"},
        "date": 1_763_800_000,
        "text": text,
    }
    return {"update_id": update_id, "message": body | extra}


async def test_chat_text_is_cleaned_of_hidden_characters_and_kept(intake: httpx.AsyncClient) -> None:
    answer = await _telegram(intake, _message(1, "Lapas Cip\u200binang: ri\u202ecuh di blok\x00 C"))
    assert answer.status_code == 200
    stored = (await intake.get("/v1/channel-messages")).json()
    assert [(m["status"], m["text"], m["sender"]) for m in stored] == [
        ("reported", "Lapas Cipinang: ricuh di blok  C", "Budi")
    ]


# ---- 3. a Telegram button acknowledges only for the person it was sent to -------------------------


def _press(data: str, user_id: int, chat_id: int | None = None) -> dict[str, Any]:
    callback: dict[str, Any] = {
        "id": f"cb-{uuid.uuid4().hex[:8]}",
        "from": {"id": user_id, "is_bot": False, "first_name": "Penekan"},
        "chat_instance": "-1",
        "data": data,
    }
    if chat_id is not None:
        callback["message"] = {"message_id": 5, "date": 1, "chat": {"id": chat_id, "type": "private"}}
    return {"update_id": random.randint(1, 10**9), "callback_query": callback}


async def _sent_notification(client: httpx.AsyncClient) -> tuple[str, str]:
    incident_id = await _incident_id(client)
    sent = kit.notification_sent(incident_id, "Kalapas")
    await kit.apply(client, sent)
    return incident_id, str(sent.notification_id)


def _button(client: httpx.AsyncClient, notification_id: str, chat_id: int) -> str:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    secret = link_secret(settings.link_secret, settings.state_dir)
    markup: Any = ack_markup(notification_id, chat_id=str(chat_id), secret=secret)
    data: str = markup["inline_keyboard"][0][0]["callback_data"]
    return data


async def test_a_stranger_cannot_acknowledge_someone_elses_page(
    intake: httpx.AsyncClient, bot_api: tuple[BotApi, str]
) -> None:
    incident_id, notification_id = await _sent_notification(intake)
    data = _button(intake, notification_id, RECIPIENT_CHAT)
    assert len(data.encode()) <= 64, "Telegram's limit for callback_data"
    assert (await _telegram(intake, _press(data, STRANGER, STRANGER))).status_code == 200
    assert (await _telegram(intake, _press(f"ack:{notification_id}", STRANGER))).status_code == 200
    answers = await bot_api[0].answers(2)
    assert "bukan untuk Anda" in answers[0]
    assert "tautan" in answers[1], "an old button advises the link"
    view = await kit.incident(intake, incident_id)
    assert [n["status"] for n in view["notifications"]] == ["sent"], "nothing acknowledged"

    assert (await _telegram(intake, _press(data, RECIPIENT_CHAT, RECIPIENT_CHAT))).status_code == 200
    assert (await bot_api[0].answers(3))[2] == "Terima kasih, pemberitahuan sudah dikonfirmasi."
    view = await kit.incident(intake, incident_id)
    assert [n["status"] for n in view["notifications"]] == ["acknowledged"]


# ---- 5. signed but malformed webhooks are answered 200, counted, and never 5xx --------------------


def _signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "content-type": "application/json"}


async def _whatsapp(client: httpx.AsyncClient, payload: Any) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await client.post("/webhooks/whatsapp", content=body, headers=_signed(body))


def _wa(value: Any) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": value}]}]}


MALFORMED_WHATSAPP = [
    {"entry": 5},
    {"entry": [{"changes": "x"}]},
    {"entry": [None, 1, "x"]},
    _wa({"messages": {"id": "wamid.1", "from": "62811", "type": "text", "text": {"body": "x"}}}),
    _wa({"contacts": ["a", "b"], "messages": [{"id": "wamid.2", "from": "62811", "type": "text"}]}),
    _wa({"messages": [{"id": "wamid.3", "from": "62811", "type": "text", "text": "Lapas Cipinang ricuh"}]}),
    _wa({"messages": [{"id": {"x": 1}, "from": ["a"], "type": 5}]}),
]
MALFORMED_TELEGRAM = [
    {"update_id": 1, "message": {"message_id": "abc", "chat": {"id": 1}, "text": "Lapas Cipinang ricuh"}},
    {"update_id": "x", "message": {"message_id": 1, "chat": "x", "text": ["a"]}},
    {"update_id": 2, "callback_query": {"id": 5, "data": ["ack:1"], "from": "x"}},
    {"update_id": 3, "edited_message": {"message_id": None, "chat": None}},
]


def _ignored() -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "tanggap_intake_webhook_ignored":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


async def test_signed_malformed_webhooks_are_answered_200_and_counted(intake: httpx.AsyncClient) -> None:
    before = _ignored()
    for payload in MALFORMED_WHATSAPP:
        answer = await _whatsapp(intake, payload)
        assert answer.status_code == 200, (payload, answer.text)
    for update in MALFORMED_TELEGRAM:
        answer = await _telegram(intake, update)
        assert answer.status_code == 200, (update, answer.text)
    assert _ignored() >= before + len(MALFORMED_WHATSAPP) + len(MALFORMED_TELEGRAM)
    metrics = (await intake.get("/metrics")).text
    assert "tanggap_intake_webhook_ignored_total" in metrics


def _shape(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value, biased towards the keys the platforms use so that the parsers are reached."""
    keys = ["entry", "changes", "value", "messages", "contacts", "text", "body", "id", "from", "type",
            "wa_id", "profile", "name", "message", "message_id", "chat", "callback_query", "data",
            "update_id", "caption", "edited_message", "image", "edit_date", "channel_post"]  # fmt: skip
    leaves = [None, True, 0, -1, 2**70, 1.5, "", "x", "ack:1", "Lapas Cipinang ricuh", "\u202e\x00", "\ud800"]
    roll = rng.random()
    if depth > 4 or roll < 0.35:
        return rng.choice(leaves)
    if roll < 0.6:
        return [_shape(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(keys): _shape(rng, depth + 1) for _ in range(rng.randint(0, 4))}


async def test_fuzzed_signed_webhooks_never_get_a_server_error(intake: httpx.AsyncClient) -> None:
    rng = random.Random(14)
    for round_ in range(300):
        payload = _shape(rng)
        if round_ % 3 == 0:
            payload = {"entry": [{"changes": [{"value": _shape(rng)}]}]}
        elif round_ % 3 == 1:
            payload = {"update_id": round_, rng.choice(["message", "callback_query"]): _shape(rng)}
        wa = await _whatsapp(intake, payload)
        tg = await _telegram(intake, payload)
        assert wa.status_code < 500, (payload, wa.text)
        assert tg.status_code < 500, (payload, tg.text)


# ---- 12. feed links: only http and https are stored, and nothing else is rendered as a link -------

HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:x",
]


def _feed() -> FastAPI:
    items = "".join(
        f"<item><guid>bad-{i}</guid><title>Napi kabur dari Lapas Cipinang {i}</title>"
        f"<link>{link.replace('<', '&lt;')}</link><description>Petugas mengejar.</description></item>"
        for i, link in enumerate(HOSTILE_LINKS)
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'
    app = FastAPI()
    app.get("/rss.xml")(lambda: Response(rss, media_type="application/rss+xml"))
    return app


async def test_feed_links_other_than_http_are_neither_stored_nor_rendered(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with kit.serve_asgi(_feed()) as site:
        settings = kit.intake_settings(
            nats_server, tmp_path, feeds=[f"{site}/rss.xml"], feed_poll_seconds=3600
        )
        async with kit.running_intake(settings) as client, httpx.AsyncClient() as http:
            # The intake's own poller may take the items first; either way they are stored once.
            await poll_feeds(kit.runtime_of(client), settings, http)
            async with kit.runtime_of(client).unit_of_work() as session:
                rows = (await session.scalars(select(FeedItem))).all()
                assert [r.link for r in rows] == ["", "", ""], "only http(s) links are stored"
                # A row stored before this fix still holds its link: the page must not make it a link.
                session.add(
                    FeedItem(
                        key="old-row",
                        feed_url="x",
                        guid="old",
                        title="Berita lama Lapas Cipinang",
                        link="javascript:alert(1)",
                        published_at=utcnow(),
                        unit_code="DKI-LAPAS-CIPINANG",
                        polarity="negative",
                        score=-1.0,
                        categories=[],
                    )
                )
            async with kit.console(client) as admin:
                page = (await admin.get("/media")).text
            assert "Berita lama Lapas Cipinang" in page
            hrefs = re.findall(r'href="([^"]*)"', page)
            assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)], hrefs


# ---- 14. bounded link length; the WhatsApp challenge answer cannot be sniffed as HTML ------------


async def test_a_link_longer_than_2048_characters_is_refused(intake: httpx.AsyncClient) -> None:
    long_link = "https://news.example/" + "a" * 60_000
    body = {"unit_code": "DKI-LAPAS-CIPINANG", "text": "Berita viral", "links": [long_link]}
    answer = await intake.post("/v1/reports", json=body)
    assert answer.status_code == 422, answer.status_code
    assert answer.json()["detail"][0]["field"].startswith("links")
    assert "2048" in answer.json()["message"]
    ok = {**body, "links": ["https://news.example/" + "a" * 1_900]}
    assert (await intake.post("/v1/reports", json=ok)).status_code == 202


async def test_the_whatsapp_challenge_is_plain_text_and_not_sniffed(intake: httpx.AsyncClient) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-sec", "hub.challenge": "<b>123</b>"}
    answer = await intake.get("/webhooks/whatsapp", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["x-content-type-options"] == "nosniff"


# ---- found on a second attacker's pass over the input code ------------------------------------------


async def test_a_lone_surrogate_in_a_signed_webhook_is_cleaned_not_a_server_error(
    intake: httpx.AsyncClient,
) -> None:
    # JSON may escape half of a UTF-16 pair; Python decodes it into a string no database can store.
    telegram = (
        b'{"update_id": 70, "message": {"message_id": 70, "chat": {"id": 5551, "type": "private"},'
        b' "from": {"id": 1, "first_name": "Ani\\udc00"}, "text": "Lapas Cipinang: ricuh\\ud800 di blok C"}}'
    )
    answer = await intake.post(
        "/webhooks/telegram",
        content=telegram,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    whatsapp = json.dumps(
        _wa(
            {
                "contacts": [{"wa_id": "62811", "profile": {"name": "Siti"}}],
                "messages": [
                    {
                        "id": "wamid.S",
                        "from": "62811",
                        "type": "text",
                        "text": {"body": "Lapas Cipinang\ud800 ricuh"},
                    }
                ],
            }
        )
    ).encode()
    assert (
        await intake.post("/webhooks/whatsapp", content=whatsapp, headers=_signed(whatsapp))
    ).status_code == 200
    stored = (await intake.get("/v1/channel-messages")).json()
    assert sorted(m["text"] for m in stored) == ["Lapas Cipinang ricuh", "Lapas Cipinang: ricuh di blok C"]


async def test_a_long_platform_message_id_delivered_twice_is_one_report(intake: httpx.AsyncClient) -> None:
    long_id = "wamid." + "A" * 300
    payload = _wa(
        {
            "messages": [
                {"id": long_id, "from": "62811", "type": "text", "text": {"body": "Lapas Cipinang ricuh"}}
            ]
        }
    )
    first = await _whatsapp(intake, payload)
    again = await _whatsapp(intake, payload)
    assert (first.status_code, first.json()["messages"]) == (200, ["reported"])
    assert (again.status_code, again.json()["messages"]) == (200, ["duplicate"]), again.text
    other = _wa(
        {
            "messages": [
                {
                    "id": long_id + "B",
                    "from": "62811",
                    "type": "text",
                    "text": {"body": "Lapas Cipinang ricuh"},
                }
            ]
        }
    )
    assert (await _whatsapp(intake, other)).json()["messages"] != ["duplicate"], (
        "a different id is not a duplicate"
    )


INVISIBLE_MORE = {
    "soft_hyphen": "\u00ad",
    "tag_letter": "\U000e0041",
    "c1_control": "\x85",
    "isolate": "\u2066",
}


@pytest.mark.parametrize("kind", sorted(INVISIBLE_MORE))
async def test_other_invisible_characters_are_refused_too(intake: httpx.AsyncClient, kind: str) -> None:
    # Tag characters are invisible yet read by language models: a hidden instruction for the drafter.
    body = {"unit_code": "DKI-LAPAS-CIPINANG", "text": f"Keributan di{INVISIBLE_MORE[kind]} blok C"}
    answer = await intake.post("/v1/reports", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "text"


def _feed_with(title: str) -> FastAPI:
    items = "".join(
        f"<item><guid>g-{i}</guid><title>{t}</title><link>https://news.example/{i}</link>"
        "<description>Petugas mengejar.</description></item>"
        for i, t in enumerate([title, "Napi kabur dari Lapas Cipinang lagi"])
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'
    app = FastAPI()
    app.get("/rss.xml")(lambda: Response(rss, media_type="application/rss+xml"))
    return app


async def test_a_feed_item_with_hidden_characters_does_not_stop_the_feed(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with kit.serve_asgi(_feed_with("Napi kabur dari Lapas Cip\u200binang\u202e")) as site:
        settings = kit.intake_settings(
            nats_server, tmp_path, feeds=[f"{site}/rss.xml"], feed_poll_seconds=3600
        )
        async with kit.running_intake(settings) as client, httpx.AsyncClient() as http:
            result = await poll_feeds(kit.runtime_of(client), settings, http)
            assert result.errors == []
            async with kit.runtime_of(client).sessions() as session:
                titles = sorted((await session.scalars(select(FeedItem.title))).all())
    assert titles == ["Napi kabur dari Lapas Cipinang", "Napi kabur dari Lapas Cipinang lagi"]


async def test_the_name_shown_for_a_telegram_acknowledgement_is_cleaned(
    intake: httpx.AsyncClient, bot_api: tuple[BotApi, str]
) -> None:
    incident_id, notification_id = await _sent_notification(intake)
    press = _press(_button(intake, notification_id, RECIPIENT_CHAT), RECIPIENT_CHAT)
    press["callback_query"]["from"]["first_name"] = "\u202enimdA"
    assert (await _telegram(intake, press)).status_code == 200
    await bot_api[0].answers(1)
    view = await kit.incident(intake, incident_id)
    assert [n["acknowledged_by"] for n in view["notifications"]] == ["nimdA"]

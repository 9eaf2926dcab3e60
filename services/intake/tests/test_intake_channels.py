"""Bot channels with their platforms' real payloads: Telegram (webhook and long polling, replies through a
stand-in Bot API over real HTTP) and the WhatsApp Cloud API webhook (handshake, signature, messages)."""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from tanggap_runner.nats import NatsServer
from tanggap_shared.ack_button import callback_data
from tanggap_shared.tokens import link_secret

from .conftest import (
    apply,
    incident,
    intake_settings,
    notification_sent,
    published,
    running_intake,
    serve_asgi,
)

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-1"
APP_SECRET = "meta-app-secret"
SALEMBA_GROUP = "-1001234567890"


class BotApiStandIn:
    """The Bot API as far as the intake uses it: records calls, serves queued updates to getUpdates."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/bot{token}/{method}")(self.handle)

    async def handle(self, token: str, method: str, request: Request) -> dict[str, Any]:
        if token != TOKEN:
            return {"ok": False, "error_code": 401, "description": "Unauthorized"}
        payload = await request.json()
        self.calls.append((method, payload))
        if method == "getUpdates":
            offset = payload.get("offset", 0)
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if not ready:
                await asyncio.sleep(0.05)
            return {"ok": True, "result": ready}
        if method == "sendMessage":
            return {"ok": True, "result": {"message_id": len(self.calls), "chat": {"id": payload["chat_id"]}}}
        return {"ok": True, "result": True}

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [payload for name, payload in self.calls if name == method]

    async def wait_sent(self, count: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        for _ in range(100):
            if len(self.sent(method)) >= count:
                break
            await asyncio.sleep(0.05)
        return self.sent(method)


def message(
    update_id: int, text: str, *, chat_id: int = 5551, message_id: int = 10, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": message_id,
        "from": {
            "id": 777,
            "is_bot": False,
            "first_name": "Budi",
            "last_name": "Santoso",
            "language_code": "id",
        },
        "chat": {"id": chat_id, "first_name": "Budi", "type": "private"},
        "date": 1_763_800_000,
        "text": text,
    }
    body.update(extra)
    return {"update_id": update_id, "message": body}


@pytest.fixture
async def bot_api() -> AsyncIterator[tuple[BotApiStandIn, str]]:
    stand_in = BotApiStandIn()
    async with serve_asgi(stand_in.app) as url:
        yield stand_in, url


@pytest.fixture
async def channels(
    nats_server: NatsServer, tmp_path: Path, bot_api: tuple[BotApiStandIn, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = intake_settings(
        nats_server,
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base=bot_api[1],
        telegram_chat_units={SALEMBA_GROUP: "DKI-RUTAN-JAKARTAPUSAT"},
        whatsapp_verify_token="verify-me",
        whatsapp_app_secret=APP_SECRET,
    )
    async with running_intake(settings) as client:
        yield client


async def _telegram(
    client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = SECRET
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return await client.post("/webhooks/telegram", json=update, headers=headers)


async def _reports(client: httpx.AsyncClient, incident_id: str) -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = (await incident(client, incident_id))["reports"]
    return reports


async def test_telegram_webhook_checks_its_secret(channels: httpx.AsyncClient) -> None:
    update = message(1, "Lapas Cipinang: ada keributan")
    assert (await _telegram(channels, update, secret=None)).status_code == 401
    wrong = await _telegram(channels, update, secret="guess")
    assert wrong.status_code == 403
    assert "Wrong" in wrong.json()["message"]
    messages = (await channels.get("/v1/channel-messages")).json()
    assert messages == [], "a refused delivery leaves nothing behind"


async def test_telegram_messages_become_reports_answered_with_the_incident_number(
    channels: httpx.AsyncClient, bot_api: tuple[BotApiStandIn, str]
) -> None:
    stand_in = bot_api[0]
    update = message(100, "Lapas Cipinang: terjadi keributan antar WBP di blok C, dua orang luka.")
    first = await _telegram(channels, update)
    assert first.status_code == 200
    assert first.json() == {"ok": True}
    replies = await stand_in.wait_sent(1)
    assert replies[0]["chat_id"] == "5551"
    assert replies[0]["reply_parameters"]["message_id"] == 10
    assert "Nomor insiden:" in replies[0]["text"]
    stored = (await channels.get("/v1/channel-messages")).json()
    assert [(m["status"], m["sender"]) for m in stored] == [("reported", "Budi Santoso")]
    incident_id = stored[0]["incident_id"]
    assert incident_id[:8].upper() in replies[0]["text"]
    reports = await _reports(channels, incident_id)
    assert [(r["channel"], r["reported_by"]) for r in reports] == [("telegram", "Budi Santoso")]

    await _telegram(channels, update)  # Telegram redelivers when an answer is late
    await asyncio.sleep(0.2)
    assert len(await _reports(channels, incident_id)) == 1
    assert len(stand_in.sent()) == 1, "a redelivery is not answered twice"

    edited = message(
        101, "Lapas Cipinang: keributan antar WBP di blok C, tiga orang luka.", edit_date=1_763_800_100
    )
    edited["edited_message"] = edited.pop("message")
    assert (await _telegram(channels, edited)).status_code == 200
    assert (await _reports(channels, incident_id))[0]["text"].endswith("tiga orang luka.")
    updated = await published(channels, "report.updated", incident_id)
    assert updated[0].changes == ["text"]  # type: ignore[union-attr]
    assert "Perubahan laporan dicatat" in (await stand_in.wait_sent(2))[1]["text"]

    photo = message(102, "", message_id=11, chat_id=int(SALEMBA_GROUP))
    photo["message"].pop("text")
    photo["message"]["photo"] = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 67}]
    photo["message"]["caption"] = "Foto tembok yang dijebol, dua tahanan kabur malam ini"
    assert (await _telegram(channels, photo)).status_code == 200
    salemba = (await channels.get("/v1/channel-messages")).json()[0]
    view = await incident(channels, salemba["incident_id"])
    assert view["unit"]["code"] == "DKI-RUTAN-JAKARTAPUSAT", "the group's unit, though the caption names none"

    unknown = message(103, "Ada kejadian di lapas, tolong dicek", message_id=12)
    assert (await _telegram(channels, unknown)).status_code == 200
    replies = await stand_in.wait_sent(4)
    assert "nama UPT tidak dikenali" in replies[-1]["text"]
    kept = (await channels.get("/v1/channel-messages", params={"status": "unmatched"})).json()
    assert [m["text"] for m in kept] == ["Ada kejadian di lapas, tolong dicek"]


def _link_secret(client: httpx.AsyncClient) -> str:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return link_secret(settings.link_secret, settings.state_dir)


async def test_telegram_ack_button_acknowledges(
    channels: httpx.AsyncClient, bot_api: tuple[BotApiStandIn, str]
) -> None:
    incident_id = (
        await channels.post("/v1/reports", json={"unit_code": "DKI-LAPAS-CIPINANG", "text": "ricuh"})
    ).json()["incident_id"]
    sent = notification_sent(incident_id, "Kalapas")
    notification_id = sent.notification_id
    await apply(channels, sent)
    callback = {
        "update_id": 200,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": {"id": 9, "is_bot": False, "first_name": "Wachid"},
            "chat_instance": "-1",
            # The notifier's button, bound to the chat it was sent to (the presser's own chat here).
            "data": callback_data(_link_secret(channels), str(notification_id), "9"),
        },
    }
    assert (await _telegram(channels, callback)).status_code == 200
    answers = await bot_api[0].wait_sent(1, "answerCallbackQuery")
    assert answers[0] == {
        "callback_query_id": "4382bfdwdsb323b2d9",
        "text": "Terima kasih, pemberitahuan sudah dikonfirmasi.",
    }
    view = await incident(channels, incident_id)
    assert [(n["status"], n["acknowledged_by"]) for n in view["notifications"]] == [
        ("acknowledged", "Wachid")
    ]


async def test_telegram_long_polling(
    nats_server: NatsServer, tmp_path: Path, bot_api: tuple[BotApiStandIn, str]
) -> None:
    stand_in, url = bot_api
    stand_in.updates = [message(500, "Rutan Salemba: tahanan kabur lewat gorong-gorong", message_id=1)]
    settings = intake_settings(
        nats_server,
        tmp_path,
        telegram_bot_token=TOKEN,
        telegram_api_base=url,
        telegram_mode="polling",
        telegram_poll_timeout=0,
    )
    async with running_intake(settings) as client:
        replies = await stand_in.wait_sent(1)
        assert "Nomor insiden:" in replies[0]["text"]
        for _ in range(100):
            offsets = [p.get("offset") for p in stand_in.sent("getUpdates")]
            if 501 in offsets:
                break
            await asyncio.sleep(0.05)
        assert 501 in offsets, "the next getUpdates confirms the update"
        assert stand_in.sent("deleteWebhook"), "getUpdates needs the webhook removed"
        stored = (await client.get("/v1/channel-messages")).json()
        assert [m["status"] for m in stored] == ["reported"]
        assert (await client.post("/webhooks/telegram", json={})).status_code == 404, (
            "no webhook without a secret"
        )


def _whatsapp_payload(message_id: str, text: str, wa_id: str = "6281234567890") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": "Siti Humas"}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id,
                                    "timestamp": "1763800000",
                                    "text": {"body": text},
                                    "type": "text",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def _signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "content-type": "application/json"}


async def test_whatsapp_handshake_signature_and_messages(channels: httpx.AsyncClient) -> None:
    verify = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    ok = await channels.get("/webhooks/whatsapp", params=verify)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert (
        await channels.get("/webhooks/whatsapp", params={**verify, "hub.verify_token": "no"})
    ).status_code == 403
    assert (
        await channels.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.challenge": "1"})
    ).status_code == 401

    body = json.dumps(
        _whatsapp_payload(
            "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE", "Lapas Cipinang: ada WBP mogok makan sejak pagi"
        )
    ).encode()
    unsigned = await channels.post(
        "/webhooks/whatsapp", content=body, headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 401
    forged = await channels.post("/webhooks/whatsapp", content=body, headers=_signed(body, "wrong"))
    assert forged.status_code == 403
    tampered = await channels.post(
        "/webhooks/whatsapp", content=body.replace(b"mogok", b"MOGOK"), headers=_signed(body)
    )
    assert tampered.status_code == 403
    assert (await channels.get("/v1/channel-messages")).json() == []

    first = await channels.post("/webhooks/whatsapp", content=body, headers=_signed(body))
    assert first.status_code == 200
    assert first.json()["messages"] == ["reported"]
    again = await channels.post("/webhooks/whatsapp", content=body, headers=_signed(body))
    assert again.json()["messages"] == ["duplicate"]
    stored = (await channels.get("/v1/channel-messages")).json()
    assert [(m["channel"], m["sender"], m["status"]) for m in stored] == [
        ("whatsapp", "Siti Humas", "reported")
    ]
    reports = await _reports(channels, stored[0]["incident_id"])
    assert [(r["channel"], r["text"]) for r in reports] == [
        ("whatsapp", "Lapas Cipinang: ada WBP mogok makan sejak pagi")
    ]

    statuses = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {"value": {"statuses": [{"id": "wamid.X", "status": "read"}]}, "field": "messages"}
                    ],
                }
            ],
        }
    ).encode()
    r = await channels.post("/webhooks/whatsapp", content=statuses, headers=_signed(statuses))
    assert (r.status_code, r.json()["messages"]) == (200, [])
    broken = b'{"entry": ['
    assert (
        await channels.post("/webhooks/whatsapp", content=broken, headers=_signed(broken))
    ).status_code == 400


async def test_bad_webhook_bodies_get_a_clear_answer_and_leave_nothing(channels: httpx.AsyncClient) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"}
    broken = await channels.post(
        "/webhooks/telegram", content=b'{"update_id": 1, "message": ', headers=headers
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["message"]
    listed = await channels.post("/webhooks/telegram", json=[1, 2], headers=headers)
    assert listed.status_code == 400
    huge = await channels.post("/webhooks/telegram", json=message(9, "x" * 70_000), headers=headers)
    assert huge.status_code == 413
    control = await channels.post(
        "/webhooks/telegram", json=message(10, "Lapas Cipinang:\x00 ricuh\x07"), headers=headers
    )
    assert control.status_code == 200, "chat text is cleaned, not refused"
    stored = (await channels.get("/v1/channel-messages")).json()
    assert [m["text"] for m in stored] == ["Lapas Cipinang:  ricuh"]
    sticker = message(11, "", message_id=99)
    sticker["message"].pop("text")
    sticker["message"]["sticker"] = {"file_id": "CAAC", "file_unique_id": "AgAD", "width": 512, "height": 512}
    assert (await channels.post("/webhooks/telegram", json=sticker, headers=headers)).status_code == 200
    assert [m["status"] for m in (await channels.get("/v1/channel-messages")).json()] == ["empty", "reported"]

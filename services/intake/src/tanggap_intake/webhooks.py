"""Webhooks of the bot channels; each checks its platform's own secret instead of the API key."""

import hmac
import json
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, BackgroundTasks, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from tanggap_intake import telegram, whatsapp
from tanggap_intake.errors import IntakeError, NotFound
from tanggap_intake.inbound import take_once
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.intake.webhooks")

hooks = APIRouter(prefix="/webhooks", tags=["channels"])


class Unauthenticated(IntakeError):
    status_code = 401


class Forbidden(IntakeError):
    status_code = 403


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _check_secret(expected: str, given: str | None, what: str) -> None:
    if not given:
        raise Unauthenticated(f"Missing {what}.")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden(f"Wrong {what}.")


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise IntakeError("The request body is not valid JSON.") from None


@hooks.post("/telegram", summary="Telegram Bot API updates (setWebhook with secret_token)")
async def telegram_update(
    request: Request,
    background: BackgroundTasks,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> JSONResponse:
    settings = _settings(request)
    if not (settings.telegram_bot_token and settings.telegram_webhook_secret):
        raise NotFound("The Telegram channel is not configured on this intake.")
    _check_secret(
        settings.telegram_webhook_secret.get_secret_value(), secret, "X-Telegram-Bot-Api-Secret-Token"
    )
    update = await _json(request)
    if not isinstance(update, dict):
        raise IntakeError("A Telegram update is a JSON object.")
    api: telegram.BotApi = request.app.state.telegram
    reply = await telegram.handle_update(_runtime(request), settings, api, update)
    background.add_task(telegram.send_safely, reply)
    return JSONResponse({"ok": True})


@hooks.get("/whatsapp", summary="WhatsApp Cloud API verification handshake")
async def whatsapp_verify(
    request: Request,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=200)] = None,
) -> PlainTextResponse:
    settings = _settings(request)
    if settings.whatsapp_verify_token is None:
        raise NotFound("The WhatsApp channel is not configured on this intake.")
    if mode != "subscribe" or challenge is None:
        raise IntakeError("Expected hub.mode=subscribe with a hub.challenge.")
    _check_secret(settings.whatsapp_verify_token.get_secret_value(), token, "hub.verify_token")
    # Meta's challenge is echoed as sent: plain text that no browser may sniff into HTML or script.
    return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})


@hooks.post("/whatsapp", summary="WhatsApp Cloud API messages (signed with X-Hub-Signature-256)")
async def whatsapp_messages(
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
) -> JSONResponse:
    settings = _settings(request)
    if settings.whatsapp_app_secret is None:
        raise NotFound("The WhatsApp channel is not configured on this intake.")
    raw = await request.body()
    if not signature:
        raise Unauthenticated("Missing X-Hub-Signature-256.")
    if not whatsapp.signature_valid(settings.whatsapp_app_secret.get_secret_value(), raw, signature):
        raise Forbidden("X-Hub-Signature-256 does not match the body.")
    payload = await _json(request)
    if not isinstance(payload, dict):
        raise IntakeError("A WhatsApp webhook body is a JSON object.")
    outcomes = []
    runtime = _runtime(request)
    for message in whatsapp.messages(payload, settings):
        outcome = await take_once(runtime, message, settings)
        outcomes.append(outcome.status)
        log.info("intake.whatsapp_message", status=outcome.status, incident_id=outcome.incident_id)
    return JSONResponse({"ok": True, "messages": outcomes})

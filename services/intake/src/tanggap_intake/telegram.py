"""Telegram bot: updates in (webhook or long polling), replies with the incident number through the Bot API.

Payloads follow the Bot API: an Update carries `message`, `edited_message`, `channel_post`,
`edited_channel_post` or `callback_query`; a text message has `text`, a photo has `caption`.
Acknowledgement buttons send callback data "ack:<notification_id>".
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import structlog

from tanggap_intake.decisions import acknowledge, notification_incident
from tanggap_intake.errors import NotFound
from tanggap_intake.inbound import Inbound, Outcome, take_once
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.intake.telegram")

ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post", "callback_query"]


class BotApi:
    """The few Bot API methods the intake calls, against a configurable base URL."""

    def __init__(self, settings: IntakeSettings, client: httpx.AsyncClient | None = None) -> None:
        token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
        self._base = f"{settings.telegram_api_base.rstrip('/')}/bot{token}/"
        self._client = client or httpx.AsyncClient(timeout=settings.telegram_poll_timeout + 10)

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        response = await self._client.post(self._base + method, json=payload)
        body = response.json()
        if not body.get("ok"):
            raise RuntimeError(f"Bot API {method} failed: {body.get('description', response.status_code)}")
        return body.get("result")

    async def send_reply(self, chat_id: int | str, message_id: int | None, text: str) -> None:
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if message_id is not None:
            payload["reply_parameters"] = {"message_id": message_id, "allow_sending_without_reply": True}
        await self.call("sendMessage", payload)

    async def aclose(self) -> None:
        await self._client.aclose()


def _sender(user: dict[str, Any] | None, chat: dict[str, Any]) -> str:
    if user:
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        return name or str(user.get("username") or user.get("id", ""))
    return str(chat.get("title") or chat.get("id", ""))


def inbound_of(update: dict[str, Any], settings: IntakeSettings) -> tuple[Inbound, int] | None:
    """The report-bearing message of an update and its message id; None for other kinds of update."""
    edited = update.get("edited_message") or update.get("edited_channel_post")
    message = edited or update.get("message") or update.get("channel_post")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    chat_id, message_id = str(chat.get("id", "")), int(message.get("message_id", 0))
    identity = f"{chat_id}:{message_id}"
    external = f"{identity}:edit:{message.get('edit_date', update.get('update_id'))}" if edited else identity
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        external_id=external,
        text=str(message.get("text") or message.get("caption") or ""),
        chat_id=chat_id,
        sender=_sender(message.get("from"), chat),
        unit_hint=settings.telegram_chat_units.get(chat_id),
        edit_of=identity if edited else None,
    )
    return inbound, message_id


Reply = Callable[[], Awaitable[None]]


async def handle_update(
    runtime: Runtime, settings: IntakeSettings, api: BotApi, update: dict[str, Any]
) -> Reply | None:
    """Store what the update carries (in one transaction) and return the reply to send afterwards."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        return await _callback(runtime, api, callback)
    found = inbound_of(update, settings)
    if found is None:
        return None
    inbound, message_id = found
    outcome: Outcome = await take_once(runtime, inbound, settings)
    log.info("intake.telegram_message", status=outcome.status, incident_id=outcome.incident_id)
    text = outcome.reply()
    if text is None:
        return None
    return lambda: api.send_reply(inbound.chat_id, message_id, text)


async def _callback(runtime: Runtime, api: BotApi, callback: dict[str, Any]) -> Reply | None:
    data = str(callback.get("data") or "")
    if not data.startswith("ack:"):
        return None
    by = _sender(callback.get("from"), {})
    try:
        notification_id = uuid.UUID(data[4:])
        async with runtime.unit_of_work() as session:
            incident_id = await notification_incident(session, str(notification_id))
            ack = await acknowledge(session, notification_id, incident_id, by)
        answer = (
            f"Sudah dikonfirmasi sebelumnya oleh {ack.acknowledged_by}."
            if ack.already
            else "Terima kasih, pemberitahuan sudah dikonfirmasi."
        )
    except (ValueError, NotFound):
        log.info("intake.refused", reason="telegram_unknown_notification")
        answer = "Pemberitahuan tidak dikenal."
    return lambda: api.call("answerCallbackQuery", {"callback_query_id": callback.get("id"), "text": answer})


async def send_safely(reply: Reply | None) -> None:
    """Replies are a courtesy: the report is stored already, so a failed reply is logged, not raised."""
    if reply is None:
        return
    try:
        await reply()
    except Exception as exc:
        log.warning("intake.telegram_reply_failed", error=repr(exc))


async def poll(runtime: Runtime, settings: IntakeSettings, api: BotApi) -> None:
    """Long polling (getUpdates) for installations without a public HTTPS address for a webhook."""
    offset: int | None = None
    failures = 0
    try:
        await api.call("deleteWebhook", {"drop_pending_updates": False})
    except Exception as exc:
        log.warning("intake.telegram_delete_webhook_failed", error=repr(exc))
    log.info("intake.telegram_polling")
    while True:
        try:
            payload: dict[str, Any] = {
                "timeout": settings.telegram_poll_timeout,
                "allowed_updates": ALLOWED_UPDATES,
            }
            if offset is not None:
                payload["offset"] = offset
            updates = await api.call("getUpdates", payload)
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            log.warning("intake.telegram_poll_failed", error=repr(exc), failures=failures)
            await asyncio.sleep(min(30.0, 0.5 * 2**failures))
            continue
        for update in updates or []:
            try:
                await send_safely(await handle_update(runtime, settings, api, update))
            except Exception:
                # Keep the offset here: the update is fetched again and retried (it is idempotent).
                log.exception("intake.telegram_update_failed", update_id=update.get("update_id"))
                await asyncio.sleep(1.0)
                break
            offset = int(update["update_id"]) + 1

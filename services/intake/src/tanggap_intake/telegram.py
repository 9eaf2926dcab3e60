"""Telegram bot: updates in (webhook or long polling), replies with the incident number through the Bot API.

Payloads follow the Bot API: an Update carries `message`, `edited_message`, `channel_post`,
`edited_channel_post` or `callback_query`; a text message has `text`, a photo has `caption`.
Acknowledgement buttons send callback data "ack:<notification_id>:<mac>" (tanggap_shared.ack_button); only
the recipient's own press acknowledges. Updates are read through pydantic models of those shapes: one that
does not fit is answered 200 (the platform would retry an error), logged and counted, never a 5xx.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tanggap_intake.decisions import acknowledge, notification_incident
from tanggap_intake.errors import NotFound
from tanggap_intake.inbound import Inbound, Outcome, take_once
from tanggap_intake.metrics import ignored
from tanggap_intake.settings import IntakeSettings
from tanggap_shared import ack_button
from tanggap_shared.contracts import Channel
from tanggap_shared.runtime import Runtime
from tanggap_shared.textnorm import strip_unsafe
from tanggap_shared.tokens import link_secret

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


class _Lenient(BaseModel):
    # The Bot API adds fields over time: unknown ones are ignored, the ones used here must have their type.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Lenient):
    id: int
    first_name: str = ""
    last_name: str = ""
    username: str = ""


class TgChat(_Lenient):
    id: int
    title: str = ""
    type: str = ""


class TgMessage(_Lenient):
    message_id: int
    chat: TgChat
    sender: TgUser | None = Field(default=None, alias="from")
    text: str = ""
    caption: str = ""
    edit_date: int | None = None


class TgCallback(_Lenient):
    id: str
    sender: TgUser = Field(alias="from")
    data: str = ""
    # An old message may come back "inaccessible" (date 0): only its chat is read.
    message: dict[str, Any] | None = None


class TgUpdate(_Lenient):
    update_id: int
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
    channel_post: TgMessage | None = None
    edited_channel_post: TgMessage | None = None
    callback_query: TgCallback | None = None


def _sender(user: TgUser | None, chat: TgChat) -> str:
    if user:
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        return name or user.username or str(user.id)
    return chat.title or str(chat.id)


def inbound_of(update: TgUpdate, settings: IntakeSettings) -> tuple[Inbound, int] | None:
    """The report-bearing message of an update and its message id; None for other kinds of update."""
    edited = update.edited_message or update.edited_channel_post
    message = edited or update.message or update.channel_post
    if message is None:
        return None
    chat_id, message_id = str(message.chat.id), message.message_id
    identity = f"{chat_id}:{message_id}"
    external = f"{identity}:edit:{message.edit_date or update.update_id}" if edited else identity
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        external_id=external,
        text=message.text or message.caption,
        chat_id=chat_id,
        sender=_sender(message.sender, message.chat),
        unit_hint=settings.telegram_chat_units.get(chat_id),
        edit_of=identity if edited else None,
    )
    return inbound, message_id


Reply = Callable[[], Awaitable[None]]


def parse_update(raw: dict[str, Any]) -> TgUpdate | None:
    """The update in the Bot API's shape, or None (logged and counted) when it cannot be used."""
    try:
        return TgUpdate.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})[:5]
        log.warning("intake.webhook_ignored", channel="telegram", reason="malformed_update", fields=fields)
        ignored("telegram", "malformed_update")
        return None


async def handle_update(
    runtime: Runtime, settings: IntakeSettings, api: BotApi, raw: dict[str, Any]
) -> Reply | None:
    """Store what the update carries (in one transaction) and return the reply to send afterwards."""
    update = parse_update(raw)
    if update is None:
        return None
    if update.callback_query is not None:
        return await _callback(runtime, settings, api, update.callback_query)
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


OLD_BUTTON = "Tombol ini sudah tidak berlaku. Konfirmasi melalui tautan di pesan pemberitahuan."
NOT_YOURS = "Pemberitahuan ini bukan untuk Anda, jadi tidak dikonfirmasi."
UNKNOWN = "Pemberitahuan tidak dikenal."


async def _callback(
    runtime: Runtime, settings: IntakeSettings, api: BotApi, callback: TgCallback
) -> Reply | None:
    press = ack_button.read(callback.data)
    if press is None:
        if callback.data.startswith(ack_button.PREFIX):
            log.warning("intake.refused", reason="telegram_malformed_button")
            ignored("telegram", "malformed_button")
        return None
    answer = await _acknowledge_press(runtime, settings, callback, press)
    return lambda: api.call("answerCallbackQuery", {"callback_query_id": callback.id, "text": answer})


async def _acknowledge_press(
    runtime: Runtime, settings: IntakeSettings, callback: TgCallback, press: ack_button.AckPress
) -> str:
    """Acknowledge for the recipient only: the button's MAC must match the Telegram user who pressed it."""
    presser = str(callback.sender.id)
    chat = (callback.message or {}).get("chat")
    context = {
        "notification_id": str(press.notification_id),
        "telegram_user": presser,
        "message_chat": chat.get("id") if isinstance(chat, dict) else None,
    }
    if not press.mac:
        log.warning("intake.refused", reason="telegram_unbound_button", **context)
        return OLD_BUTTON
    secret = link_secret(settings.link_secret, settings.state_dir)
    if not ack_button.pressed_by_recipient(secret, press, presser):
        log.warning("intake.refused", reason="telegram_not_recipient", **context)
        return NOT_YOURS
    try:
        async with runtime.unit_of_work() as session:
            incident_id = await notification_incident(session, str(press.notification_id))
            # The name is shown on the incident page: cleaned like any chat text, and bounded.
            name = strip_unsafe(_sender(callback.sender, TgChat(id=0))).strip()[:200] or presser
            ack = await acknowledge(session, press.notification_id, incident_id, name)
    except NotFound:
        log.info("intake.refused", reason="telegram_unknown_notification", **context)
        return UNKNOWN
    if ack.already:
        return f"Sudah dikonfirmasi sebelumnya oleh {ack.acknowledged_by}."
    return "Terima kasih, pemberitahuan sudah dikonfirmasi."


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

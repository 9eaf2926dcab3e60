"""Telegram messages with an inline "acknowledge" button.

Apprise's Telegram plugin builds its `sendMessage` payload internally and cannot add `reply_markup`, so a
page whose recipient can acknowledge is sent here, straight to the Bot API: the same `tgram://` URL
(parsed by Apprise's own plugin), the same Bot API base (TANGGAP_TELEGRAM_API_URL in tests), and a button
whose `callback_data` is `ack:<notification id>:<mac>`, the MAC binding the button to the chat it is sent to
(tanggap_shared.ack_button). The intake's Telegram webhook turns the recipient's press into
notification.acknowledged and refuses anyone else's. Every other channel stays with Apprise.
"""

from dataclasses import dataclass

import httpx
from apprise.plugins.telegram import NotifyTelegram

from tanggap_shared.ack_button import callback_data

ACK_BUTTON_TEXT = "✅ Konfirmasi diterima"
MAX_TEXT = 4096  # the Bot API's limit for one message


@dataclass(frozen=True)
class TelegramResult:
    ok: bool
    error: str  # carries "error=<status>" so the sender can tell temporary from permanent failures


def telegram_target(url: str) -> tuple[str, list[str]] | None:
    """(bot token, chat ids) of a `tgram://` URL, or None when it is not one Apprise would accept."""
    parsed = NotifyTelegram.parse_url(url)  # type: ignore[no-untyped-call]  # Apprise is untyped
    if not parsed or not parsed.get("bot_token") or not parsed.get("targets"):
        return None
    return str(parsed["bot_token"]), [str(t) for t in parsed["targets"]]


def ack_markup(notification_id: str, *, chat_id: str, secret: str) -> dict[str, object]:
    """The inline keyboard with the button for the recipient whose chat is `chat_id`."""
    data = callback_data(secret, notification_id, chat_id)
    return {"inline_keyboard": [[{"text": ACK_BUTTON_TEXT, "callback_data": data}]]}


async def send_with_button(
    url: str, *, title: str, body: str, notification_id: str, timeout: float, secret: str
) -> TelegramResult:
    """Post the message with its button to every chat of the URL; all must accept it. Each chat gets a
    button of its own; without a secret, no button is attached (the page still carries its link)."""
    target = telegram_target(url)
    if target is None:
        return TelegramResult(False, "not a valid Telegram URL")
    token, chats = target
    endpoint = f"{NotifyTelegram.notify_url}{token}/sendMessage"
    text = f"{title}\n{body}" if title else body
    async with httpx.AsyncClient(timeout=timeout) as client:
        for chat in chats:
            payload: dict[str, object] = {
                "chat_id": chat,
                "text": text[:MAX_TEXT],
                "disable_web_page_preview": True,
            }
            if secret:
                payload["reply_markup"] = ack_markup(notification_id, chat_id=chat, secret=secret)
            try:
                response = await client.post(endpoint, json=payload)
            except httpx.HTTPError as exc:
                return TelegramResult(False, f"Telegram unreachable: {type(exc).__name__}")
            if response.status_code != 200:
                try:
                    description = str(response.json().get("description", ""))
                except ValueError:
                    description = ""
                return TelegramResult(
                    False, f"Telegram: {description or 'refused'}, error={response.status_code}"
                )
    return TelegramResult(True, "")

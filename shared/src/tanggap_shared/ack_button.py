"""The callback data of a Telegram "acknowledge" button, bound to the chat it was sent to.

The notifier puts `ack:<notification id>:<mac>` on the button, where the MAC (HMAC-SHA256 with the link
secret, cut to 16 URL-safe characters: 96 bits) covers the notification id and the recipient's chat id.
The intake recomputes it for the Telegram user who pressed the button: someone else's press, or a button
made up by hand, does not match. Telegram allows 64 bytes of callback data; this takes 57.
"""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

PREFIX = "ack:"
MAC_CHARS = 16
MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class AckPress:
    notification_id: uuid.UUID
    mac: str  # empty on a button made before buttons were bound to their recipient


def _mac(secret: str, notification_id: str, chat_id: str) -> str:
    if not secret:
        raise ValueError("a signing secret is required")
    # Its own message layout, so that no acknowledgement link's MAC can ever be reused here.
    message = f"telegram-ack\n{notification_id.strip().lower()}\n{chat_id.strip()}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def callback_data(secret: str, notification_id: str, chat_id: str) -> str:
    """The button's data for the person whose Telegram chat is `chat_id` (a notification id is a UUID)."""
    nid = notification_id.strip().lower()
    return f"{PREFIX}{nid}:{_mac(secret, nid, chat_id)}"


def read(data: str) -> AckPress | None:
    """The notification a button names, or None when the data is not an acknowledgement button."""
    if not data.startswith(PREFIX):
        return None
    nid, _, mac = data[len(PREFIX) :].partition(":")
    try:
        return AckPress(uuid.UUID(nid), mac)
    except ValueError:
        return None


def pressed_by_recipient(secret: str, press: AckPress, chat_id: str) -> bool:
    """Whether the button was made for the chat `chat_id` (the Telegram user who pressed it)."""
    if not press.mac:
        return False
    return hmac.compare_digest(_mac(secret, str(press.notification_id), chat_id), press.mac)

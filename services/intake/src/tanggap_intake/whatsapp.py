"""WhatsApp Cloud API webhook: the verification handshake, the signature, and incoming text messages.

Meta signs the raw body with the app secret: X-Hub-Signature-256: sha256=<hex HMAC-SHA256>. Messages
arrive as entry[].changes[].value.messages[] with the sender's profile in value.contacts[].
"""

import hashlib
import hmac
from typing import Any

from tanggap_intake.inbound import Inbound
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel


def signature_valid(app_secret: str, raw_body: bytes, header: str) -> bool:
    scheme, _, given = header.partition("=")
    if scheme != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def _text(message: dict[str, Any]) -> str:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body") or "")
    if kind in ("image", "video", "document"):
        return str((message.get(kind) or {}).get("caption") or "")
    return ""


def messages(payload: dict[str, Any], settings: IntakeSettings) -> list[Inbound]:
    """Every incoming message of a webhook payload; statuses and other changes carry none."""
    found = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                sender = str(message.get("from") or "")
                found.append(
                    Inbound(
                        channel=Channel.WHATSAPP,
                        external_id=str(message.get("id") or ""),
                        text=_text(message),
                        chat_id=sender,
                        sender=names.get(sender) or sender,
                        unit_hint=settings.whatsapp_sender_units.get(sender),
                    )
                )
    return [m for m in found if m.external_id]

"""WhatsApp Cloud API webhook: the verification handshake, the signature, and incoming text messages.

Meta signs the raw body with the app secret: X-Hub-Signature-256: sha256=<hex HMAC-SHA256>. Messages
arrive as entry[].changes[].value.messages[] with the sender's profile in value.contacts[]. The payload is
read through pydantic models of that shape, one message at a time: what does not fit is skipped, logged and
counted (Meta retries on an error, so a signed body that cannot be used is still answered 200).
"""

import hashlib
import hmac
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tanggap_intake.inbound import Inbound
from tanggap_intake.metrics import ignored
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.contracts import Channel

log = structlog.get_logger("tanggap.intake.whatsapp")

MEDIA_KINDS = ("image", "video", "document")


def signature_valid(app_secret: str, raw_body: bytes, header: str) -> bool:
    scheme, _, given = header.partition("=")
    if scheme != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


class _Lenient(BaseModel):
    # Meta adds fields over time: unknown ones are ignored, the ones used here must have their type.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class WaProfile(_Lenient):
    name: str = ""


class WaContact(_Lenient):
    wa_id: str = ""
    profile: WaProfile = WaProfile()


class WaText(_Lenient):
    body: str = ""


class WaMedia(_Lenient):
    caption: str = ""


class WaMessage(_Lenient):
    id: str = Field(min_length=1)
    sender: str = Field(default="", alias="from")
    type: str = ""
    text: WaText | None = None
    image: WaMedia | None = None
    video: WaMedia | None = None
    document: WaMedia | None = None

    def words(self) -> str:
        if self.type == "text":
            return self.text.body if self.text else ""
        media: WaMedia | None = getattr(self, self.type) if self.type in MEDIA_KINDS else None
        return media.caption if media else ""


class WaValue(_Lenient):
    # Items are read one by one (below), so one that does not fit does not hide the others.
    contacts: list[Any] = []
    messages: list[Any] = []


class WaChange(_Lenient):
    value: WaValue = WaValue()


class WaEntry(_Lenient):
    changes: list[WaChange] = []


class WaPayload(_Lenient):
    entry: list[WaEntry] = []


def _skip(reason: str, error: ValidationError) -> None:
    fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})[:5]
    log.warning("intake.webhook_ignored", channel="whatsapp", reason=reason, fields=fields)
    ignored("whatsapp", reason)


def _contacts(items: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in items:
        try:
            contact = WaContact.model_validate(item)
        except ValidationError as exc:
            _skip("malformed_contact", exc)
            continue
        names[contact.wa_id] = contact.profile.name
    return names


def _messages(items: list[Any]) -> list[WaMessage]:
    found = []
    for item in items:
        try:
            found.append(WaMessage.model_validate(item))
        except ValidationError as exc:
            _skip("malformed_message", exc)
    return found


def parse(payload: Any) -> WaPayload | None:
    try:
        return WaPayload.model_validate(payload)
    except ValidationError as exc:
        _skip("malformed_payload", exc)
        return None


def messages(payload: Any, settings: IntakeSettings) -> list[Inbound]:
    """Every usable incoming message of a webhook payload; statuses and other changes carry none."""
    parsed = parse(payload)
    if parsed is None:
        return []
    found = []
    for change in (c for entry in parsed.entry for c in entry.changes):
        names = _contacts(change.value.contacts)
        for message in _messages(change.value.messages):
            found.append(
                Inbound(
                    channel=Channel.WHATSAPP,
                    external_id=message.id,
                    text=message.words(),
                    chat_id=message.sender,
                    sender=names.get(message.sender) or message.sender,
                    unit_hint=settings.whatsapp_sender_units.get(message.sender),
                )
            )
    return found

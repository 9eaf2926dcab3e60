"""Signed, expiring tokens for links people click (acknowledging a notification).

The notifier mints, the intake verifies; both read the same secret (TANGGAP_LINK_SECRET).

An acknowledgement link (`ack_token`) is opaque: 37 bytes, URL-safe base64 (50 characters), holding a
version byte, the notification id (a UUID that names nobody), the expiry and a 128-bit HMAC-SHA256 under a
key of its own. No name, no readable JSON: a link that leaks (a chat preview, a forwarded message, the
notification sink) says nothing about who it is for, and it dies with its expiry or its first use (the
intake keeps the use). `sign` / `verify` are the older, readable format (base64 JSON with a dot): links
minted with it before the upgrade are recognised by `is_legacy` and refused by the intake.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACK_VERSION = 1
_MAC_BYTES = 16
_ACK_BYTES = 1 + 16 + 4 + _MAC_BYTES
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


class InvalidToken(ValueError):
    pass


class ExpiredToken(InvalidToken):
    pass


class LegacyToken(InvalidToken):
    """A link in the readable format used before acknowledgement links became opaque and single-use."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, payload: dict[str, Any], *, ttl_seconds: int, now: float | None = None) -> str:
    """`payload` plus an expiry, as `<body>.<mac>`, URL-safe."""
    if not secret:
        raise ValueError("a signing secret is required")
    body = dict(payload, exp=int((now or time.time()) + ttl_seconds))
    raw = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest()
    return f"{raw}.{_b64(mac)}"


def verify(secret: str, token: str, *, now: float | None = None) -> dict[str, Any]:
    """The payload of a valid, unexpired token; InvalidToken otherwise."""
    try:
        raw, mac = token.split(".", 1)
        expected = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidToken("signature does not match")
        body: dict[str, Any] = json.loads(_unb64(raw))
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidToken(str(exc)) from exc
    if int(body.get("exp", 0)) < (now or time.time()):
        raise InvalidToken("link has expired")
    return body


def link_secret(configured: str | None, state_dir: Path) -> str:
    """The configured secret, or one created once in the state folder and shared by local processes.

    In the embedded default every service shares TANGGAP_STATE_DIR, so the notifier that signs and the intake
    that verifies read the same file; in compose, set TANGGAP_LINK_SECRET for both.
    """
    if configured:
        return configured
    path = state_dir / "link_secret"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another service created it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class AckClaim:
    notification_id: uuid.UUID
    expires_at: int  # Unix seconds


def _key(secret: str, purpose: bytes) -> bytes:
    """A key per use of the shared secret, so that no MAC made for one purpose is accepted for another."""
    if not secret:
        raise ValueError("a signing secret is required")
    return hmac.new(secret.encode(), b"tanggap/" + purpose, hashlib.sha256).digest()


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def is_legacy(token: str) -> bool:
    """Whether `token` has the shape of an old readable link (`<base64 JSON>.<mac>`)."""
    return "." in token


def ack_token(secret: str, notification_id: uuid.UUID, *, ttl_seconds: int, now: float | None = None) -> str:
    """The opaque token of the acknowledgement link of one notification, valid `ttl_seconds`."""
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    body = bytes([ACK_VERSION]) + notification_id.bytes + expires.to_bytes(4, "big")
    return _b64(body + _mac(_key(secret, b"ack-link/v1"), body))


def ack_token_bytes(token: str) -> bytes:
    """The 37 bytes of a well-formed token (one spelling only); InvalidToken otherwise."""
    if is_legacy(token):
        raise LegacyToken("a link in the format used before acknowledgement links became single-use")
    if len(token) > 64 or not _URL_SAFE.fullmatch(token):
        raise InvalidToken("not an acknowledgement token")
    try:
        raw = _unb64(token)
    except ValueError as exc:  # binascii.Error: a length base64 cannot have
        raise InvalidToken("not an acknowledgement token") from exc
    if len(raw) != _ACK_BYTES or raw[0] != ACK_VERSION or _b64(raw) != token:
        raise InvalidToken("not an acknowledgement token")
    return raw


def read_ack_token(secret: str, token: str, *, now: float | None = None) -> AckClaim:
    """The notification a valid, unexpired token names; else LegacyToken, ExpiredToken or InvalidToken."""
    raw = ack_token_bytes(token)
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(_mac(_key(secret, b"ack-link/v1"), body), mac):
        raise InvalidToken("signature does not match")
    claim = AckClaim(uuid.UUID(bytes=body[1:17]), int.from_bytes(body[17:21], "big"))
    if claim.expires_at < (now if now is not None else time.time()):
        raise ExpiredToken("link has expired")
    return claim


def ack_page_nonce(secret: str, token: str, *, now: float | None = None) -> str:
    """A nonce for the confirm page of `token`: its POST proves the page was shown for this very link."""
    issued = int(now if now is not None else time.time()).to_bytes(4, "big")
    return _b64(issued + _mac(_key(secret, b"ack-page/v1"), ack_token_bytes(token) + issued))


def ack_page_nonce_ok(
    secret: str, token: str, nonce: str, *, max_age_seconds: int, now: float | None = None
) -> bool:
    """Whether `nonce` came from the confirm page of `token`, shown at most `max_age_seconds` ago."""
    try:
        if len(nonce) > 64 or not _URL_SAFE.fullmatch(nonce):
            return False
        raw = _unb64(nonce)
        if len(raw) != 4 + _MAC_BYTES:
            return False
        issued, mac = raw[:4], raw[4:]
        expected = _mac(_key(secret, b"ack-page/v1"), ack_token_bytes(token) + issued)
    except ValueError:
        return False
    age = (now if now is not None else time.time()) - int.from_bytes(issued, "big")
    return hmac.compare_digest(expected, mac) and -60 <= age <= max_age_seconds

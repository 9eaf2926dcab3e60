"""Signed, expiring tokens for links people click (acknowledging a notification).

The notifier signs, the intake verifies; both read the same secret (TANGGAP_LINK_SECRET).
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class InvalidToken(ValueError):
    pass


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

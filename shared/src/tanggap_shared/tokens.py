"""Signed, expiring tokens for links people click (acknowledging a notification).

The notifier signs, the intake verifies; both read the same secret (TANGGAP_LINK_SECRET).
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
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

"""Who is calling: API keys (`Authorization: Bearer <key>`) for machines, login sessions for people.

JSON (`/v1`): the bootstrap key (TANGGAP_BOOTSTRAP_API_KEY), an API key an admin created, or a console
session (state-changing calls then need the session's CSRF token in `X-CSRF-Token`). With no bootstrap key
configured the JSON API is open to anonymous callers (development mode, warned about at start); credentials
that are sent are still checked and scoped. Console pages always need a login.
"""

import hmac
import ipaddress
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update

from tanggap_intake.access import BOOTSTRAP, OPEN, Principal
from tanggap_intake.accounts import find_api_key, principal_of, session_principal
from tanggap_intake.models import ApiKey
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.events import utcnow
from tanggap_shared.runtime import Runtime

SESSION_COOKIE = "tanggap_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# last_used_at of an API key is written at most this often, so reads stay reads.
KEY_USE_RESOLUTION = timedelta(minutes=10)

_bearer = HTTPBearer(auto_error=False, description="An API key, or TANGGAP_BOOTSTRAP_API_KEY.")


def settings_of(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _trusted(address: str, proxies: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(p.strip(), strict=False) for p in proxies.split(",") if p.strip())


def client_address(request: Request) -> str:
    """The caller's address. X-Forwarded-For is believed only when the connection comes from a configured
    proxy (TANGGAP_TRUSTED_PROXIES); then the nearest address not itself a proxy is the caller, since
    anything further left was written by the caller and may be forged."""
    peer = request.client.host if request.client else "?"
    proxies = settings_of(request).trusted_proxies
    if not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:100]
    return peer


def secure_cookies(settings: IntakeSettings) -> bool:
    return settings.public_url.lower().startswith("https://")


async def console_principal(request: Request) -> Principal | None:
    """The person logged in with the session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with runtime_of(request).sessions() as session:
        return await session_principal(session, token)


def _unauthenticated() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="Missing API key: send the header 'Authorization: Bearer <key>'.",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _key_principal(request: Request, token: str) -> Principal:
    expected = settings_of(request).bootstrap_api_key
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return BOOTSTRAP
    runtime = runtime_of(request)
    async with runtime.sessions() as session:
        key = await find_api_key(session, token)
    if key is None:
        raise HTTPException(status_code=403, detail="This API key is not valid.")
    if key.last_used_at is None or utcnow() - key.last_used_at > KEY_USE_RESOLUTION:
        async with runtime.unit_of_work() as session:
            await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=utcnow()))
    return principal_of(key)


def _check_csrf(request: Request, principal: Principal) -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER, "")
    if not principal.csrf_token or not hmac.compare_digest(given.encode(), principal.csrf_token.encode()):
        raise HTTPException(
            status_code=403,
            detail=f"A request with the console session must carry its CSRF token in {CSRF_HEADER}.",
        )


async def api_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated()
        principal = await _key_principal(request, token.strip())
    else:
        found = await console_principal(request)
        if found is not None:
            _check_csrf(request, found)
            principal = found
        elif settings_of(request).bootstrap_api_key:
            raise _unauthenticated()
        else:
            principal = OPEN
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(api_principal)]

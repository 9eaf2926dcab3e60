"""People and machines: users with argon2 passwords, login sessions, API keys, the first admin."""

import functools
import hashlib
import math
import os
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_intake.access import Principal, PrincipalKind, UserRole, role_needs
from tanggap_intake.errors import Conflict, Refused
from tanggap_intake.models import ApiKey, LoginFailure, Region, Unit, User, UserSession
from tanggap_shared import textnorm
from tanggap_shared.events import utcnow

log = structlog.get_logger("tanggap.intake.accounts")

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 0.1 s per login on a small server, where
# argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took over a second on a busy two-core machine.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a wrong username costs as much as a wrong password."""
    return _hasher.hash("tanggap-dummy-password")


MIN_PASSWORD = 10
FAILURE_WINDOW = timedelta(minutes=15)
# Failures one (username, address) may make before each further try must wait (see backoff_seconds).
FREE_FAILURES = 3
MAX_BACKOFF_SECONDS = 300
DEFAULT_FAILURES_PER_ADDRESS = 100
KEY_PREFIX = "tgp_"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Refused(
            f"Kata sandi minimal {MIN_PASSWORD} karakter.",
            detail=[{"field": "password", "message": "too short"}],
        )


async def check_scope_fields(
    session: AsyncSession, role: UserRole, unit_code: str | None, region_code: str | None
) -> tuple[str | None, str | None]:
    """The unit or region a role needs, checked against the reference data; the other one is dropped."""
    needs = role_needs(role)
    if needs == "unit":
        unit = await session.get(Unit, (unit_code or "").strip().upper())
        if unit is None:
            raise Refused(
                "Peran ini memerlukan kode UPT yang dikenal (mis. DKI-LAPAS-CIPINANG).",
                detail=[{"field": "unit_code", "message": "unknown unit"}],
            )
        return unit.code, None
    if needs == "region":
        region = await session.get(Region, (region_code or "").strip().upper())
        if region is None:
            raise Refused(
                "Peran Kanwil memerlukan kode wilayah yang dikenal (mis. DKI).",
                detail=[{"field": "region_code", "message": "unknown region"}],
            )
        return None, region.code
    return None, None


@dataclass(frozen=True)
class NewUser:
    username: str
    name: str
    role: UserRole
    password: str
    email: str = ""
    unit_code: str | None = None
    region_code: str | None = None


# The columns of names and e-mail addresses: a longer value was a 500 on PostgreSQL (SQLite keeps it).
MAX_NAME = 200


def check_safe_text(value: str, field: str, label: str, max_length: int = MAX_NAME) -> None:
    """A name shown to others must read as stored: no control, invisible or text-direction characters, and
    no longer than its column."""
    if len(value.strip()) > max_length:
        raise Refused(
            f"{field} is longer than {max_length} characters.",
            indonesian=f"{label} paling panjang {max_length} karakter.",
            detail=[{"field": field, "message": f"at most {max_length} characters"}],
        )
    try:
        textnorm.require_safe(value)
    except textnorm.UnsafeText as exc:
        raise Refused(
            f"{field} {exc}.",
            indonesian=f"{label} {exc.indonesian}.",
            detail=[{"field": field, "message": str(exc)}],
        ) from None


# ASCII only: isalnum() also accepts Cyrillic, Greek or full-width letters, so "аdmin" (Cyrillic а) would be
# a second account that reads as the admin's in every list, log and audit line.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def checked_username(raw: str) -> str:
    """The username as stored (trimmed, lower case), or Refused naming the rule."""
    username = raw.strip()
    # Checked before lower(): str.lower() maps some non-ASCII letters (the Kelvin sign) to ASCII ones.
    if not username.isascii() or not USERNAME.fullmatch(username.lower()):
        raise Refused(
            "A username is 1 to 64 characters: ASCII letters a-z, digits, '.', '_' or '-', starting with a "
            "letter or digit.",
            indonesian="Nama pengguna hanya boleh berisi huruf a-z (tanpa huruf dari abjad lain atau huruf "
            "beraksen), angka, titik, garis bawah atau tanda hubung, diawali huruf atau angka, paling "
            "panjang 64 karakter.",
            detail=[{"field": "username", "message": "only a-z, 0-9, '.', '_' and '-'"}],
        )
    return username.lower()


async def create_user(session: AsyncSession, new: NewUser) -> User:
    username = checked_username(new.username)
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Nama pengguna {username} sudah dipakai.")
    check_safe_text(new.name, "name", "Nama lengkap")
    check_safe_text(new.email, "email", "Surel")
    check_password_rules(new.password)
    unit_code, region_code = await check_scope_fields(session, new.role, new.unit_code, new.region_code)
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        name=new.name.strip() or username,
        email=new.email.strip(),
        password_hash=hash_password(new.password),
        role=new.role.value,
        unit_code=unit_code,
        region_code=region_code,
    )
    session.add(user)
    await session.flush()
    return user


def principal_of(row: User | ApiKey, csrf_token: str | None = None) -> Principal:
    """The principal of a person (with the session's CSRF token) or of a machine's key."""
    kind = PrincipalKind.USER if isinstance(row, User) else PrincipalKind.API_KEY
    return Principal(
        kind,
        row.id,
        row.name,
        UserRole(row.role),
        unit_code=row.unit_code,
        region_code=row.region_code,
        csrf_token=csrf_token,
    )


async def ensure_first_admin(session: AsyncSession, state_dir: Path, password: str | None) -> Path | None:
    """With no user at all, create `admin`: with TANGGAP_ADMIN_PASSWORD, else a random password written to
    `<state_dir>/admin_password` (0600). Returns that file when one was written."""
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    chosen = password or secrets.token_urlsafe(15)
    session.add(
        User(
            id=str(uuid.uuid4()),
            username="admin",
            name="Administrator",
            password_hash=hash_password(chosen),
            role=UserRole.ADMIN.value,
        )
    )
    try:
        await session.flush()
    except IntegrityError:  # another intake process created it at the same moment
        return None
    if password:
        return None
    path = state_dir / "admin_password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(chosen + "\n")
    os.chmod(path, 0o600)
    return path


# ---- logging in --------------------------------------------------------------------------------------


class TooManyAttempts(Exception):
    """Refused for now; `retry_after` says in how many seconds to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = max(1, retry_after)


def backoff_seconds(failures: int) -> float:
    """How long one (username, address) waits after its last failure: nothing for the first few typos,
    then doubling up to a cap. A delay, never a lock, so nobody can lock the real owner out from elsewhere."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES + 1), MAX_BACKOFF_SECONDS))


async def _failures(session: AsyncSession, *conditions: ColumnElement[bool]) -> tuple[int, datetime | None]:
    """How many failures match in the window, and the latest of them."""
    row = (
        await session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(
                LoginFailure.at >= utcnow() - FAILURE_WINDOW, *conditions
            )
        )
    ).one()
    return int(row[0] or 0), row[1]


async def _check_throttle(session: AsyncSession, username: str, address: str, per_address: int) -> None:
    now = utcnow()
    count, last = await _failures(session, LoginFailure.username == username, LoginFailure.address == address)
    wait = backoff_seconds(count)
    if last is not None and wait and (last + timedelta(seconds=wait)) > now:
        raise TooManyAttempts(math.ceil((last + timedelta(seconds=wait) - now).total_seconds()))
    spread = await session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.address == address, LoginFailure.at >= now - FAILURE_WINDOW
        )
    )
    total, oldest = spread.one()
    if int(total or 0) >= per_address and oldest is not None:
        raise TooManyAttempts(math.ceil((oldest + FAILURE_WINDOW - now).total_seconds()))


async def authenticate(
    session: AsyncSession,
    username: str,
    password: str,
    address: str,
    *,
    per_address: int = DEFAULT_FAILURES_PER_ADDRESS,
) -> User | None:
    """The active user with this username and password; None (and the failure counted) otherwise.

    Throttled per (username, address) with a growing delay, and per address over all usernames with a wide
    limit against password spraying; raises TooManyAttempts (not counted as a failure) while refused."""
    username = username.strip().lower()[:100]
    address = address[:100]
    await _check_throttle(session, username, address, per_address)
    user = await session.scalar(select(User).where(User.username == username))
    ok = password_matches(user.password_hash if user else _dummy_hash(), password)
    if user is None or not ok or not user.active:
        session.add(LoginFailure(username=username, address=address))
        # Swept here rather than by a timer, so guessing cannot grow the table beyond one window's worth.
        await session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - FAILURE_WINDOW))
        log.info("intake.login_failed", known_user=user is not None)
        return None
    # Only this address's slate is wiped: the owner logging in must not reset an attacker's delay elsewhere.
    await session.execute(
        delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.address == address)
    )
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


async def start_session(session: AsyncSession, user: User, hours: float) -> str:
    """A new session for the user; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=sha256(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    # Expired sessions of anyone are swept here rather than by a timer.
    await session.execute(delete(UserSession).where(UserSession.expires_at < now))
    return token


async def session_principal(session: AsyncSession, token: str) -> Principal | None:
    row = await session.get(UserSession, sha256(token))
    if row is None or row.expires_at < utcnow():
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return principal_of(user, row.csrf_token)


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == sha256(token)))


async def end_sessions_of(session: AsyncSession, user_id: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))


async def change_password(session: AsyncSession, user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.updated_at = utcnow()
    await end_sessions_of(session, user.id)


# ---- API keys ----------------------------------------------------------------------------------------


async def create_api_key(
    session: AsyncSession,
    *,
    name: str,
    role: UserRole,
    unit_code: str | None,
    region_code: str | None,
    created_by: str,
) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and only its SHA-256 is stored (it is random, 256 bits, so
    a fast hash is enough: there is nothing to guess)."""
    name = name.strip()
    if not name:
        raise Refused("Beri nama kunci API (mis. Bot Telegram Lapas Cipinang).")
    check_safe_text(name, "name", "Nama kunci")
    unit, region = await check_scope_fields(session, role, unit_code, region_code)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=str(uuid.uuid4()),
        name=name[:200],
        prefix=secret[:10],
        key_hash=sha256(secret),
        role=role.value,
        unit_code=unit,
        region_code=region,
        created_by=created_by,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def find_api_key(session: AsyncSession, secret: str) -> ApiKey | None:
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == sha256(secret)))
    return None if key is None or key.revoked_at is not None else key


async def revoke_api_key(session: AsyncSession, key_id: str, by: str) -> ApiKey | None:
    key = await session.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at, key.revoked_by = utcnow(), by
    return key

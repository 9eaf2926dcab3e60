"""Admin pages: people (create, deactivate, reset a password) and API keys for machines (create, revoke)."""

from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from tanggap_intake import accounts
from tanggap_intake.access import ROLE_NAMES, Principal, UserRole
from tanggap_intake.console.common import AdminDep, checked_form, field, redirect, render, runtime
from tanggap_intake.errors import IntakeError, NotFound
from tanggap_intake.models import ApiKey, Region, Unit, User
from tanggap_shared.events import utcnow

log = structlog.get_logger("tanggap.intake.console")

router = APIRouter(prefix="/admin")


def _role(value: str) -> UserRole:
    try:
        return UserRole(value)
    except ValueError:
        raise IntakeError("Unknown role.", indonesian="Pilih peran yang dikenal.") from None


async def _reference(request: Request) -> dict[str, Any]:
    async with runtime(request).sessions() as session:
        units = (await session.scalars(select(Unit).order_by(Unit.code))).all()
        regions = (await session.scalars(select(Region).order_by(Region.code))).all()
    return {"units": units, "regions": regions, "roles": [(r.value, ROLE_NAMES[r]) for r in UserRole]}


async def _users_page(
    request: Request,
    admin: Principal,
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    async with runtime(request).sessions() as session:
        users = (await session.scalars(select(User).order_by(User.username))).all()
    context = {"users": users, "error": error, "values": values or {}, **await _reference(request)}
    return render(request, "admin_users.html", context, user=admin, status_code=status)


@router.get("/users", response_class=HTMLResponse)
async def users(request: Request, admin: AdminDep) -> Response:
    return await _users_page(request, admin)


@router.post("/users", response_class=HTMLResponse)
async def create_user(request: Request, admin: AdminDep) -> Response:
    form = await checked_form(request, admin)
    values = {k: field(form, k) for k in ("username", "name", "email", "role", "unit_code", "region_code")}
    try:
        async with runtime(request).unit_of_work() as session:
            user = await accounts.create_user(
                session,
                accounts.NewUser(
                    username=values["username"],
                    name=values["name"],
                    email=values["email"],
                    role=_role(values["role"]),
                    password=str(form.get("password") or ""),
                    unit_code=values["unit_code"] or None,
                    region_code=values["region_code"] or None,
                ),
            )
    except IntakeError as exc:
        return await _users_page(
            request, admin, error=exc.indonesian or exc.message, values=values, status=exc.status_code
        )
    log.info("intake.user_created", user_id=user.id, role=user.role)
    return redirect(request, "/admin/users", f"Pengguna {user.username} dibuat.")


@router.post("/users/{user_id}/active", response_class=HTMLResponse)
async def toggle_active(request: Request, user_id: str, admin: AdminDep) -> Response:
    await checked_form(request, admin)
    if user_id == admin.id:
        return await _users_page(
            request, admin, error="Anda tidak dapat menonaktifkan akun sendiri.", status=422
        )
    async with runtime(request).unit_of_work() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.", indonesian="Pengguna tidak ditemukan.")
        user.active, user.updated_at = not user.active, utcnow()
        if not user.active:
            await accounts.end_sessions_of(session, user.id)
        state = "diaktifkan" if user.active else "dinonaktifkan"
        name = user.username
    log.info("intake.user_active_changed", user_id=user_id, active=state)
    return redirect(request, "/admin/users", f"Pengguna {name} {state}.")


@router.post("/users/{user_id}/password", response_class=HTMLResponse)
async def reset_password(request: Request, user_id: str, admin: AdminDep) -> Response:
    form = await checked_form(request, admin)
    try:
        async with runtime(request).unit_of_work() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("No such user.", indonesian="Pengguna tidak ditemukan.")
            await accounts.change_password(session, user, str(form.get("password") or ""))
            name = user.username
    except NotFound:
        raise
    except IntakeError as exc:
        return await _users_page(request, admin, error=exc.indonesian or exc.message, status=exc.status_code)
    return redirect(request, "/admin/users", f"Kata sandi {name} diganti; sesi lamanya diakhiri.")


async def _keys_page(
    request: Request, admin: Principal, *, error: str = "", secret: str = "", status: int = 200
) -> Response:
    async with runtime(request).sessions() as session:
        keys = (await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc()))).all()
    context = {"keys": keys, "error": error, "secret": secret, **await _reference(request)}
    return render(request, "admin_keys.html", context, user=admin, status_code=status)


@router.get("/keys", response_class=HTMLResponse)
async def keys(request: Request, admin: AdminDep) -> Response:
    return await _keys_page(request, admin)


@router.post("/keys", response_class=HTMLResponse)
async def create_key(request: Request, admin: AdminDep) -> Response:
    form = await checked_form(request, admin)
    try:
        async with runtime(request).unit_of_work() as session:
            key, secret = await accounts.create_api_key(
                session,
                name=field(form, "name"),
                role=_role(field(form, "role")),
                unit_code=field(form, "unit_code") or None,
                region_code=field(form, "region_code") or None,
                created_by=admin.name,
            )
    except IntakeError as exc:
        return await _keys_page(request, admin, error=exc.indonesian or exc.message, status=exc.status_code)
    log.info("intake.api_key_created", key_id=key.id, role=key.role)
    # Shown once, on this answer only (not after a redirect): only its hash is kept.
    response = await _keys_page(request, admin, secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_key(request: Request, key_id: str, admin: AdminDep) -> Response:
    await checked_form(request, admin)
    async with runtime(request).unit_of_work() as session:
        key = await accounts.revoke_api_key(session, key_id, admin.name)
        if key is None:
            raise NotFound("No such key.", indonesian="Kunci API tidak ditemukan.")
        name = key.name
    log.info("intake.api_key_revoked", key_id=key_id)
    return redirect(request, "/admin/keys", f"Kunci API {name} dicabut.")

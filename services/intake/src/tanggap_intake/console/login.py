"""Logging in and out, and changing one's own password."""

import hmac
import secrets

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tanggap_intake import accounts
from tanggap_intake.auth import SESSION_COOKIE, client_address, console_principal, settings_of
from tanggap_intake.console.common import (
    UserDep,
    checked_form,
    field,
    redirect,
    render,
    runtime,
    set_cookie,
)
from tanggap_intake.errors import IntakeError
from tanggap_intake.models import User

log = structlog.get_logger("tanggap.intake.console")

router = APIRouter()

# The login form has no session yet: its CSRF token is a double-submit cookie.
LOGIN_CSRF_COOKIE = "tanggap_login_csrf"


def _safe_next(value: str) -> str:
    """Only a path of this site (never //host or a full URL) may follow a login."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def _login_page(request: Request, *, next_path: str, error: str = "", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": _safe_next(next_path), "error": error},
        status_code=status_code,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    if await console_principal(request) is not None:
        return redirect(request, _safe_next(next))
    return _login_page(request, next_path=next)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form()
    next_path = _safe_next(field(form, "next") or "/")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = field(form, "login_csrf")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return _login_page(
            request,
            next_path=next_path,
            error="Formulir masuk kedaluwarsa. Silakan coba lagi.",
            status_code=403,
        )
    address = client_address(request)
    settings = settings_of(request)
    try:
        async with runtime(request).unit_of_work() as session:
            user = await accounts.authenticate(
                session,
                field(form, "username"),
                str(form.get("password") or ""),
                address,
                per_address=settings.login_max_failures_per_address,
            )
            token = await accounts.start_session(session, user, settings.session_hours) if user else None
    except accounts.TooManyAttempts as refused:
        log.info("intake.login_throttled", retry_after=refused.retry_after)
        page = _login_page(
            request,
            next_path=next_path,
            error="Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi dalam "
            f"{refused.retry_after} detik.",
            status_code=429,
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    if token is None:
        return _login_page(
            request,
            next_path=next_path,
            error="Nama pengguna atau kata sandi salah, atau akun tidak aktif.",
            status_code=401,
        )
    log.info("intake.login", user_id=user.id if user else "")
    response = redirect(request, next_path)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, user: UserDep) -> Response:
    await checked_form(request, user)
    token = request.cookies.get(SESSION_COOKIE, "")
    async with runtime(request).unit_of_work() as session:
        await accounts.end_session(session, token)
    response = redirect(request, "/login", "Anda sudah keluar.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, user: UserDep) -> Response:
    return render(request, "account.html", {"error": ""}, user=user)


@router.post("/account/password", response_class=HTMLResponse)
async def change_own_password(request: Request, user: UserDep) -> Response:
    form = await checked_form(request, user)
    async with runtime(request).unit_of_work() as session:
        row = await session.get(User, user.id)
        assert row is not None
        if not accounts.password_matches(row.password_hash, str(form.get("current") or "")):
            error = "Kata sandi saat ini salah."
        elif str(form.get("new") or "") != str(form.get("repeat") or ""):
            error = "Kata sandi baru dan ulangannya tidak sama."
        else:
            try:
                await accounts.change_password(session, row, str(form.get("new") or ""))
                error = ""
            except IntakeError as exc:
                error = exc.indonesian or exc.message
    if error:
        return render(request, "account.html", {"error": error}, user=user, status_code=422)
    response = redirect(request, "/login", "Kata sandi diganti. Silakan masuk lagi.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

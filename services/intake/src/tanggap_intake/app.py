"""The intake's FastAPI app: the public edge, the outbox relay and the read-model consumer."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from faststream.nats import NatsMessage
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tanggap_intake import accounts, feeds, migrate, readmodel, telegram
from tanggap_intake.access import Principal, PrincipalKind
from tanggap_intake.api import router
from tanggap_intake.console import pages
from tanggap_intake.console.common import STATIC_DIR, CsrfFailed, LoginRequired, render
from tanggap_intake.errors import IntakeError
from tanggap_intake.reference import load_reference
from tanggap_intake.settings import IntakeSettings
from tanggap_intake.webhooks import hooks
from tanggap_shared.events import Event
from tanggap_shared.messaging import subscribe
from tanggap_shared.runtime import Runtime

log = structlog.get_logger("tanggap.intake")


def create_app(settings: IntakeSettings) -> FastAPI:
    runtime = Runtime.build(settings)

    async def on_event(event: Event, _msg: NatsMessage) -> None:
        async with runtime.unit_of_work() as session:
            await readmodel.apply_event(session, event)

    subscribe(
        runtime.broker,
        service="intake",
        name="read-model",
        subjects=readmodel.SUBJECTS,
        handler=on_event,
        max_deliveries=settings.max_deliveries,
        ack_wait=settings.ack_wait_seconds,
        batch=settings.consumer_batch,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await open_runtime(runtime, settings)
        async with runtime.unit_of_work() as session:
            await load_reference(session, settings.reference_dir)
        await _first_admin(runtime, settings)
        await runtime.broker.start()
        bot = app.state.telegram = telegram.BotApi(settings)
        tasks = _background_tasks(runtime, settings, bot)
        if not settings.bootstrap_api_key:
            log.warning(
                "intake.api_open",
                hint="the JSON API answers anonymous callers; set TANGGAP_BOOTSTRAP_API_KEY to require "
                "an API key or a login",
            )
        log.info("intake.started", url=settings.public_url, background=[t.get_name() for t in tasks])
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await bot.aclose()
        await runtime.stop_relay()
        await runtime.broker.stop()
        await runtime.dispose()

    app = FastAPI(
        title="Tanggap intake",
        version="0.1.0",
        description="Reports in, incidents out: the public edge of Tanggap.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.include_router(router)
    app.include_router(hooks)
    app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ConsoleHeaders)
    return app


async def _first_admin(runtime: Runtime, settings: IntakeSettings) -> None:
    """Make the console reachable on a fresh installation: with no user at all, create `admin`."""
    settings.ensure_state_dir()
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    async with runtime.unit_of_work() as session:
        written = await accounts.ensure_first_admin(session, settings.state_dir, given)
    if written is not None:
        log.warning("intake.first_admin_created", login=f"admin / see {written}")
    elif given:
        log.info("intake.first_admin_checked", hint="admin password from TANGGAP_ADMIN_PASSWORD")


async def open_runtime(runtime: Runtime, settings: IntakeSettings) -> None:
    """Open the runtime with the schema from the migrations (not create_all)."""
    await runtime.open(schema=migrate.upgrade_to_head)


def _background_tasks(
    runtime: Runtime, settings: IntakeSettings, bot: telegram.BotApi
) -> list[asyncio.Task[None]]:
    tasks = []
    if settings.telegram_bot_token and settings.telegram_mode == "polling":
        tasks.append(asyncio.create_task(telegram.poll(runtime, settings, bot), name="telegram-polling"))
    if settings.feeds:
        tasks.append(asyncio.create_task(feeds.run(runtime, settings), name="feed-polling"))
    return tasks


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


API_PREFIXES = ("/v1", "/webhooks", "/healthz", "/metrics", "/openapi.json", "/docs", "/redoc")


def is_console(path: str) -> bool:
    """Console pages answer errors with a page in Bahasa Indonesia; the API answers JSON."""
    return not path.startswith(API_PREFIXES)


def _error_page(request: Request, status: int, message: str) -> Response:
    """The error in a page with the menu when the person is logged in (the login ran before the error)."""
    principal = getattr(request.state, "principal", None)
    user = principal if isinstance(principal, Principal) and principal.kind is PrincipalKind.USER else None
    context = {"status": status, "message": message}
    return render(request, "error.html", context, status_code=status, user=user)


GENERIC_ERRORS = {
    401: "Silakan masuk terlebih dahulu.",
    403: "Anda tidak berwenang melakukan ini.",
    404: "Halaman atau data yang Anda cari tidak ditemukan (atau di luar wilayah kewenangan Anda).",
    405: "Permintaan ini tidak didukung.",
    409: "Data ini baru saja diubah oleh orang lain.",
    413: "Isian terlalu besar.",
    422: "Isian tidak valid.",
}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        log.info("intake.refused", reason="csrf")
        return _error_page(
            request, 403, "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            message = "The request body is not valid JSON. Check quotes, commas and brackets."
            log.info("intake.refused", reason="json_invalid")
            return JSONResponse({"message": message, "detail": []}, status_code=400)
        detail = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors]
        log.info("intake.refused", reason="validation", fields=[d["field"] for d in detail])
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in detail)
        return JSONResponse({"message": f"Invalid request: {summary}", "detail": detail}, status_code=422)

    @app.exception_handler(IntakeError)
    async def refused(request: Request, exc: IntakeError) -> Response:
        log.info("intake.refused", reason=type(exc).__name__, status=exc.status_code)
        if is_console(request.url.path):
            message = exc.indonesian or GENERIC_ERRORS.get(
                exc.status_code, "Permintaan tidak dapat diproses."
            )
            return _error_page(request, exc.status_code, message)
        return JSONResponse({"message": exc.message, "detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (401, 403):
            log.info("intake.refused", reason="auth", status=exc.status_code)
        if is_console(request.url.path) and not request.url.path.startswith("/static"):
            return _error_page(
                request, exc.status_code, GENERIC_ERRORS.get(exc.status_code, "Terjadi kesalahan.")
            )
        return JSONResponse(
            {"message": str(exc.detail), "detail": []}, status_code=exc.status_code, headers=exc.headers
        )


class BodySizeLimit:
    """Refuse bodies over `max_bytes` with 413, whether or not Content-Length is declared."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        log.info("intake.refused", reason="body_too_large", limit=self.max_bytes)
        response = JSONResponse(
            {"message": f"The request body is larger than {self.max_bytes} bytes.", "detail": []},
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLarge(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


# Console pages: no framing, scripts and styles only from this site, no referrer leaking incident ids.
CONSOLE_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class ConsoleHeaders:
    """Security headers on console pages (not on the API docs, which load their own assets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_console(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *CONSOLE_HEADERS]
                if not scope.get("path", "").startswith("/static"):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, with_headers)

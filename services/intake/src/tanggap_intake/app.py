"""The intake's FastAPI app: the public edge, the outbox relay and the read-model consumer."""

import asyncio
import contextlib
import ipaddress
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

from tanggap_intake import accounts, edit_checks, feeds, migrate, readmodel, telegram
from tanggap_intake.access import Principal, PrincipalKind
from tanggap_intake.api import router
from tanggap_intake.auth import client_address
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
    subscribe(
        runtime.broker,
        service="intake",
        name="draft-checks",
        subjects=edit_checks.SUBJECTS,
        handler=edit_checks.handler(runtime),
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
    app.add_middleware(RequestLimits, max_bytes=settings.max_body_bytes)
    app.add_middleware(InternalPaths)
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


MAX_TARGET_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024


class RequestLimits:
    """A request head within bounds (else 414 or 431; one framing only, else 400), then the whole body read
    (at most `max_bytes`) before the application sees the request; a larger body gets 413, declared
    (Content-Length: answered before any byte is read) or not (chunked).

    Reading it first is what makes a chunked body over the limit a 413: an error raised from inside the
    application's receive() reaches FastAPI's body parser, which answers 400 "error parsing the body".
    The body's deadline is the HTTP edge's (tanggap_shared.edge): a client gone quiet gets 408 there.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(name.lower(), value) for name, value in scope.get("headers") or []]
        # h11 bounds only a request head still arriving (16 KiB); one that arrives whole in a read is taken
        # at any length, so the request line and headers get limits of their own.
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_TARGET_BYTES:
            await _refuse(send, 414, f"The address (path and query) is longer than {MAX_TARGET_BYTES} bytes.")
            return
        if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
            await _refuse(send, 431, f"The request headers are larger than {MAX_HEADER_BYTES} bytes.")
            return
        names = {name for name, _ in headers}
        if b"transfer-encoding" in names and b"content-length" in names:
            # Two framings of one body: a proxy and this server could each read a different request
            # (request smuggling). RFC 9112 6.3: treat it as an error and close.
            await _refuse(send, 400, "A request may not carry both Content-Length and Transfer-Encoding.")
            return
        declared = dict(headers).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        try:
            body = await self._read_body(receive)
        except _TooLarge:
            await self._too_large(send)
            return
        if body is None:
            return  # the client left (or the edge timed it out) before its body was complete
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send) -> None:
        log.info("intake.refused", reason="body_too_large", limit=self.max_bytes)
        await _refuse(send, 413, f"The request body is larger than {self.max_bytes} bytes.")


class _TooLarge(Exception):
    pass


async def _refuse(send: Send, status: int, message: str) -> None:
    """An answer before the body was read: the connection closes after it (the edge lets the client read it
    while it is still sending)."""
    if status != 413:
        log.info("intake.refused", reason="request_head", status=status)
    response = JSONResponse(
        {"message": message, "detail": []}, status_code=status, headers={"connection": "close"}
    )
    await response({"type": "http"}, _no_receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then the real receive (which reports a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


DOC_PATHS = ("/docs", "/redoc", "/openapi.json")


class InternalPaths:
    """/metrics and the API documentation only for callers from TANGGAP_METRICS_FROM / TANGGAP_DOCS_FROM:
    on a shared install they tell strangers the whole API and the system's load. Others get a 404, as for
    a path that does not exist."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        allowed = self._networks(scope, path)
        if allowed is None or _from(Request(scope), allowed):
            await self.app(scope, receive, send)
            return
        log.info("intake.refused", reason="internal_path", path=path)
        response = JSONResponse({"message": "Not Found", "detail": []}, status_code=404)
        await response(scope, receive, send)

    @staticmethod
    def _networks(scope: Scope, path: str) -> str | None:
        settings: IntakeSettings = scope["app"].state.settings
        if path == "/metrics":
            return settings.metrics_from
        if path in DOC_PATHS or path.startswith("/docs/"):
            return settings.docs_from
        return None


def _from(request: Request, networks: str) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    parts = [n.strip() for n in networks.split(",") if n.strip()]
    return any(address in ipaddress.ip_network(n, strict=False) for n in parts)


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
    """Security headers on console pages (not on the API docs, which load their own assets); `nosniff` on
    every other answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        console = is_console(scope.get("path", ""))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if console:
                    headers += CONSOLE_HEADERS
                    if not scope.get("path", "").startswith("/static"):
                        headers.append((b"cache-control", b"no-store"))
                elif not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    # The API's errors repeat what the caller sent (an id, a field): never read as HTML.
                    headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

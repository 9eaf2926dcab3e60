"""The HTTP edge of every service: read deadlines uvicorn does not have, and a close that lets the client read
an early answer.

uvicorn (0.54, h11) bounds neither the time a client takes to send its request headers nor its body: its
keep-alive timer only runs between requests and is reset by every byte received, and an ASGI middleware
starts only once the headers are complete. The request-start/request-complete timeouts were proposed
upstream (uvicorn issue #157) and never built. So the deadlines live in the protocol, which uvicorn lets us
choose (`uvicorn.run(http=<protocol class>)`): h11 still parses everything; this class only watches h11's
state and closes what overstays.

A response sent before the request body was read (413 on a declared size, 408) comes with
`Connection: close`. Closing at once would reset the connection while the client is still sending, and a
reset discards the answer waiting in the client's receive buffer: so the write side is shut after the
answer, and what still comes in is read and dropped for a bounded time ("lingering close", as nginx does).
"""

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

log = structlog.get_logger("tanggap.edge")

TIMEOUT_BODY = b"The request was not received in time.\n"
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(TIMEOUT_BODY), TIMEOUT_BODY)
)


@dataclass(frozen=True)
class EdgeLimits:
    header_seconds: float = 10.0
    body_seconds: float = 30.0
    linger_seconds: float = 5.0


class _LingeringTransport:
    """The real transport, except that closing it while the request body is unread lingers instead."""

    def __init__(self, transport: asyncio.Transport, protocol: "EdgeProtocol") -> None:
        self._transport = transport
        self._protocol = protocol

    def close(self) -> None:
        if self._protocol.body_unread():
            self._protocol.linger()
        else:
            self._transport.close()

    def is_closing(self) -> bool:
        return self._protocol.lingering or self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class EdgeProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the headers, one for the body, and a lingering close."""

    limits: ClassVar[EdgeLimits] = EdgeLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._real_transport = transport
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: object = None
        self.lingering = False
        super().connection_made(_LingeringTransport(transport, self))  # type: ignore[arg-type]
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return  # the answer is sent; what the client still sends is dropped
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    # -- deadlines ---------------------------------------------------------------------------------------

    def _follow(self) -> None:
        """Arm the deadline of what the client owes now: headers (IDLE) or the rest of a body (SEND_BODY)."""
        if self.lingering or self._real_transport.is_closing():
            self._disarm()
            return
        state = self.conn.their_state
        if state is h11.IDLE and self.conn.our_state is h11.IDLE:
            self._arm(h11.IDLE, self.limits.header_seconds, self._headers_late)
        elif state is h11.SEND_BODY:
            self._arm(h11.SEND_BODY, self.limits.body_seconds, self._body_late)
        else:
            self._disarm()

    def _arm(self, waiting_for: object, seconds: float, callback: Any) -> None:
        if self._waiting_for is waiting_for and self._deadline is not None:
            return  # one deadline per stage, not renewed by each byte (a trickle must not extend it)
        self._disarm()
        self._waiting_for = waiting_for
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._waiting_for = None

    def _headers_late(self) -> None:
        self._deadline = None
        if self._real_transport.is_closing():
            return
        started, _closed = self.conn.trailing_data
        if started:  # a request begun and not finished gets an answer; an idle connection is just closed
            log.info("http.refused", reason="headers_timeout", client=_client(self.client))
            self._real_transport.write(TIMEOUT_RESPONSE)
        self._real_transport.close()

    def _body_late(self) -> None:
        self._deadline = None
        if self._real_transport.is_closing():
            return
        log.info("http.refused", reason="body_timeout", client=_client(self.client))
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            # The application is still waiting in receive(): answer for it, then tell it the client is gone
            # so that nothing more it sends reaches the wire.
            cycle.response_started = cycle.response_complete = True
            self._real_transport.write(TIMEOUT_RESPONSE)
            cycle.disconnected = True
            cycle.message_event.set()
        self._real_transport.close()

    # -- lingering close ---------------------------------------------------------------------------------

    def body_unread(self) -> bool:
        return self.conn.their_state is h11.SEND_BODY and not self._real_transport.is_closing()

    def linger(self) -> None:
        """Send what is buffered, then FIN; read and drop the rest of the body until the client closes or
        `linger_seconds` pass."""
        if self.lingering:
            return
        self.lingering = True
        self._disarm()
        self._real_transport.resume_reading()
        if self._real_transport.can_write_eof():
            self._real_transport.write_eof()
        self.loop.call_later(self.limits.linger_seconds, self._real_transport.close)


def edge_protocol(limits: EdgeLimits) -> type[EdgeProtocol]:
    """The protocol class to give uvicorn (`http=`), carrying these limits."""
    return type("EdgeProtocol", (EdgeProtocol,), {"limits": limits})


def _client(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "?"

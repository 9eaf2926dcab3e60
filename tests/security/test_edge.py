"""Issue 14, area "edge": what reached the HTTP server before any endpoint ran, replayed against the real
intake process (nats-server and `python -m tanggap_intake`, as `make up` starts them) over raw sockets,
since an HTTP client library would not send a broken request.

- slow bodies and headers held connections open forever (items 6);
- a chunked body over the limit got 400, a large declared body a reset instead of a readable 413 (item 7);
- Content-Length with Transfer-Encoding was accepted; /metrics and the API docs were open to anyone (item 14).

The deadlines are set short here (TANGGAP_HTTP_*_TIMEOUT_SECONDS) so the suite does not wait for the
defaults; the socket timeouts are only there so that a regression fails instead of hanging.
"""

import socket
from collections.abc import Iterator

import httpx
import pytest

from tanggap_runner.nats import free_port
from tanggap_runner.system import System

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "admin-untuk-uji-tepi"
PROXY = "127.0.0.2"
MAX_BODY = 64 * 1024
# Far above the deadlines below: reaching it means the server never answered.
NEVER = 30.0


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    env = {
        "TANGGAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TANGGAP_TRUSTED_PROXIES": PROXY,
        "TANGGAP_HTTP_HEADER_TIMEOUT_SECONDS": "2",
        "TANGGAP_HTTP_BODY_TIMEOUT_SECONDS": "2",
        "TANGGAP_MAX_BODY_BYTES": str(MAX_BODY),
    }
    with System(
        tmp_path_factory.mktemp("security-edge"),
        http_port=free_port(),
        broker_url=f"nats://127.0.0.1:{free_port()}",
        services=("intake",),
        env=env,
    ) as running:
        yield running


def connect(system: System, address: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(
        ("127.0.0.1", system.http_port), timeout=NEVER, source_address=(address, 0)
    )


def read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    received = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            pytest.fail(f"the server kept the connection open; got so far: {received[:200]!r}")
        except ConnectionResetError:
            pytest.fail(f"the connection was reset; got so far: {received[:200]!r}")
        if not chunk:
            return received
        received += chunk


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def head(method: str, path: str, *lines: str) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: tanggap\r\n" + "".join(f"{h}\r\n" for h in lines)).encode()


REPORT_HEAD = ("POST", "/v1/reports", "Content-Type: application/json")


# ---- 6. slow clients are answered 408 and let go -----------------------------------------------------


def test_many_connections_sending_two_bytes_of_a_body_are_each_answered_408_and_closed(
    system: System,
) -> None:
    conns = [connect(system) for _ in range(40)]
    try:
        for conn in conns:
            conn.sendall(head(*REPORT_HEAD, "Content-Length: 1000") + b"\r\n{}")
        answers = [read_all(conn) for conn in conns]
    finally:
        for conn in conns:
            conn.close()
    assert {status_of(a) for a in answers} == {408}
    assert all(b"connection: close" in a.lower() for a in answers)
    # The server is free again: a real report goes through.
    ok = httpx.post(
        f"{system.base_url}/v1/reports",
        json={"unit_code": "DKI-LAPAS-CIPINANG", "text": "Terjadi keributan di blok hunian."},
        timeout=NEVER,
    )
    assert ok.status_code == 202, ok.text


def test_an_unterminated_chunked_body_is_answered_408(system: System) -> None:
    with connect(system) as conn:
        conn.sendall(head(*REPORT_HEAD, "Transfer-Encoding: chunked") + b"\r\n2\r\n{}\r\n")
        assert status_of(read_all(conn)) == 408


def test_headers_that_never_end_are_answered_408(system: System) -> None:
    with connect(system) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: tanggap\r\nX-Slow: a")
        assert status_of(read_all(conn)) == 408


def test_a_connection_that_sends_nothing_is_closed(system: System) -> None:
    with connect(system) as conn:
        assert read_all(conn) == b""


def test_a_keep_alive_client_is_still_served_request_after_request(system: System) -> None:
    with httpx.Client(base_url=system.base_url, timeout=NEVER) as client:
        answers = [client.get("/healthz").status_code for _ in range(5)]
    assert answers == [200] * 5


# ---- 7. bodies over the limit get a 413 the client can read --------------------------------------------


def test_a_chunked_body_over_the_limit_gets_413(system: System) -> None:
    chunk = b"a" * 4096
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) + 4))
    with connect(system) as conn:
        conn.sendall(head(*REPORT_HEAD, "Transfer-Encoding: chunked") + b"\r\n" + body + b"0\r\n\r\n")
        answer = read_all(conn)
    assert status_of(answer) == 413, answer[:300]
    assert b"larger than" in answer


def test_a_5_mb_declared_body_gets_a_readable_413_after_the_client_sent_it_all(system: System) -> None:
    size = 5_000_000
    with connect(system) as conn:
        conn.sendall(head(*REPORT_HEAD, f"Content-Length: {size}") + b"\r\n" + b"a" * size)
        answer = read_all(conn)
    assert status_of(answer) == 413, answer[:300]
    assert b"connection: close" in answer.lower()


def test_a_5_mb_body_from_an_http_client_gets_413(system: System) -> None:
    answer = httpx.post(
        f"{system.base_url}/v1/reports",
        content=b"a" * 5_000_000,
        headers={"Content-Type": "application/json"},
        timeout=NEVER,
    )
    assert answer.status_code == 413
    assert "larger than" in answer.json()["message"]


def test_a_body_that_never_ends_after_the_413_is_cut_off(system: System) -> None:
    """The server answers at once and drops what follows for a bounded time, not for as long as it comes."""
    with connect(system) as conn:
        conn.sendall(head(*REPORT_HEAD, f"Content-Length: {10**12}") + b"\r\n")
        refused = send_until_refused(conn, b"a" * 65536, blocks=10**6)
    assert isinstance(refused, ConnectionResetError | BrokenPipeError), refused


def send_until_refused(conn: socket.socket, block: bytes, blocks: int) -> OSError | None:
    """Send until the server closes its end (reset or broken pipe); a send that blocks fails the test."""
    for _ in range(blocks):
        try:
            conn.sendall(block)
        except TimeoutError:
            pytest.fail("the server stopped reading but kept the connection open")
        except OSError as exc:
            return exc
    return None


# ---- 14. one framing per request; internal paths stay internal ------------------------------------------


def test_content_length_with_transfer_encoding_is_refused(system: System) -> None:
    with connect(system) as conn:
        conn.sendall(head(*REPORT_HEAD, "Content-Length: 4", "Transfer-Encoding: chunked") + b"\r\n0\r\n\r\n")
        answer = read_all(conn)
    assert status_of(answer) == 400, answer[:300]
    assert b"Content-Length and Transfer-Encoding" in answer


INTERNAL = ["/metrics", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"]


@pytest.mark.parametrize("path", INTERNAL)
def test_internal_paths_answer_this_machine(system: System, path: str) -> None:
    assert httpx.get(f"{system.base_url}{path}", timeout=NEVER).status_code == 200


@pytest.mark.parametrize("path", INTERNAL)
def test_internal_paths_do_not_exist_for_a_caller_behind_the_proxy(system: System, path: str) -> None:
    transport = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(base_url=system.base_url, transport=transport, timeout=NEVER) as proxied:
        outside = proxied.get(path, headers={"X-Forwarded-For": "203.0.113.7"})
        inside = proxied.get(path, headers={"X-Forwarded-For": "127.0.0.1"})
        health = proxied.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert outside.status_code == 404, outside.text[:200]
    assert "tanggap" not in outside.text.lower()
    assert inside.status_code == 200
    assert health.status_code == 200


# ---- own pass: a request head that arrives whole is bounded too (h11 bounds only one still arriving) -------


def test_an_address_of_100_kb_gets_414_and_a_long_usual_one_is_served(system: System) -> None:
    with connect(system) as conn:
        conn.sendall(head("GET", "/v1/incidents?q=" + "a" * 100_000, "Connection: close") + b"\r\n")
        answer = read_all(conn)
    assert status_of(answer) == 414, answer[:300]
    usual = httpx.get(f"{system.base_url}/v1/incidents", params={"q": "a" * 4000}, timeout=NEVER)
    assert usual.status_code == 200


def test_headers_of_100_kb_get_431(system: System) -> None:
    many = [f"X-Filler-{i}: {'a' * 1000}" for i in range(100)]
    with connect(system) as conn:
        conn.sendall(head("GET", "/v1/incidents", "Connection: close", *many) + b"\r\n")
        answer = read_all(conn)
    assert status_of(answer) == 431, answer[:300]


OTHER_SPELLINGS = ["/metrics/", "/%6detrics", "/docs/", "/openapi.json/", "/redoc/", "//metrics"]


@pytest.mark.parametrize("path", OTHER_SPELLINGS)
def test_internal_paths_spelled_otherwise_are_not_a_way_round(system: System, path: str) -> None:
    transport = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(
        base_url=system.base_url, transport=transport, timeout=NEVER, follow_redirects=True
    ) as proxied:
        outside = proxied.get(path, headers={"X-Forwarded-For": "203.0.113.7"})
    # Not found, or (for a path the console does not know) the login page: never the content.
    assert outside.status_code == 404 or outside.url.path == "/login", (outside.url, outside.text[:200])
    assert "# HELP" not in outside.text
    assert "openapi" not in outside.text.lower()

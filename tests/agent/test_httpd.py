"""The agent's /metrics HTTP server over real loopback sockets: routes, methods, auth, TLS."""

from __future__ import annotations

import asyncio
import base64
import http.client
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from agent.config.types import Secret
from agent.errors import ConfigError
from agent.httpd import HttpServer, Response, parse_head
from agent.webauth import BasicAuth, parse_basic, tls_context
from tests.peers.tls import self_signed

PASSWORD = "correct horse battery staple"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


class ServerThread:
    """An HttpServer on an event loop of its own, in a thread, so tests can be plain clients."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> HttpServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


ROUTES = {
    "/metrics": lambda: Response(200, b"ictinfra_up 1\n", "text/plain; version=0.0.4"),
    "/healthz": lambda: Response(200, b"ok\n"),
    "/boom": lambda: 1 / 0,  # type: ignore[dict-item]
}


def serve(**kwargs: object) -> ServerThread:
    return ServerThread(HttpServer("127.0.0.1", 0, ROUTES, **kwargs))  # type: ignore[arg-type]


def request(
    port: int,
    path: str = "/metrics",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn: http.client.HTTPConnection
    if context is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def plain() -> Iterator[HttpServer]:
    with serve() as server:
        yield server


def test_metrics_and_health_are_served(plain: HttpServer) -> None:
    status, headers, body = request(plain.port)
    assert (status, body) == (200, b"ictinfra_up 1\n")
    assert headers["Content-Type"] == "text/plain; version=0.0.4"
    assert request(plain.port, "/healthz")[::2] == (200, b"ok\n")
    assert request(plain.port, "/metrics?name[]=x")[0] == 200


def test_unknown_paths_404_other_methods_405_and_head_has_no_body(plain: HttpServer) -> None:
    assert request(plain.port, "/")[0] == 404
    assert request(plain.port, "/metrics/")[0] == 404
    status, headers, _ = request(plain.port, method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert request(plain.port, method="DELETE")[0] == 405
    status, headers, body = request(plain.port, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == "14"


def test_a_failing_handler_is_a_500_and_the_server_goes_on(plain: HttpServer) -> None:
    assert request(plain.port, "/boom")[0] == 500
    assert request(plain.port)[0] == 200


def test_keep_alive_serves_several_requests_on_one_connection(plain: HttpServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/metrics")
            assert conn.getresponse().read() == b"ictinfra_up 1\n"
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /metrics HTTP/9.9\r\n\r\n", b"400"),
        (b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"GET /metrics HTTP/1.1\r\nHost: x", b"400"),  # cut short
        (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n", b"431"),
    ],
    ids=["no-request-line", "bad-version", "bad-header", "incomplete", "head-too-large"],
)
def test_malformed_requests_get_a_4xx(plain: HttpServer, data: bytes, status: bytes) -> None:
    assert raw(plain.port, data).split(b" ")[1] == status
    assert request(plain.port)[0] == 200  # and the server is still there


def test_parse_head_reads_method_path_and_headers() -> None:
    request_ = parse_head(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert request_ is not None
    assert (request_.method, request_.path, request_.keep_alive) == ("GET", "/metrics", False)
    assert parse_head(b"get / HTTP/1.1\r\n\r\n") is None


def test_basic_auth_401_without_or_with_wrong_credentials_200_with_right_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve(auth=BasicAuth({"prometheus": Secret(HASH)})) as server:
        for headers in (
            {},
            basic("prometheus", "wrong password"),
            basic("nobody", PASSWORD),
            {"Authorization": "Bearer abc"},
            {"Authorization": "Basic !!!notbase64"},
        ):
            status, got, _ = request(server.port, headers=headers)
            assert status == 401
            assert got["WWW-Authenticate"].startswith('Basic realm="ictinfra-agent"')
        for _ in range(2):  # the second check comes from the cache
            assert request(server.port, headers=basic("prometheus", PASSWORD))[0] == 200
        assert request(server.port, "/nope", headers=basic("prometheus", PASSWORD))[0] == 404
        assert server.responses[401] == 5
    assert PASSWORD not in caplog.text and "wrong password" not in caplog.text
    assert base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode() not in caplog.text


def test_parse_basic() -> None:
    assert parse_basic(basic("u", "p:w")["Authorization"]) == ("u", "p:w")
    assert parse_basic("Basic " + base64.b64encode(b"no-colon").decode()) is None
    assert parse_basic(None) is None


def test_tls_serves_https_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    client = ssl.create_default_context(cafile=str(cert))
    with serve(tls=tls_context(str(cert), str(key)), auth=BasicAuth({"p": Secret(HASH)})) as server:
        status, _, body = request(server.port, context=client, headers=basic("p", PASSWORD))
        assert (status, body) == (200, b"ictinfra_up 1\n")
        assert request(server.port, context=client)[0] == 401
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            request(server.port)  # plain HTTP to a TLS port gets no HTTP answer
        assert request(server.port, context=client, headers=basic("p", PASSWORD))[0] == 200


def test_unusable_tls_files_are_a_config_error(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path)
    with pytest.raises(ConfigError) as info:
        tls_context(str(cert), str(tmp_path / "missing.key"))
    assert "web.tls_cert_file" in info.value.problems[0]


def test_connections_over_the_cap_get_503_and_idle_ones_do_not_delay_close() -> None:
    thread = ServerThread(HttpServer("127.0.0.1", 0, ROUTES, max_connections=1))
    server = thread.__enter__()
    try:
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        time.sleep(0.2)  # let the server accept it
        assert raw(server.port, b"GET /metrics HTTP/1.1\r\n\r\n").split(b" ")[1] == b"503"
    finally:
        started = time.monotonic()
        thread.__exit__()
        assert time.monotonic() - started < 3.0
        idle.close()


def _streamed(fail_after: int | None = None) -> Response:
    def chunks() -> Iterator[bytes]:
        for n in range(200):
            if n == fail_after:
                raise RuntimeError("a metric failed to render")
            yield b"m%d %d\n" % (n, n) * 500  # 200 chunks of ~4 KB: many socket writes
        yield b""  # an empty chunk must not end the chunked body early

    return Response(200, content_type="text/plain; version=0.0.4", chunks=chunks())


STREAMED_BODY = b"".join(b"m%d %d\n" % (n, n) * 500 for n in range(200))


@pytest.fixture
def streaming() -> Iterator[HttpServer]:
    routes = {"/metrics": _streamed, "/broken": lambda: _streamed(fail_after=50)}
    with ServerThread(HttpServer("127.0.0.1", 0, routes)) as server:
        yield server


def test_a_streamed_body_is_chunked_for_http_1_1_and_keeps_the_connection(
    streaming: HttpServer,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", streaming.port, timeout=10)
    try:
        for _ in range(2):
            conn.request("GET", "/metrics")
            response = conn.getresponse()
            assert response.getheader("Transfer-Encoding") == "chunked"
            assert response.getheader("Content-Length") is None
            assert response.read() == STREAMED_BODY
    finally:
        conn.close()
    status, headers, body = request(streaming.port, method="HEAD")
    assert (status, body) == (200, b"") and "Content-Length" not in headers


def test_a_streamed_body_goes_to_an_http_1_0_client_until_the_connection_closes(
    streaming: HttpServer,
) -> None:
    answer = raw(streaming.port, b"GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert body == STREAMED_BODY


def test_a_stream_that_fails_midway_is_an_unfinished_body_and_the_server_goes_on(
    streaming: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(http.client.IncompleteRead):
        request(streaming.port, "/broken")
    assert request(streaming.port)[::2] == (200, STREAMED_BODY)
    assert "failed midway" in caplog.text

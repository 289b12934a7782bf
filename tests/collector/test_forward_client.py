"""The forward's HTTP client: credentials, kept-alive connections, answers, a receiver gone."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.errors import ConfigError
from collector.config import ForwardTarget, load_config
from collector.forward import Forwarder
from collector.metrics import Metrics


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: list[tuple[str, dict[str, str], bytes, int]]
    answer = (204, b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        port = self.client_address[1]
        self.seen.append((self.path, dict(self.headers), body, port))
        status, text = self.answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    Receiver.seen = []
    Receiver.answer = (204, b"")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer, userinfo: str = "") -> str:
    return f"http://{userinfo}127.0.0.1:{server.server_address[1]}/api/v1/write?x=1"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("settings", "userinfo", "authorization"),
    [
        ({"bearer_token": "tok"}, "", "Bearer tok"),
        ({"basic_auth": {"username": "ops", "password": "pä:ss"}}, "", _basic("ops", "pä:ss")),
        ({}, "alice:p%40ss%3Aw0rd@", _basic("alice", "p@ss:w0rd")),
        ({}, "", None),
    ],
)
def test_credentials_and_headers(
    receiver: ThreadingHTTPServer, settings: dict[str, object], userinfo: str, authorization: str
) -> None:
    target = ForwardTarget.model_validate(
        {"url": _url(receiver, userinfo), "headers": {"X-Scope-OrgID": "vn"}, **settings}
    )
    forwarder = Forwarder([target], Metrics())
    try:
        assert [r.status for r in forwarder.send(b"body")] == [204]
    finally:
        forwarder.close()
    path, headers, body, _ = Receiver.seen[0]
    assert (path, body) == ("/api/v1/write?x=1", b"body")
    assert headers.get("Authorization") == authorization
    assert headers["X-Scope-OrgID"] == "vn"
    assert headers["Content-Encoding"] == "snappy"
    assert headers["User-Agent"].startswith("ictinfra-collector/")


def test_connection_kept_alive_and_answers(receiver: ThreadingHTTPServer) -> None:
    forwarder = Forwarder([ForwardTarget(url=_url(receiver))], Metrics())
    try:
        forwarder.send(b"1")
        forwarder.send(b"2")
        Receiver.answer = (500, b"  out of bounds  \n")
        [result] = forwarder.send(b"3")
    finally:
        forwarder.close()
    assert len({port for *_, port in Receiver.seen}) == 1  # one connection for the three
    assert (result.status, result.message, result.permanent) == (500, "out of bounds", True)


def test_receiver_gone_is_no_answer(receiver: ThreadingHTTPServer) -> None:
    url = _url(receiver)
    receiver.shutdown()
    receiver.server_close()
    metrics = Metrics()
    forwarder = Forwarder([ForwardTarget(url=url, name="r"), ForwardTarget(url=url)], metrics)
    try:
        results = forwarder.send(b"x")
    finally:
        forwarder.close()
    assert [r.status for r in results] == [None, None]
    assert "Connection refused" in results[0].message
    value = metrics.registry.get_sample_value(
        "ictinfra_collector_forward_errors_total", {"receiver": "r", "kind": "network"}
    )
    assert value == 1.0


def test_header_not_ascii_is_a_config_error(tmp_path: Path) -> None:
    """Refused when the config is read (check-config, start), not once serving."""
    path = tmp_path / "collector.yaml"
    for forward in ("{url: 'http://127.0.0.1:1/w', bearer_token: tök-secret}",
                    "{url: 'http://127.0.0.1:1/w', headers: {X-Scope: tök-secret}}"):  # fmt: skip
        path.write_text(f"forward:\n  - {forward}\n")
        with pytest.raises(ConfigError, match="is not ASCII") as caught:
            load_config(path)
        assert "secret" not in str(caught.value) and "line 2: forward[0]" in str(caught.value)

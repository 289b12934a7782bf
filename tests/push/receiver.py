"""A tiny local remote_write receiver for the sender's unit tests (the real-peer tests use a real
Prometheus): it decodes each request, records it, and answers what the test's `answer` says."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from agent.wire.remote_write import Series, decode_write_request

Answer = Callable[[str, list[Series]], tuple[int, str]]


@dataclass
class Receiver:
    url: str
    answer: Answer
    requests: list[tuple[str, list[Series], dict[str, str]]] = field(default_factory=list)
    inventories: list[bytes] = field(default_factory=list)

    def accepted_series(self) -> list[Series]:
        return [s for path, series, _ in self.accepted() for s in series if path.endswith("write")]

    def accepted(self) -> list[tuple[str, list[Series], dict[str, str]]]:
        return [r for r in self.requests if self.answer(r[0], r[1])[0] < 300]


def accept_all(path: str, series: list[Series]) -> tuple[int, str]:
    return 204, ""


@contextmanager
def running_receiver(
    answer: Answer = accept_all,
    tls: tuple[str, str] | None = None,
    drop_idle_connections: bool = False,
) -> Iterator[Receiver]:
    """`tls`: (certificate file, key file) to serve HTTPS. `drop_idle_connections`: speak
    HTTP/1.1 keep-alive but close each connection after one answer without saying so, as a
    server does whose idle timeout has passed."""
    receiver = Receiver("", answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if drop_idle_connections else "HTTP/1.0"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            series = decode_write_request(body) if self.path.endswith("/write") else []
            if self.path.endswith("/inventory"):
                receiver.inventories.append(body)
            receiver.requests.append((self.path, series, dict(self.headers)))
            status, message = receiver.answer(self.path, series)
            data = message.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = drop_idle_connections or self.protocol_version == "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    receiver.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()

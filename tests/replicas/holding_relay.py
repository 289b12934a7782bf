"""An HTTP relay in front of a remote-write receiver that can hold answers back: the write
reaches the receiver at once, its answer waits until `release()`. A replica killed while the relay
holds one of its requests has forwarded the samples and never answered: the agent resends them.

relay = HoldingRelay(prometheus.write_url)   # relay.url: a forward target
relay.arm()                                  # from now on, answers wait
wait_until(lambda: relay.held >= 1, ...)
relay.release()                              # answers flow again, and no longer wait
relay.close()
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.peers.common import free_port

PASSED_HEADERS = ("Content-Encoding", "Content-Type", "X-Prometheus-Remote-Write-Version")
HOLD_LIMIT = 60.0  # seconds: an answer is never held longer, whatever the test does


class HoldingRelay:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1/write"
        self.held = 0  # requests forwarded whose answer was held back
        self._armed = False
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def arm(self) -> None:
        self._armed = True

    def release(self) -> None:
        self._armed = False
        self._released.set()

    def _relay(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        answer = self._client.post(self.upstream, content=body, headers=headers)
        if self._armed:
            with self._lock:
                self.held += 1
            self._released.wait(HOLD_LIMIT)
        return answer.status_code, answer.content

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                passed = {
                    name: self.headers[name] for name in PASSED_HEADERS if name in self.headers
                }
                status, content = relay._relay(body, passed)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except OSError:
                    pass  # the replica that asked is gone: that is the point

            def log_message(self, *_args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

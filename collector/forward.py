"""Forwarding accepted remote_write bodies to every configured receiver, concurrently.

Kept-alive http.client connections per receiver (agent/push/transport.py's), each used by one
worker thread at a time. Each incoming request
is forwarded as one batch, unmerged with other sites' requests: a receiver such as Prometheus
rolls back a whole request at its first bad sample, so merging would let one site's stale
sample drop another's data. `send` runs in the worker thread that checked the request (one hand-off
per request instead of two); a second receiver and more get their own threads, concurrently.
"""

from __future__ import annotations

import base64
import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from agent.logs import redact_credentials
from agent.push.transport import KeptAlive, endpoint
from agent.wire.remote_write import WRITE_HEADERS
from collector import __version__
from collector.config import ForwardTarget
from collector.metrics import Metrics

#: A 5xx whose text says the data is refused for good. Prometheus 2.42's receiver answers 500 for
#: every TSDB append error it does not map to 400: samples beyond its out-of-order window, native
#: histograms without --enable-feature=native-histograms ("native histograms are disabled"), a
#: series its head refuses (`label name "a" is not unique: invalid sample`), a sample whose
#: timestamp it already holds with another value. Retrying any of these would never end; a 5xx
#: with any other text (a receiver out of disk, overloaded, restarting) is an outage: retry.
PERMANENT_5XX = (
    "too old sample",
    "out of bounds",
    "out of order sample",
    "out of order exemplar",
    "duplicate sample for timestamp",
    "native histograms are disabled",
    "invalid sample",
)
#: 4xx that say the *data* is wrong (Prometheus/Mimir 400, Thanos Receive 409 for out-of-order,
#: 413, 422). Any other 4xx (401, 403, 404, 429, ...) is the collector's own forward config or a
#: busy receiver: the senders keep their data and retry rather than drop it.
PERMANENT_4XX = frozenset({400, 409, 413, 422})
MESSAGE_LIMIT = 1000
MAX_IDLE = 16  # kept-alive connections kept per receiver
FORWARDS_IN_FLIGHT = 64  # requests being checked and forwarded at once (worker threads)


@dataclass(frozen=True, slots=True)
class ForwardResult:
    receiver: str
    status: int | None  # None: no HTTP answer (refused, timeout, reset)
    message: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def permanent(self) -> bool:
        """The receiver will never take this body: the sender should drop it."""
        if self.status is None:
            return False
        if self.status in PERMANENT_4XX:
            return True
        return self.status >= 500 and any(m in self.message.lower() for m in PERMANENT_5XX)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: int  # what the collector answers its sender
    message: str


def verdict(results: list[ForwardResult]) -> Verdict:
    """204 if every receiver took it; 503 (retry) if any may take it later; else 400 (drop)."""
    failed = [result for result in results if not result.ok]
    if not failed:
        return Verdict(204, "")
    retry = [result for result in failed if not result.permanent]
    if retry:
        text = "; ".join(f"receiver {r.receiver}: {r.message}" for r in retry)
        return Verdict(503, f"receiver unavailable, retry later: {text}")
    text = "; ".join(f"receiver {r.receiver} refused the data: {r.message}" for r in failed)
    return Verdict(400, text)


def _headers(target: ForwardTarget) -> dict[str, str]:
    headers = {**WRITE_HEADERS, "User-Agent": f"ictinfra-collector/{__version__}"}
    headers.update({name: value.reveal() for name, value in target.headers.items()})
    url = urlsplit(target.url)
    if target.bearer_token is not None:
        headers["Authorization"] = f"Bearer {target.bearer_token.reveal()}"
    elif target.basic_auth is not None:
        headers["Authorization"] = _basic(
            target.basic_auth.username, target.basic_auth.password.reveal()
        )
    elif url.username is not None:  # user:pass@ in the URL, as httpx took it
        headers["Authorization"] = _basic(unquote(url.username), unquote(url.password or ""))
    return headers  # ASCII: ForwardTarget checked it when the config was read


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


class Receiver:
    """One receiver's idle kept-alive connections; a thread takes one (or a new one) per POST."""

    def __init__(self, target: ForwardTarget) -> None:
        url = urlsplit(target.url)
        self.host, self.port, self.tls = endpoint(url, target.ca_file)
        self.path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self.timeout = target.timeout
        self.headers = _headers(target)
        self.idle: list[KeptAlive] = []  # append/pop are atomic: no lock needed

    def post(self, body: bytes) -> tuple[int, str]:
        """Runs in a worker thread; raises OSError or HTTPException without an HTTP answer."""
        try:
            connection = self.idle.pop()
        except IndexError:
            connection = KeptAlive(self.host, self.port, self.timeout, self.tls)
        status, text, _ = connection.post(self.path, body, self.headers)
        if len(self.idle) < MAX_IDLE:
            self.idle.append(connection)
        else:
            connection.close()
        return status, text

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()


class Forwarder:
    def __init__(self, targets: list[ForwardTarget], metrics: Metrics) -> None:
        self.targets = targets
        self.metrics = metrics
        self.receivers = {target.receiver: Receiver(target) for target in targets}
        # the receivers after the first, each request's posts to them at once
        self._others = ThreadPoolExecutor(max(1, FORWARDS_IN_FLIGHT * (len(targets) - 1)))

    def send(self, body: bytes) -> list[ForwardResult]:
        """Post `body` to every receiver (in a worker thread: it blocks until they answer)."""
        others = [self._others.submit(self._send_one, t, body) for t in self.targets[1:]]
        results = [self._send_one(target, body) for target in self.targets[:1]]
        return results + [future.result() for future in others]

    def _send_one(self, target: ForwardTarget, body: bytes) -> ForwardResult:
        name = target.receiver
        started = time.perf_counter()
        try:
            status, text = self.receivers[name].post(body)
        except (OSError, http.client.HTTPException) as exc:
            self.metrics.forward_errors.labels(name, "network").inc()
            text = redact_credentials(f"{type(exc).__name__}: {exc}")  # it may quote the URL
            return ForwardResult(name, None, text[:MESSAGE_LIMIT])
        finally:
            self.metrics.forward_duration.labels(name).observe(time.perf_counter() - started)
        result = ForwardResult(name, status, text.strip()[:MESSAGE_LIMIT])
        if not result.ok:
            kind = "http_4xx" if status < 500 else "http_5xx"
            self.metrics.forward_errors.labels(name, kind).inc()
        return result

    def close(self) -> None:
        self._others.shutdown(wait=True)
        for receiver in self.receivers.values():
            receiver.close()

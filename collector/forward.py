"""Forwarding accepted remote_write bodies to every configured receiver, concurrently.

One shared httpx.AsyncClient per receiver (keep-alive). Each incoming request is forwarded as one
batch, unmerged with other sites' requests: a receiver such as Prometheus rolls back a whole
request at its first bad sample, so merging would let one site's stale sample drop another's data.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import httpx

from agent.logs import redact_credentials
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


def _client(target: ForwardTarget) -> httpx.AsyncClient:
    headers = {**WRITE_HEADERS, "User-Agent": f"ictinfra-collector/{__version__}"}
    headers.update({name: value.reveal() for name, value in target.headers.items()})
    if target.bearer_token is not None:
        headers["Authorization"] = f"Bearer {target.bearer_token.reveal()}"
    auth = None
    if target.basic_auth is not None:
        auth = httpx.BasicAuth(target.basic_auth.username, target.basic_auth.password.reveal())
    return httpx.AsyncClient(
        headers=headers,
        auth=auth,
        timeout=target.timeout,
        verify=ssl.create_default_context(cafile=target.ca_file) if target.ca_file else True,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
    )


class Forwarder:
    def __init__(self, targets: list[ForwardTarget], metrics: Metrics) -> None:
        self.targets = targets
        self.metrics = metrics
        self.clients = {target.receiver: _client(target) for target in targets}

    async def send(self, body: bytes) -> list[ForwardResult]:
        return list(await asyncio.gather(*(self._send_one(t, body) for t in self.targets)))

    async def _send_one(self, target: ForwardTarget, body: bytes) -> ForwardResult:
        name = target.receiver
        started = time.perf_counter()
        try:
            answer = await self.clients[name].post(target.url, content=body)
        except httpx.HTTPError as exc:
            self.metrics.forward_errors.labels(name, "network").inc()
            text = redact_credentials(f"{type(exc).__name__}: {exc}")  # it may quote the URL
            return ForwardResult(name, None, text[:MESSAGE_LIMIT])
        finally:
            self.metrics.forward_duration.labels(name).observe(time.perf_counter() - started)
        result = ForwardResult(name, answer.status_code, answer.text.strip()[:MESSAGE_LIMIT])
        if not result.ok:
            kind = "http_4xx" if answer.status_code < 500 else "http_5xx"
            self.metrics.forward_errors.labels(name, kind).inc()
        return result

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

"""Drains the push queue into remote_write: fresh samples first, then the backlog, oldest first.

Two lanes, served alternately request by request: the *fresh* lane (batches whose newest sample
is within two intervals of now) and the *backlog* (everything else, oldest first). After an
outage, each round trip sends the current cycle if one arrived, then the oldest backlog merged
up to `max_request_bytes`, so dashboards and alerts see live data again at once while a day of
backlog drains behind it. The price is that the backlog lands *older than the head* of every
series it belongs to: the receiver must accept out-of-order samples for as long as the backlog
can be (Prometheus: `storage.tsdb.out_of_order_time_window`, see docs/push.md). It would need that
anyway: Prometheus's head covers only the last ~1-3 h, so any backlog older than that is
out-of-bounds without the window, whatever the order we send it in.

Outcomes (remote_write 1.0 spec): 2xx sent; 5xx, 429, 408, timeouts and network errors retry with
backoff (401/403 too: a revoked or mistyped token is fixed by a person, and the data must wait
for them, not be thrown away); any other 4xx is permanent. Prometheus answers a whole request
500 "too old sample" when a sample is beyond its window; retrying that can never succeed, so it is
permanent too. A permanent answer to a merged request is bisected until the bad batches are
found: Prometheus rolls a request back as a whole, so the good batches in it must be resent.

When the queue cannot be written (disk full), batches the receiver accepted cannot be deleted:
they are remembered as acknowledged, never sent again by this process, and deleted once the
queue can be written. Only if the agent stops before that are they sent once more after its
restart: the same samples with the same timestamps and values, which remote_write receivers
accept as a no-op (Prometheus ignores an identical duplicate; VictoriaMetrics deduplicates).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import Enum

from agent.push.metrics import PushMetrics
from agent.push.queue import Batch, PushQueue, QueueWriteError
from agent.push.regroup import merge_write_requests
from agent.push.transport import HttpTransport, Response, TransportError
from agent.wire.remote_write import WRITE_HEADERS, compress, parse_write_request

log = logging.getLogger(__name__)

WRITE_PATH = "/api/v1/write"
INVENTORY_PATH = "/api/v1/inventory"
INVENTORY_HEADERS = {"Content-Type": "application/json"}
AUTH_STATUSES = frozenset({401, 403})
RETRYABLE_4XX = AUTH_STATUSES | {408, 429}
TOO_OLD_MESSAGES = ("too old sample", "sample too old", "out of bounds", "too far in the past")


class Verdict(Enum):
    SENT = "success"
    RETRY = "retryable"
    REJECTED = "rejected"


def classify(response: Response) -> tuple[Verdict, str]:
    """The verdict on one answer, and the drop reason when it is permanent."""
    status = response.status
    if 200 <= status < 300:
        return Verdict.SENT, ""
    text = response.message.lower()
    if any(marker in text for marker in TOO_OLD_MESSAGES):
        return Verdict.REJECTED, "too_old"
    if status in RETRYABLE_4XX or status >= 500 or status < 200:
        return Verdict.RETRY, ""
    return Verdict.REJECTED, "rejected"


def describe(batch: Batch, limit: int = 5) -> str:
    """Which series a dropped batch held (metric names), for the log line."""
    try:
        request = parse_write_request(batch.protobuf())
        names = [
            label.value
            for series in request.timeseries
            for label in series.labels
            if label.name == "__name__"
        ]
    except Exception:  # a description must never stop the sender
        return "series unknown"
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{len(names)} series ({shown}{more})"


class Sender:
    """Blocking; the service runs `pump()` in a worker thread, one request at a time."""

    def __init__(
        self,
        queue: PushQueue,
        transport: HttpTransport,
        metrics: PushMetrics,
        *,
        interval: float,
        max_request_bytes: int,
        max_sample_age: float,
        max_request_samples: int = 40_000,
        clock: Callable[[], float] = time.time,
        token_file: str | None = None,
    ) -> None:
        self.queue = queue
        self.transport = transport
        self.metrics = metrics
        self.interval = interval
        self.max_request_bytes = max_request_bytes
        self.max_request_samples = max_request_samples
        self.max_sample_age = max_sample_age
        self.clock = clock
        self.retry_after: float | None = None
        self.acknowledged: set[int] = set()  # done with (sent or dropped), not yet deleted
        self._inventory_done: int | None = None  # the same, for the inventory snapshot
        self.token_file = token_file
        self._failures = 0  # failed attempts since the last success
        self._auth_told = False  # the token hint is logged once per outage

    def pump(self, stop: threading.Event | None = None) -> bool:
        """Send the inventory and every queued batch; False when a retryable failure stopped it."""
        stop = stop or threading.Event()
        self.retry_after = None
        self._forget([])
        inventory = self._send_inventory()
        if inventory is None:
            return False  # no HTTP answer at all: the samples would only wait for a timeout too
        return self._drain(stop) and inventory

    def _drain(self, stop: threading.Event) -> bool:
        while not stop.is_set():
            self._drop_too_old()
            now_ms = int(self.clock() * 1000)
            limits = (self.max_request_bytes, self.max_request_samples)
            done = frozenset(self.acknowledged)
            fresh = self.queue.since(now_ms - int(2000 * self.interval), *limits, exclude=done)
            if fresh and not self._send(fresh):
                return False
            exclude = done | {b.id for b in fresh}
            backlog = self.queue.oldest(limits[0], exclude, limits[1])
            if backlog and not self._send(backlog):
                return False
            if not fresh and not backlog:
                return True
        return True

    def _drop_too_old(self) -> None:
        cutoff_ms = int((self.clock() - self.max_sample_age) * 1000)
        stale = [b for b in self.queue.older_than(cutoff_ms) if b.id not in self.acknowledged]
        if not stale:
            return
        samples = sum(b.samples for b in stale)
        self._forget([b.id for b in stale])
        self.metrics.count_dropped("too_old", samples)
        log.error(
            "dropped %d queued samples older than push.max_sample_age (%.0fs), collected %s to %s",
            samples,
            self.max_sample_age,
            _iso(stale[0].oldest_ms),
            _iso(stale[-1].newest_ms),
        )

    def _send(self, batches: list[Batch]) -> bool:
        """Send batches as one request; on a permanent answer, bisect. False: retry later."""
        protobuf = merge_write_requests(b.protobuf() for b in batches)
        body = compress(protobuf)
        samples = sum(b.samples for b in batches)
        try:
            response = self.transport.post(WRITE_PATH, body, WRITE_HEADERS)
        except TransportError as exc:
            self.metrics.count_failure(Verdict.RETRY.value)
            self._failures += 1
            log.warning("push of %d samples failed, will retry: %s", samples, exc)
            return False
        verdict, reason = classify(response)
        if verdict is Verdict.SENT:
            self._forget([b.id for b in batches])
            self.metrics.count_sent(len(batches), samples)
            self._resumed()
            return True
        self.metrics.count_failure(verdict.value)
        if verdict is Verdict.RETRY:
            self.retry_after = response.retry_after
            self._retrying(f"push of {samples} samples", response)
            return False
        if len(batches) > 1:
            middle = len(batches) // 2
            return self._send(batches[:middle]) and self._send(batches[middle:])
        self._drop(batches[0], reason, response)
        return True

    def _forget(self, ids: list[int]) -> None:
        """Delete batches done with, and those an unwritable queue kept before; or remember them
        (the queue logs its failure, once)."""
        self.acknowledged.update(ids)
        if not self.acknowledged:
            return
        try:
            self.queue.delete(sorted(self.acknowledged))
        except QueueWriteError:
            return
        self.acknowledged.clear()

    def _drop(self, batch: Batch, reason: str, response: Response) -> None:
        self._forget([batch.id])
        self.metrics.count_dropped(reason, batch.samples)
        log.error(
            "receiver rejected %d samples collected %s to %s, dropped (%s): %s; HTTP %d: %s",
            batch.samples,
            _iso(batch.oldest_ms),
            _iso(batch.newest_ms),
            reason,
            describe(batch),
            response.status,
            response.message,
        )

    def _send_inventory(self) -> bool | None:
        """True: sent, dropped or nothing to send; False: retry later; None: unreachable."""
        snapshot = self.queue.inventory()
        if snapshot is None or snapshot.generation == self._inventory_done:
            if snapshot is not None:
                self._forget_inventory(snapshot.generation)
            return True
        try:
            response = self.transport.post(INVENTORY_PATH, snapshot.body, INVENTORY_HEADERS)
        except TransportError as exc:
            log.warning("inventory push failed, will retry: %s", exc)
            return None
        verdict, _ = classify(response)
        if verdict is Verdict.RETRY:
            self._retrying("inventory push", response)
            return False
        self._forget_inventory(snapshot.generation)
        if verdict is Verdict.SENT:
            self.metrics.inventory_sent += 1
            self._resumed()
            self.metrics.last_inventory_success = time.time()
        else:
            self.metrics.inventory_dropped += 1
            log.error("collector rejected the inventory snapshot, dropped; HTTP %d: %s",
                      response.status, response.message)  # fmt: skip
        return True

    def _retrying(self, what: str, response: Response) -> None:
        """Log a retryable answer; a refused token once per outage, saying how to fix it."""
        self._failures += 1
        if response.status not in AUTH_STATUSES:
            log.warning("%s got HTTP %d, will retry: %s", what, response.status, response.message)
            return
        level = logging.DEBUG if self._auth_told else logging.ERROR
        self._auth_told = True
        log.log(
            level,
            "%s got HTTP %d, will retry: the collector refuses this agent's token (%s): "
            "put the site's token in push.token_file (%s); the collector's administrator makes "
            "one with `ictinfra-collector sites token SITE_CODE`",
            what, response.status, response.message, self.token_file or "push.token_file",
        )  # fmt: skip

    def _resumed(self) -> None:
        if self._failures:
            log.info("pushing resumed after %d failed attempts", self._failures)
        self._failures = 0
        self._auth_told = False

    def _forget_inventory(self, generation: int) -> None:
        self._inventory_done = generation
        try:
            self.queue.delete_inventory(generation)
        except QueueWriteError:
            return  # kept as done: not sent again, deleted at a later pump
        self._inventory_done = None  # generations restart at 1 once the slot is empty


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))

"""The agent's push path as one object: a Sink the service loop hands each collection to, and a
sender task that drains the durable queue to the collector.

    push = PushService.from_config(config.push)
    await push.accept(families, timestamp_ms)      # every collection cycle
    await push.accept_inventory(inventory)         # whenever a new snapshot is taken
    task = asyncio.create_task(push.run())         # sends every push.interval, backs off on errors
    push.families()                                # self-metrics for /metrics

The agent's own health (`ictinfra_agent_build_info` and the `ictinfra_push_*` families) is queued
once per send interval too, so the centre sees which agents report and how far behind they are
(the ranking's coverage counts `ictinfra_agent_build_info`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Mapping

from agent.config.push import PushConfig
from agent.model import MetricFamily
from agent.push.backoff import Backoff
from agent.push.metrics import PushMetrics
from agent.push.queue import PushQueue, QueueWriteError
from agent.push.sender import Sender
from agent.push.transport import HttpTransport
from agent.wire.inventory import JsonObject, to_json

log = logging.getLogger(__name__)


def default_labels() -> dict[str, str]:
    """What a scrape would add: the collector adds site/district/province on top."""
    return {"job": "ictinfra-agent", "instance": socket.gethostname()}


def encode_cycle(
    families: list[MetricFamily], timestamp_ms: int, extra_labels: Mapping[str, str]
) -> tuple[bytes, int]:
    """One collection -> (uncompressed WriteRequest protobuf, number of samples).

    A family's own label wins over an added one of the same name (no duplicate labels)."""
    from agent.wire.remote_write import build_write_request, families_to_series

    series = []
    for family in families:
        extra = {k: v for k, v in extra_labels.items() if k not in family.label_names}
        series.extend(families_to_series([family], timestamp_ms, extra))
    return build_write_request(series, labels_sorted=True).SerializeToString(), len(series)


class PushService:
    def __init__(
        self,
        queue: PushQueue,
        sender: Sender,
        backoff: Backoff,
        interval: float,
        extra_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.queue = queue
        self.sender = sender
        self.metrics = sender.metrics
        self.backoff = backoff
        self.interval = interval
        self.extra_labels = dict(default_labels() if extra_labels is None else extra_labels)
        self._stop = threading.Event()
        self._inflight: asyncio.Future[bool] | None = None

    @classmethod
    def from_config(
        cls, config: PushConfig, extra_labels: Mapping[str, str] | None = None
    ) -> PushService:
        queue = PushQueue(config.queue_path, config.queue_max_bytes)
        transport = HttpTransport(config.url, config.token_file, config.timeout, config.ca_file)
        sender = Sender(
            queue,
            transport,
            PushMetrics(queue_max_bytes=config.queue_max_bytes),
            interval=config.interval,
            max_request_bytes=config.max_request_bytes,
            max_sample_age=config.max_sample_age,
            max_request_samples=config.max_request_samples,
            token_file=config.token_file,
        )
        backoff = Backoff(config.backoff_min, config.backoff_max)
        return cls(queue, sender, backoff, config.interval, extra_labels)

    async def accept(self, families: list[MetricFamily], timestamp_ms: int) -> None:
        """The Sink: queue one collection's samples, all stamped `timestamp_ms`."""
        # Encoding 2,000 series takes ~30 ms: done in a thread, off the event loop serving /metrics.
        await asyncio.to_thread(self._encode_and_put, list(families), timestamp_ms)

    def _encode_and_put(self, families: list[MetricFamily], timestamp_ms: int) -> None:
        protobuf, samples = encode_cycle(families, timestamp_ms, self.extra_labels)
        if samples:
            self.put(protobuf, samples, timestamp_ms)

    def put(self, protobuf: bytes, samples: int, timestamp_ms: int) -> None:
        try:
            dropped = self.queue.put(protobuf, samples, timestamp_ms, timestamp_ms)
        except QueueWriteError as exc:  # logged by the queue, once per outage
            self.metrics.count_dropped(exc.reason, samples)
            return
        if dropped:
            self.metrics.count_dropped("queue_full", dropped)
            log.warning(
                "push queue full (push.queue_max_bytes=%d): dropped the oldest %d samples",
                self.queue.max_bytes,
                dropped,
            )

    async def accept_inventory(self, inventory: JsonObject) -> None:
        body = to_json(inventory).encode("utf-8")
        try:
            await asyncio.to_thread(self.queue.put_inventory, body)
        except QueueWriteError:  # logged by the queue; the next snapshot tries again
            self.metrics.inventory_dropped += 1

    def families(self) -> list[MetricFamily]:
        return self.metrics.families(self.queue.stats())

    def queue_own_metrics(self, timestamp_ms: int) -> None:
        from agent.selfmetrics import build_info

        self._encode_and_put([build_info(), *self.families()], timestamp_ms)

    async def run(self) -> None:
        """Send every interval until cancelled; after a failure wait with backoff instead."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                await asyncio.to_thread(self.queue_own_metrics, now_ms())
                self._inflight = loop.run_in_executor(None, self.sender.pump, self._stop)
                try:
                    delivered = await asyncio.shield(self._inflight)
                except Exception:  # a bug or a queue that cannot be read: back off, never die
                    log.exception("push sender failed; trying again after a pause")
                    delivered = False
                await asyncio.sleep(self._next_delay(delivered))
        finally:
            self._stop.set()

    def _next_delay(self, delivered: bool) -> float:
        if delivered:
            self.backoff.reset()
            return self.interval
        delay = self.backoff.next_delay()
        if self.sender.retry_after is not None:
            delay = max(delay, min(self.sender.retry_after, self.backoff.maximum))
        log.debug("push paused for %.1fs after a failure", delay)  # the failure was logged
        return delay

    async def close(self) -> None:
        """After run() is cancelled: let the request in flight finish, then close the queue."""
        self._stop.set()
        if self._inflight is not None:
            await asyncio.wait([self._inflight])
        self.sender.transport.close()
        self.queue.close()


def now_ms() -> int:
    return int(time.time() * 1000)

"""The push path's self-metrics as MetricFamily, for /metrics (and pushed like the rest)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from agent.model import MetricFamily
from agent.push.queue import QueueStats

DROP_REASONS = ("queue_full", "rejected", "too_old", "disk_full", "queue_unwritable")


@dataclass
class PushMetrics:
    sent_samples: int = 0
    sent_batches: int = 0
    requests: Counter[str] = field(default_factory=Counter)  # by outcome
    retries: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # samples, by reason
    inventory_sent: int = 0
    inventory_dropped: int = 0
    last_success: float | None = None
    last_inventory_success: float | None = None
    queue_max_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_sent(self, batches: int, samples: int) -> None:
        with self._lock:
            self.sent_batches += batches
            self.sent_samples += samples
            self.requests["success"] += 1
            self.last_success = time.time()

    def count_failure(self, outcome: str) -> None:
        with self._lock:
            self.requests[outcome] += 1
            if outcome == "retryable":
                self.retries += 1

    def count_dropped(self, reason: str, samples: int) -> None:
        with self._lock:
            self.dropped[reason] += samples

    def families(self, queue: QueueStats, now: float | None = None) -> list[MetricFamily]:
        now = time.time() if now is None else now
        with self._lock:
            return [*self._queue_families(queue, now), *self._send_families()]

    def _queue_families(self, queue: QueueStats, now: float) -> list[MetricFamily]:
        oldest_age = max(0.0, now - queue.oldest_ms / 1000) if queue.oldest_ms else 0.0
        gauges = [
            ("ictinfra_push_queue_bytes", "Compressed bytes held in the push queue.", queue.bytes),
            ("ictinfra_push_queue_max_bytes", "push.queue_max_bytes, the queue's bound.",
             self.queue_max_bytes),
            ("ictinfra_push_queue_batches", "Collection cycles waiting in the push queue.",
             queue.batches),
            ("ictinfra_push_queue_samples", "Samples waiting in the push queue.", queue.samples),
            ("ictinfra_push_queue_oldest_sample_age_seconds",
             "Age of the oldest queued sample (0 when the queue is empty).", round(oldest_age, 3)),
        ]  # fmt: skip
        families = []
        for name, help_text, value in gauges:
            family = MetricFamily(name, help_text)
            family.add((), value)
            families.append(family)
        return families

    def _send_families(self) -> list[MetricFamily]:
        sent = MetricFamily(
            "ictinfra_push_sent_samples_total",
            "Samples the receiver accepted.",
            "counter",
        )
        sent.add((), self.sent_samples)
        requests = MetricFamily(
            "ictinfra_push_requests_total",
            "remote_write requests by outcome (success, retryable, rejected).",
            "counter",
            ("outcome",),
        )
        for outcome in ("success", "retryable", "rejected"):
            requests.add((outcome,), self.requests[outcome])
        retries = MetricFamily(
            "ictinfra_push_retries_total",
            "Failed sends that will be retried (5xx, 429, timeouts, network errors).",
            "counter",
        )
        retries.add((), self.retries)
        dropped = MetricFamily(
            "ictinfra_push_dropped_samples_total",
            "Samples dropped unsent: queue_full (oldest first), rejected (4xx), too_old,"
            " disk_full or queue_unwritable (a collection the queue could not store).",
            "counter",
            ("reason",),
        )
        for reason in DROP_REASONS:
            dropped.add((reason,), self.dropped[reason])
        inventory = MetricFamily(
            "ictinfra_push_inventory_sent_total", "Inventory snapshots accepted.", "counter"
        )
        inventory.add((), self.inventory_sent)
        families = [sent, requests, retries, dropped, inventory]
        for name, when in (
            ("ictinfra_push_last_success_timestamp_seconds", self.last_success),
            ("ictinfra_push_inventory_last_success_timestamp_seconds",
             self.last_inventory_success),
        ):  # fmt: skip
            if when is not None:
                family = MetricFamily(name, "When the last send succeeded (Unix time).")
                family.add((), round(when, 3))
                families.append(family)
        return families

"""The collectors an agent runs: a Protocol, and a registry that rejects duplicate names.

The registry wraps every collect() so a failure or a hang becomes
`ictinfra_collector_success 0` for that collector alone, as node_exporter does.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agent.model import Collection, MetricFamily

log = logging.getLogger(__name__)


@runtime_checkable
class Collector(Protocol):
    """One data source. `collect()` must not raise for a partial failure it can report itself."""

    name: str
    interval: float

    async def collect(self) -> Collection: ...


@runtime_checkable
class Closable(Protocol):
    """Optional for a collector (or a sink): resources to release at shutdown or reload.

    Kept out of `Collector` so a collector without transports or sockets need not define it;
    the service calls it when `isinstance(obj, Closable)`.
    """

    async def close(self) -> None: ...


async def close_quietly(obj: object, timeout: float) -> None:
    """Call `obj.close()` if it has one, bounded by `timeout`; log, never raise."""
    if not isinstance(obj, Closable):
        return
    name = getattr(obj, "name", type(obj).__name__)
    try:
        result = obj.close()
        if inspect.isawaitable(result):  # tolerate a plain `def close()` as well
            await asyncio.wait_for(result, timeout)
    except TimeoutError:
        log.warning("closing %s took longer than %.1fs; abandoned", name, timeout)
    except Exception:
        log.exception("closing %s failed", name)


@dataclass(slots=True)
class Outcome:
    """What one collector's last run gave: its collection, success, duration, and when."""

    collection: Collection
    success: bool
    duration: float
    finished_at: float


class DuplicateCollectorError(ValueError):
    pass


class CollectorRegistry:
    def __init__(self) -> None:
        self._collectors: dict[str, Collector] = {}

    def register(self, collector: Collector) -> None:
        if collector.name in self._collectors:
            raise DuplicateCollectorError(f"a collector named {collector.name!r} is registered")
        self._collectors[collector.name] = collector

    def __iter__(self) -> Iterator[Collector]:
        return iter(self._collectors.values())

    def __len__(self) -> int:
        return len(self._collectors)

    def get(self, name: str) -> Collector | None:
        return self._collectors.get(name)


async def run_collector(collector: Collector, timeout: float) -> Outcome:
    """Run one collect() bounded by `timeout`; never raises."""
    started = time.perf_counter()
    try:
        collection = await asyncio.wait_for(collector.collect(), timeout)
        success = True
    except TimeoutError:
        log.warning(
            "collector %s timed out after %.1fs",
            collector.name,
            timeout,
            extra={"fields": {"collector": collector.name}},
        )
        collection, success = Collection(), False
    except Exception:
        log.exception(
            "collector %s failed", collector.name, extra={"fields": {"collector": collector.name}}
        )
        collection, success = Collection(), False
    return Outcome(collection, success, time.perf_counter() - started, time.time())


def self_metrics(outcomes: dict[str, Outcome]) -> list[MetricFamily]:
    """node_exporter's scrape_collector_success / _duration_seconds, in our namespace."""
    success = MetricFamily(
        "ictinfra_collector_success",
        "Whether the collector's last run succeeded (1) or failed (0).",
        label_names=("collector",),
    )
    duration = MetricFamily(
        "ictinfra_collector_duration_seconds",
        "How long the collector's last run took.",
        label_names=("collector",),
    )
    last = MetricFamily(
        "ictinfra_collector_last_run_timestamp_seconds",
        "When the collector's last run finished (Unix time).",
        label_names=("collector",),
    )
    for name, outcome in sorted(outcomes.items()):
        success.add((name,), 1 if outcome.success else 0)
        duration.add((name,), round(outcome.duration, 6))
        last.add((name,), round(outcome.finished_at, 3))
    return [success, duration, last]

"""Where the service hands each collector run's samples for pushing (the durable queue).

The service calls `accept` once per finished run with that run's families (the collector's own
and its `ictinfra_collector_*` self-metrics) and the time the run finished, in milliseconds. A
sink must return quickly (append to its queue; send later) and may raise: the service logs the
error and goes on. Optional parts, found with isinstance on the Protocols below:
- `accept_inventory(inventory)`: the merged inventory, whenever a run brought new inventory;
- `run()`: a background task (the sender) the service starts, and cancels at shutdown/reload;
- `families()`: the sink's own metrics (queue size, samples sent...), served on /metrics;
- `close()`: called after `run()` is cancelled (flush, close the queue).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from agent.config import AgentConfig
from agent.model import MetricFamily
from agent.wire.inventory import JsonObject


@runtime_checkable
class Sink(Protocol):
    async def accept(self, families: list[MetricFamily], timestamp_ms: int) -> None: ...


@runtime_checkable
class InventorySink(Protocol):
    async def accept_inventory(self, inventory: JsonObject) -> None: ...


@runtime_checkable
class BackgroundSink(Protocol):
    async def run(self) -> None: ...


@runtime_checkable
class MetricsSource(Protocol):
    def families(self) -> list[MetricFamily]: ...


def build_sink(config: AgentConfig) -> Sink | None:
    """The sink a config asks for: None without a `push:` section.

    The push module is imported only when a `push:` section exists (it pulls in protobuf).
    """
    if config.push is None:
        return None
    from agent.push.service import PushService

    return PushService.from_config(config.push)

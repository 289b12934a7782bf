"""PushService as the service loop uses it: accept -> queue -> run() sends -> close()."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from agent.config.push import PushConfig
from agent.model import MetricFamily
from agent.push.service import PushService
from agent.sink import BackgroundSink, InventorySink, MetricsSource, Sink
from agent.validation import validate
from agent.wire.inventory import AgentInfo, Inventory, to_dict
from tests.push.receiver import running_receiver


def config(tmp_path: Path, url: str, **extra: object) -> PushConfig:
    (tmp_path / "token").write_text("tok")
    return validate(PushConfig,
        {"url": url, "token_file": str(tmp_path / "token"), "queue_path": str(tmp_path / "q"),
         "interval": "100ms", "backoff_min": "50ms", "backoff_max": "200ms", **extra}
    )  # fmt: skip


def families(value: float) -> list[MetricFamily]:
    family = MetricFamily("push_service_test", "t", label_names=("idx",))
    for i in range(50):
        family.add((str(i),), value)
    return [family]


def test_push_service_is_every_kind_of_sink_and_delivers(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        push = PushService.from_config(config(tmp_path, receiver.url))
        assert isinstance(push, Sink) and isinstance(push, InventorySink)
        assert isinstance(push, BackgroundSink) and isinstance(push, MetricsSource)

        async def scenario() -> None:
            task = asyncio.create_task(push.run())
            now_ms = int(time.time() * 1000)
            for i in range(5):
                await push.accept(families(i), now_ms - (5 - i) * 15_000)
            inventory = Inventory(agent=AgentInfo(version="0", hostname="h"), collected_at=1.0)
            await push.accept_inventory(to_dict(inventory))
            for _ in range(100):
                if push.queue.stats().batches == 0 and receiver.inventories:
                    break
                await asyncio.sleep(0.05)
            task.cancel()
            await push.close()

        asyncio.run(scenario())
        series = receiver.accepted_series()
        by_name: dict[str, int] = {}
        for s in series:
            by_name[s.label_dict["__name__"]] = by_name.get(s.label_dict["__name__"], 0) + len(
                s.samples
            )
        assert by_name["push_service_test"] == 250
        assert by_name["ictinfra_agent_build_info"] >= 1  # the agent's own health, pushed too
        assert by_name["ictinfra_push_queue_batches"] >= 1
        assert {s.label_dict["job"] for s in series} == {"ictinfra-agent"}
        assert b'"hostname":"h"' in receiver.inventories[0]
        metrics = {f.name: f.samples for f in push.families()}
        assert metrics["ictinfra_push_sent_samples_total"] == [((), sum(by_name.values()))]
        assert metrics["ictinfra_push_inventory_sent_total"] == [((), 1)]
        assert metrics["ictinfra_push_queue_batches"] == [((), 0)]


def test_a_full_queue_counts_dropped_samples_in_the_metrics(tmp_path: Path) -> None:
    push = PushService.from_config(config(tmp_path, "http://127.0.0.1:9", queue_max_bytes=3000))

    async def scenario() -> None:
        for i in range(20):
            await push.accept(families(i * 1.37), 1_790_000_000_000 + i * 15_000)

    asyncio.run(scenario())
    dropped = {f.name: f for f in push.families()}["ictinfra_push_dropped_samples_total"]
    by_reason = {labels[0]: value for labels, value in dropped.samples}
    assert by_reason["queue_full"] > 0
    assert by_reason["queue_full"] + push.queue.stats().samples == 20 * 50
    asyncio.run(push.close())

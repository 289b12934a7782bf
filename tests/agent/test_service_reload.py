"""The Service in-process with collectors built from the config: reload swaps them cleanly."""

from __future__ import annotations

import asyncio
import http.client
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.model import Collection, MetricFamily
from agent.registry import CollectorRegistry
from agent.service import Service
from tests.peers.common import free_port
from tests.peers.promtool import assert_promtool_accepts


class Probe:
    """A collector whose name and interval come from the config (host.interval)."""

    instances: list[Probe] = []  # noqa: RUF012 - the test reads every one made

    def __init__(self, name: str, interval: float) -> None:
        self.name, self.interval = name, interval
        self.runs = 0
        self.closed = False
        Probe.instances.append(self)

    async def collect(self) -> Collection:
        self.runs += 1
        collection = Collection()
        family = collection.family("ictinfra_probe_runs", "runs", labels=("probe",))
        family.add((self.name,), self.runs)
        return collection

    async def close(self) -> None:
        self.closed = True


def probes(config: AgentConfig) -> CollectorRegistry:
    registry = CollectorRegistry()
    if config.host.enabled:
        registry.register(Probe("host-probe", config.host.interval))
    if config.lan.enabled:
        registry.register(Probe("lan-probe", config.lan.interval))
    return registry


class Sink:
    """A sink with every optional part: a background sender, its own metrics, close()."""

    def __init__(self) -> None:
        self.count = 0
        self.sends = 0
        self.running = False
        self.closed_after_run = False

    async def accept(self, families: list[MetricFamily], timestamp_ms: int) -> None:
        self.count += 1

    async def run(self) -> None:
        self.running = True
        try:
            while True:
                self.sends += 1
                await asyncio.sleep(0.05)
        finally:
            self.running = False

    def families(self) -> list[MetricFamily]:
        return [MetricFamily("ictinfra_push_test_sends_total", "s", "counter", (), [((), 1)])]

    async def close(self) -> None:
        self.closed_after_run = not self.running


def scrape(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        conn.close()


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait until `condition` holds (a loaded machine runs the collectors late); the caller then
    asserts what it needs, so a timeout shows what was missing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition() and loop.time() < deadline:
        await asyncio.sleep(0.02)


async def scrape_when(port: int, ready: Callable[[str], bool], timeout: float = 30.0) -> str:
    """The first scrape for which `ready` holds, or the last one at `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        text = await asyncio.to_thread(scrape, port)
        if ready(text) or loop.time() >= deadline:
            return text
        await asyncio.sleep(0.05)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """A reload applies `log:` to the root logger: put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_reload_rebuilds_collectors_keeps_old_on_error_and_stop_closes_all(
    tmp_path: Path, root_logging: None
) -> None:
    Probe.instances.clear()
    port = free_port()
    config_file = tmp_path / "agent.yaml"
    config_file.write_text(f"listen: 127.0.0.1:{port}\nhost:\n  interval: 100ms\n")
    sinks: list[Sink] = []

    def sink_factory(config: AgentConfig) -> Sink:
        sinks.append(Sink())
        return sinks[-1]

    async def scenario() -> None:
        from agent.config import load_config

        service = Service(str(config_file), registry_factory=probes, sink_factory=sink_factory)
        await service.start(load_config(config_file))
        await until(lambda: sinks[0].sends >= 2)
        text = await scrape_when(port, lambda t: 'collector="host-probe"} 1' in t)
        assert 'ictinfra_probe_runs{probe="host-probe"}' in text
        assert 'ictinfra_collector_success{collector="host-probe"} 1' in text
        assert "ictinfra_push_test_sends_total 1" in text and sinks[0].sends >= 2
        assert_promtool_accepts(text)

        config_file.write_text("host:\n  interval: soon\n")
        assert not await service.reload()
        assert not Probe.instances[0].closed  # the old collector runs on

        config_file.write_text(
            f"listen: 127.0.0.1:{port}\nhost:\n  enabled: false\nlan:\n  enabled: true\n"
            "  interval: 100ms\n"
        )
        assert await service.reload()
        assert Probe.instances[0].closed
        await until(lambda: sinks[0].count >= 4)
        text = await scrape_when(port, lambda t: 'collector="lan-probe"} 1' in t)
        assert "host-probe" not in text and 'collector="lan-probe"} 1' in text
        assert len(sinks) == 1 and sinks[0].count >= 4  # push unchanged: the same sink

        lan = f"listen: 127.0.0.1:{port}\nhost:\n  enabled: false\nlan:\n  enabled: true\n"
        lan += "  interval: 100ms\n"
        config_file.write_text(
            lan + f"push:\n  url: http://127.0.0.1:1\n  token_file: {tmp_path / 'token'}\n"
        )
        assert await service.reload()  # push changed, collectors not: same collector objects
        await until(lambda: len(sinks) == 2 and sinks[1].running and sinks[1].count >= 1)
        assert len(sinks) == 2 and sinks[0].closed_after_run and sinks[1].running
        assert len(Probe.instances) == 2 and not Probe.instances[1].closed
        assert sinks[1].count >= 1  # the kept collectors deliver to the new sink

        config_file.write_text(config_file.read_text() + "log:\n  level: debug\n")
        assert await service.reload()  # nothing but the log level: nothing rebuilt
        assert len(Probe.instances) == 2 and len(sinks) == 2
        assert service.running is not None and service.running.config.log.level == "debug"

        await service.stop()
        assert all(p.closed for p in Probe.instances) and sinks[1].closed_after_run

    asyncio.run(asyncio.wait_for(scenario(), 180))


def test_stop_during_a_reload_waits_for_it_and_closes_everything(
    tmp_path: Path, root_logging: None
) -> None:
    Probe.instances.clear()
    port = free_port()
    config_file = tmp_path / "agent.yaml"
    config_file.write_text(f"listen: 127.0.0.1:{port}\nhost:\n  interval: 100ms\n")

    async def scenario() -> None:
        from agent.config import load_config

        service = Service(str(config_file), registry_factory=probes, sink_factory=lambda c: None)
        await service.start(load_config(config_file))
        config_file.write_text(f"listen: 127.0.0.1:{port}\nhost:\n  interval: 200ms\n")
        service.request_reload()
        await asyncio.sleep(0)  # the reload has begun
        await service.stop()
        assert service.running is None
        assert not await service.reload()  # after stop: nothing to reload
        assert len(Probe.instances) == 2 and all(p.closed for p in Probe.instances)

    asyncio.run(asyncio.wait_for(scenario(), 30))

"""The uplink port and the LAN facts against snmpsim serving a trimmed real Catalyst 3750.

The gateway's MAC comes from a recorded /proc tree (tests/bandwidth/data/proc-gateway) whose
ARP entry is a MAC the switch learned on Gi1/0/7 (see tests/bandwidth/snmp/README.md).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.collectors.bandwidth.collector import BandwidthCollector
from agent.collectors.bandwidth.lanfacts import LanFactsCollector
from agent.collectors.snmp import ClientWalker
from agent.config import AgentConfig
from agent.model import Collection
from agent.validation import validate
from tests.peers.common import (
    agent_command,
    free_port,
    stop,
    subprocess_env,
)
from tests.peers.snmpsim import start_snmpsim
from tests.probes.metrics import parse, promtool_accepts, value

pytestmark = pytest.mark.peer

HERE = Path(__file__).parent
PROC = HERE / "data" / "proc-gateway"
COMMUNITY = "cisco-c3750-bridge"
GIG = 1e9 / 8


@pytest.fixture(scope="module")
def snmpsim_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("snmpsim-bandwidth")
    shutil.copytree(HERE / "snmp", root / "data", ignore=shutil.ignore_patterns("*.md"))
    port = free_port(socket.SOCK_DGRAM)
    process = start_snmpsim(root / "data", root / "cache", port, COMMUNITY)
    try:
        yield port
    finally:
        stop(process)


class CountingWalker(ClientWalker):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def walk(self, target: Any, subtrees: Any) -> Any:
        self.calls.append("walk")
        return await super().walk(target, subtrees)

    async def get(self, target: Any, oids: Any) -> Any:
        self.calls.append("get")
        return await super().get(target, oids)


def config_with(port: int, **bandwidth: Any) -> AgentConfig:
    return validate(AgentConfig, {
        "snmp": {"targets": [
            {"name": "core", "address": f"127.0.0.1:{port}", "community": COMMUNITY},
            # nothing answers this community: snmpsim stays silent, like a dead switch
            {"name": "ghost", "address": f"127.0.0.1:{port}", "community": "nobody-home",
             "timeout": "300ms", "retries": 0},
        ]},
        "bandwidth": {"enabled": True, "proc_root": str(PROC), "warmup": 0, **bandwidth},
    })  # fmt: skip


def flat(collection: Collection) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(f.name, labels): float(v) for f in collection.families for labels, v in f.samples}


def test_uplink_inferred_from_the_gateway_mac(snmpsim_port: int) -> None:
    config = config_with(snmpsim_port, uplink={"device": "core"})
    walker = CountingWalker()
    collector = BandwidthCollector(config, walker)
    asyncio.run(collector.collect())
    assert walker.calls == ["walk", "walk"]  # IF-MIB columns, then the forwarding table
    samples = flat(asyncio.run(collector.collect()))
    assert walker.calls[2:] == ["get"]  # the uplink known: one GET of its row
    key = ("core", "10107", "Gi1/0/7")
    assert samples[("ictinfra_uplink_info", (*key, "fdb"))] == 1
    assert samples[("ictinfra_uplink_speed_bytes_per_second", key)] == GIG
    # a recording's counters stand still: zero, not a spike and not missing
    assert samples[("ictinfra_uplink_receive_bytes_per_second", key)] == 0
    assert samples[("ictinfra_uplink_utilization_ratio", (*key, "transmit"))] == 0


def test_configured_uplink_port(snmpsim_port: int) -> None:
    config = config_with(snmpsim_port, uplink={"device": "core", "port": "Gi1/0/1"})
    samples = flat(asyncio.run(BandwidthCollector(config, ClientWalker()).collect()))
    assert samples[("ictinfra_uplink_info", ("core", "10101", "Gi1/0/1", "configured"))] == 1


def test_uplink_device_not_answering_is_reported_not_raised(snmpsim_port: int) -> None:
    config = config_with(snmpsim_port, uplink={"device": "ghost"})
    samples = flat(asyncio.run(BandwidthCollector(config, ClientWalker()).collect()))
    assert samples[("ictinfra_uplink_found", ("ghost",))] == 0


def test_lan_facts(snmpsim_port: int) -> None:
    config = config_with(snmpsim_port, lan_facts={"enabled": True})
    samples = flat(asyncio.run(LanFactsCollector(config, ClientWalker()).collect()))
    assert samples[("ictinfra_lan_switch_up", ("core",))] == 1
    assert samples[("ictinfra_lan_switch_up", ("ghost",))] == 0
    assert samples[("ictinfra_lan_switch_managed", ("core",))] == 1
    assert samples[("ictinfra_lan_managed_switches", ())] == 1
    # up Ethernet ports: Gi1/0/1, 6, 7, 9, 11, 12; Gi1/0/7 is the uplink; Gi1/0/12 runs at 100M
    assert samples[("ictinfra_lan_access_ports", ("core",))] == 5
    assert samples[("ictinfra_lan_access_ports_gigabit", ("core",))] == 4
    assert samples[("ictinfra_lan_access_ports_gigabit_ratio", ())] == 0.8
    assert samples[("ictinfra_lan_switch_fast_ethernet_only", ("core",))] == 0
    uplink = ("core", "Gi1/0/7")
    assert samples[("ictinfra_lan_switch_uplink_speed_bytes_per_second", uplink)] == GIG
    assert samples[("ictinfra_lan_uplink_speed_bytes_per_second", ())] == GIG


def test_once_wires_both_collectors(snmpsim_port: int, tmp_path: Path) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(f"""\
snmp:
  targets:
    - {{name: core, address: "127.0.0.1:{snmpsim_port}", community: {COMMUNITY}}}
bandwidth:
  enabled: true
  proc_root: {PROC}
  warmup: 0s
  uplink: {{device: core}}
  lan_facts: {{enabled: true}}
""")
    result = subprocess.run(agent_command("once", "--config", str(config)), capture_output=True,
                            text=True, env=subprocess_env(), timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    promtool_accepts(result.stdout)
    samples = parse(result.stdout)
    assert value(samples, "ictinfra_collector_success", collector="bandwidth") == 1
    assert value(samples, "ictinfra_collector_success", collector="lan_facts") == 1
    assert value(samples, "ictinfra_uplink_found", device="core") == 1
    assert value(samples, "ictinfra_lan_managed_switches") == 1

"""The host collector on this live machine, against the real node_exporter 1.5 beside it."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent.collectors.host.collector import HostCollector
from agent.config.host import HostConfig
from agent.exposition import render
from collector.wire import inventory as validate_inventory
from tests.agent.host_support import Labels, parse_text, parse_types
from tests.peers.common import agent_command, require_binary, subprocess_env
from tests.peers.node_exporter import NodeExporter

pytestmark = pytest.mark.peer

# Same label sets (not just label names) as node_exporter under the same defaults.
SAME_SERIES = (
    "node_cpu_seconds_total",
    "node_cpu_info",
    "node_memory_MemTotal_bytes",
    "node_boot_time_seconds",
    "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_device_error",
    "node_network_receive_bytes_total",
    "node_network_transmit_errs_total",
    "node_network_up",
    "node_network_speed_bytes",
    "node_network_info",
    "node_uname_info",
    "node_os_info",
    "node_pressure_cpu_waiting_seconds_total",
    "node_pressure_io_stalled_seconds_total",
    "node_pressure_memory_waiting_seconds_total",
    "node_load1",
    "node_time_seconds",
)
CPU_SLACK = 0.05  # seconds: one tick of rounding either side


def label_names(samples: dict[Labels, float]) -> set[tuple[str, ...]]:
    return {tuple(k for k, _ in labels) for labels in samples}


@pytest.fixture(scope="module")
def scrapes(node_exporter: NodeExporter) -> tuple[Any, ...]:
    before_text = node_exporter.scrape()
    ours_text = render(asyncio.run(HostCollector(HostConfig()).collect()).families)
    after_text = node_exporter.scrape()
    return (
        parse_text(before_text),
        parse_text(ours_text),
        parse_text(after_text),
        ours_text,
        after_text,
    )


def test_names_labels_and_types_match_node_exporter(scrapes: tuple[Any, ...]) -> None:
    _, ours, theirs, ours_text, their_text = scrapes
    our_types, their_types = parse_types(ours_text), parse_types(their_text)
    shared = [name for name in ours if name.startswith("node_")]
    assert len(shared) > 40
    for name in shared:
        assert name in theirs, f"node_exporter has no {name}"
        assert label_names(ours[name]) == label_names(theirs[name]), name
        assert our_types[name] == their_types[name], name
    before = scrapes[0]
    for name in SAME_SERIES:
        # Other tests may add or remove a NIC or mount meanwhile: ours was taken between the two
        # scrapes, so it must hold what both have and nothing that neither has.
        both = set(before[name]) & set(theirs[name])
        either = set(before[name]) | set(theirs[name])
        assert both <= set(ours[name]) <= either, f"{name}: label sets differ"


def test_values_agree_with_node_exporter(scrapes: tuple[Any, ...]) -> None:
    before, ours, after, _, _ = scrapes
    for name in ("node_memory_MemTotal_bytes", "node_boot_time_seconds", "node_uname_info"):
        assert ours[name] == after[name], name
    for labels, value in ours["node_cpu_seconds_total"].items():
        low = before["node_cpu_seconds_total"][labels] - CPU_SLACK
        high = after["node_cpu_seconds_total"][labels] + CPU_SLACK
        assert low <= value <= high, f"cpu seconds {dict(labels)}: {value} not in [{low}, {high}]"
    for labels, size in ours["node_filesystem_size_bytes"].items():
        assert size == after["node_filesystem_size_bytes"][labels], dict(labels)


@pytest.fixture(scope="module")
def agent_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("host") / "agent.yaml"
    path.write_text("log:\n  format: text\nhost:\n  enabled: true\n  interval: 15s\n")
    return path


def test_agent_once_prometheus_passes_promtool(
    agent_config: Path, scrapes: tuple[Any, ...]
) -> None:
    result = subprocess.run(
        agent_command("once", "--config", str(agent_config), "--format", "prometheus"),
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=True,
    )
    families = parse_text(result.stdout)
    for name in (
        "node_cpu_seconds_total",
        "node_memory_MemTotal_bytes",
        "node_memory_MemAvailable_bytes",
        "node_filesystem_size_bytes",
        "node_network_receive_bytes_total",
        "node_network_up",
        "node_boot_time_seconds",
        "node_uname_info",
        "node_os_info",
    ):
        assert families.get(name), f"{name} missing from `once` output"
    assert families["ictinfra_collector_success"][(("collector", "host"),)] == 1

    promtool = require_binary("promtool")
    check = subprocess.run(
        [promtool, "check", "metrics"],
        input=result.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    problems = (check.stdout + check.stderr).strip().splitlines()
    assert check.returncode in (0, 3), problems  # 1 would be a parse error
    node_names = set(scrapes[2])
    for line in problems:  # lint is tolerated only for node_exporter's own names
        name = re.split(r"\s", line, maxsplit=1)[0]
        assert name in node_names, f"promtool: {line}"


def test_agent_once_json_is_an_inventory_with_a_host(agent_config: Path) -> None:
    result = subprocess.run(
        agent_command("once", "--config", str(agent_config), "--format", "json"),
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
        check=True,
    )
    inventory = validate_inventory(json.loads(result.stdout))
    assert inventory.host is not None
    assert inventory.host.hostname == socket.gethostname()
    assert inventory.host.memory_bytes and inventory.host.memory_bytes > 0
    assert inventory.host.cpu.cores_logical and inventory.host.os.system == "Linux"
    assert any(fs.mountpoint == "/" for fs in inventory.host.filesystems)

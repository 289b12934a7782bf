"""Debian's prometheus-node-exporter (1.5) as the reference for the host collector's names.

`node_exporter` (session): one process on this live machine, scraped on demand.
`scrape_node_exporter_on_tree`: a short-lived process reading a recorded /proc, /sys tree.
"""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.peers.common import free_port, require_binary, stop, tcp_open, wait_until

BINARY = "prometheus-node-exporter"
# The collectors whose metrics the host collector shares (see docs/host.md).
TREE_COLLECTORS = (
    "cpu", "meminfo", "dmi", "netclass", "netdev", "os", "stat", "pressure", "loadavg",
)  # fmt: skip


@dataclass
class NodeExporter:
    port: int

    def scrape(self) -> str:
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as reply:
            text: str = reply.read().decode()
            return text


def _start(binary: str, args: list[str]) -> tuple[subprocess.Popen[bytes], NodeExporter]:
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=error", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: tcp_open(port) or process.poll() is not None, 20, "node_exporter")
    except TimeoutError:
        stop(process)
        raise
    if process.poll() is not None:
        err = process.stderr.read().decode() if process.stderr else ""
        pytest.fail(f"node_exporter exited: {err}")
    return process, NodeExporter(port)


@pytest.fixture(scope="session")
def node_exporter() -> Iterator[NodeExporter]:
    """node_exporter with its defaults on this machine (systemd is absent here; cpu.info on)."""
    binary = require_binary(BINARY)
    process, exporter = _start(binary, ["--no-collector.systemd", "--collector.cpu.info"])
    try:
        yield exporter
    finally:
        stop(process)


def scrape_node_exporter_on_tree(case: Path) -> str:
    """One scrape of node_exporter reading a recorded tree (netdev from /proc/net/dev, not
    netlink, so that it reads the tree too)."""
    binary = require_binary(BINARY)
    args = [
        "--collector.disable-defaults",
        *(f"--collector.{name}" for name in TREE_COLLECTORS),
        "--collector.cpu.info",
        "--no-collector.netdev.netlink",
        f"--path.procfs={case / 'proc'}",
        f"--path.sysfs={case / 'sys'}",
        f"--path.rootfs={case}",
    ]
    process, exporter = _start(binary, args)
    try:
        return exporter.scrape()
    finally:
        stop(process)

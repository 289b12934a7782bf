"""snmpsim serving the SNMP test-case recordings on a loopback UDP port, once per session.

Every `tests/cases/snmp/<case>/recording.snmprec` is served with the community `<case>`.
The recordings are small on purpose: this Python has no _gdbm, and snmpsim's dbm.dumb index of
a large recording takes minutes (FIELD-NOTES).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy.demo.processes import spawn_snmpsim
from tests.peers.common import REPO, free_port, peer_unavailable, require_binary, stop

CASES = REPO / "tests" / "cases" / "snmp"


@dataclass(frozen=True)
class Snmpsim:
    host: str
    port: int
    data_dir: Path
    port6: int | None = None  # the same recordings on [::1], when the machine has IPv6 loopback

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def snmpsim_binary() -> str:
    return require_binary("snmpsim-command-responder", "pip install -e .[dev] installs snmpsim")


def ipv6_port() -> int | None:
    """A free UDP port on ::1, or None without IPv6 loopback."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
            port: int = sock.getsockname()[1]
            return port
    except OSError:
        return None


def start_snmpsim(
    data_dir: Path, cache_dir: Path, port: int, community: str, port6: int | None = None
) -> subprocess.Popen[bytes]:
    process = spawn_snmpsim(snmpsim_binary(), data_dir, cache_dir, port, community, port6)
    if process.poll() is not None:
        peer_unavailable(f"snmpsim exited with {process.returncode}")
    return process


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpsim]:
    root = tmp_path_factory.mktemp("snmpsim")
    data_dir, cache_dir = root / "data", root / "cache"
    data_dir.mkdir()
    cache_dir.mkdir()
    names = []
    for recording in sorted(CASES.glob("*/recording.snmprec")):
        shutil.copy(recording, data_dir / f"{recording.parent.name}.snmprec")
        names.append(recording.parent.name)
    port, port6 = free_port(socket.SOCK_DGRAM), ipv6_port()
    process = start_snmpsim(data_dir, cache_dir, port, names[0], port6)
    try:
        yield Snmpsim("127.0.0.1", port, data_dir, port6)
    finally:
        stop(process)

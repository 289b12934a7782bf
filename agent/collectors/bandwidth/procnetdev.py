"""The host's own interface counters: <proc_root>/net/dev and <sys_root>/class/net/*/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.collectors.host import parse_net_dev


@dataclass(frozen=True, slots=True)
class InterfaceCounters:
    rx_bytes: int
    tx_bytes: int


def parse_proc_net_dev(text: str) -> dict[str, InterfaceCounters]:
    """`/proc/net/dev` text -> interface -> byte counters (the host collector's parser)."""
    return {
        device: InterfaceCounters(fields["receive_bytes"], fields["transmit_bytes"])
        for device, fields in parse_net_dev(text).items()
    }


def read_proc_net_dev(proc_root: str) -> dict[str, InterfaceCounters]:
    return parse_proc_net_dev(Path(proc_root, "net/dev").read_text())


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def link_speed_bps(sys_root: str, interface: str) -> float | None:
    """The NIC's negotiated speed in bits/s; None when unknown (-1, down, virtual)."""
    mbps = _read_int(Path(sys_root, "class/net", interface, "speed"))
    return mbps * 1e6 if mbps is not None and mbps > 0 else None


def interface_index(sys_root: str, interface: str) -> int | None:
    return _read_int(Path(sys_root, "class/net", interface, "ifindex"))

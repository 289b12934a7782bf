"""NIC counters (/proc/net/dev) and properties (/sys/class/net), node_exporter's netdev and
netclass collectors' names."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.collectors.host.files import list_dir, read_int, read_value
from agent.model import Collection
from agent.wire.inventory import NicInfo

log = logging.getLogger(__name__)

# /proc/net/dev columns after the device name, as node_exporter names them.
RECEIVE_FIELDS = ("bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast")
TRANSMIT_FIELDS = ("bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed")
INFO_LABELS = ("address", "broadcast", "device", "duplex", "ifalias", "operstate")

AddressesFn = Callable[[], dict[str, list[str]]]


def parse_net_dev(text: str) -> dict[str, dict[str, int]]:
    """device -> {"receive_bytes": n, ..., "transmit_compressed": n}; malformed rows skipped."""
    counters: dict[str, dict[str, int]] = {}
    names = [f"receive_{f}" for f in RECEIVE_FIELDS] + [f"transmit_{f}" for f in TRANSMIT_FIELDS]
    for line in text.splitlines()[2:]:
        device, sep, rest = line.partition(":")
        values = rest.split()
        if not sep or len(values) != len(names):
            continue
        try:
            counters[device.strip()] = {n: int(v) for n, v in zip(names, values, strict=True)}
        except ValueError:
            log.warning("malformed /proc/net/dev row for %s", device.strip())
    return counters


@dataclass(frozen=True, slots=True)
class NetClass:
    device: str
    address: str
    broadcast: str
    duplex: str
    ifalias: str
    operstate: str
    speed_mbps: int | None  # None when the driver gives none (down, virtual)

    @property
    def up(self) -> bool:
        return self.operstate == "up"


def read_net_class(sys_root: Path) -> list[NetClass]:
    base = sys_root / "class/net"
    nics = []
    for device in list_dir(base):
        d = base / device
        nics.append(
            NetClass(
                device=device,
                address=read_value(d / "address") or "",
                broadcast=read_value(d / "broadcast") or "",
                duplex=read_value(d / "duplex") or "",
                ifalias=read_value(d / "ifalias") or "",
                operstate=read_value(d / "operstate") or "",
                speed_mbps=read_int(d / "speed"),
            )
        )
    return nics


def add_net_dev(out: Collection, counters: dict[str, dict[str, int]], exclude: str) -> None:
    skip = re.compile(exclude)
    families = {}
    for direction, fields in (("receive", RECEIVE_FIELDS), ("transmit", TRANSMIT_FIELDS)):
        for f in fields:
            families[f"{direction}_{f}"] = out.family(
                f"node_network_{direction}_{f}_total",
                f"Network device statistic {direction}_{f}.",
                "counter",
                ("device",),
            )
    for device, values in counters.items():
        if skip.fullmatch(device):
            continue
        for name, value in values.items():
            families[name].add((device,), value)


def add_net_class(out: Collection, nics: list[NetClass]) -> None:
    info = out.family(
        "node_network_info",
        "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
        labels=INFO_LABELS,
    )
    up = out.family(
        "node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", labels=("device",)
    )
    speed = out.family(
        "node_network_speed_bytes", "Network device property: speed_bytes", labels=("device",)
    )
    for nic in nics:
        info.add(
            (nic.address, nic.broadcast, nic.device, nic.duplex, nic.ifalias, nic.operstate), 1
        )
        up.add((nic.device,), 1 if nic.up else 0)
        if nic.speed_mbps is not None:
            # node_exporter reports the driver's -1 ("unknown") as -125000 too.
            speed.add((nic.device,), nic.speed_mbps * 125000)


def psutil_addresses() -> dict[str, list[str]]:
    import psutil

    families = (socket.AF_INET, socket.AF_INET6)
    return {
        nic: [a.address for a in addrs if a.family in families]
        for nic, addrs in psutil.net_if_addrs().items()
    }


def nic_inventory(nics: list[NetClass], addresses: dict[str, list[str]]) -> list[NicInfo]:
    return [
        NicInfo(
            name=nic.device,
            mac=nic.address or None,
            speed_bits_per_second=nic.speed_mbps * 1_000_000
            if nic.speed_mbps and nic.speed_mbps > 0
            else None,
            up=nic.up,
            addresses=addresses.get(nic.device, []),
        )
        for nic in nics
        if nic.device != "lo"
    ]

"""The default gateway from the kernel's routing table (`/proc/net/route`) and its MAC from the
neighbour table (`/proc/net/arp`). Pure parsers over the files' text."""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

_RTF_UP = 0x1
_RTF_GATEWAY = 0x2


@dataclass(frozen=True, slots=True)
class DefaultRoute:
    interface: str
    gateway: str
    metric: int


def _hex_to_ipv4(text: str) -> str:
    # /proc/net/route prints addresses as native-endian hex of the 32-bit network-order value
    return socket.inet_ntoa(struct.pack("=I", int(text, 16)))


def parse_default_route(text: str) -> DefaultRoute | None:
    """The up default route with a gateway and the lowest metric, or None."""
    best: DefaultRoute | None = None
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        iface, dest, gateway, flags, metric, mask = (
            fields[0], fields[1], fields[2], fields[3], fields[6], fields[7],
        )  # fmt: skip
        try:
            is_default = int(dest, 16) == 0 and int(mask, 16) == 0
            usable = int(flags, 16) & (_RTF_UP | _RTF_GATEWAY) == _RTF_UP | _RTF_GATEWAY
            route = DefaultRoute(iface, _hex_to_ipv4(gateway), int(metric))
        except ValueError:
            continue
        if is_default and usable and (best is None or route.metric < best.metric):
            best = route
    return best


def parse_neighbour_mac(text: str, ip: str) -> str | None:
    """The MAC of `ip` in /proc/net/arp text (complete entries only), lower case."""
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 4 and fields[0] == ip and int(fields[2], 16) & 0x2:
            mac = fields[3].lower()
            return None if mac == "00:00:00:00:00:00" else mac
    return None


def default_route(proc_root: str = "/proc") -> DefaultRoute | None:
    try:
        return parse_default_route(Path(proc_root, "net/route").read_text())
    except OSError:
        return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

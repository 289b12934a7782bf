"""Which switch port is the uplink: the configured one, or where the gateway's MAC was learned.

Pure, over the SNMP layer's parsed interfaces and forwarding table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent.collectors.snmp import FdbEntry, Interface


@dataclass(frozen=True, slots=True)
class UplinkChoice:
    if_index: int | None
    source: Literal["configured", "fdb", "none"]
    reason: str
    candidates: tuple[int, ...] = field(default=())


def find_interface(interfaces: dict[int, Interface], port: str | int) -> int | None:
    """A configured port: ifIndex (number), else ifName, else ifDescr (exact)."""
    if isinstance(port, int) or port.isdigit():
        return int(port) if int(port) in interfaces else None
    for attribute in ("name", "descr"):
        for index, interface in sorted(interfaces.items()):
            if getattr(interface, attribute) == port:
                return index
    return None


def choose_uplink(
    interfaces: dict[int, Interface],
    configured: str | int | None,
    fdb: list[FdbEntry],
    base_ports: dict[int, int],
    gateway_mac: str | None,
) -> UplinkChoice:
    """The configured port, or the port where the switch learned the gateway's MAC."""
    if configured is not None:
        index = find_interface(interfaces, configured)
        if index is None:
            return UplinkChoice(None, "none", f"configured port {configured!r} not on the device")
        return UplinkChoice(index, "configured", "configured")
    if not gateway_mac:
        return UplinkChoice(None, "none", "the gateway's MAC is unknown (no ARP entry)")
    mac = gateway_mac.lower()
    entries = [e for e in fdb if e.mac == mac and e.learned]
    if not entries:
        return UplinkChoice(None, "none", f"gateway MAC {mac} not in the forwarding table")
    # a bridge port is an ifIndex on devices without dot1dBasePortIfIndex (RFC 4188 allows it)
    candidates = tuple(sorted({base_ports.get(e.bridge_port, e.bridge_port) for e in entries}))
    if len(candidates) > 1:
        return UplinkChoice(None, "none", "gateway MAC learned on several ports", candidates)
    return UplinkChoice(candidates[0], "fdb", f"gateway MAC {mac} learned there", candidates)

"""Pure LAN "đạt chuẩn" facts of one switch, from its interfaces and its uplink port."""

from __future__ import annotations

from dataclasses import dataclass

from agent.collectors.snmp import Interface

GIGABIT_MBPS = 1000
FAST_ETHERNET_MBPS = 100


@dataclass(frozen=True, slots=True)
class SwitchFacts:
    device: str
    ethernet_ports: int
    access_ports_up: int
    access_ports_gigabit: int  # up access ports at >= 1 Gbit/s
    max_port_mbps: float | None
    uplink: Interface | None

    def managed(self, min_ethernet_ports: int) -> bool:
        return self.ethernet_ports >= min_ethernet_ports

    @property
    def fast_ethernet_only(self) -> bool | None:
        """No Ethernet port faster than 100 Mbit/s; None when no port reports a speed."""
        if self.max_port_mbps is None:
            return None
        return self.max_port_mbps <= FAST_ETHERNET_MBPS


def _mbps(interface: Interface) -> float | None:
    bps = interface.speed_bps
    return bps / 1e6 if bps else None


def switch_facts(device: str, interfaces: dict[int, Interface], uplink: int | None) -> SwitchFacts:
    """Access ports are the up Ethernet ports other than the uplink."""
    ethernet = [i for i in interfaces.values() if i.is_ethernet]
    access = [i for i in ethernet if i.is_up and i.index != uplink]
    gigabit = [i for i in access if (_mbps(i) or 0) >= GIGABIT_MBPS]
    speeds = [s for i in ethernet if (s := _mbps(i)) is not None]
    return SwitchFacts(
        device=device,
        ethernet_ports=len(ethernet),
        access_ports_up=len(access),
        access_ports_gigabit=len(gigabit),
        max_port_mbps=max(speeds) if speeds else None,
        uplink=interfaces.get(uplink) if uplink is not None else None,
    )


def gigabit_share(facts: list[SwitchFacts]) -> float | None:
    """Site-wide share of up access ports at >= 1 Gbit/s; None when no access port is up."""
    up = sum(f.access_ports_up for f in facts)
    return sum(f.access_ports_gigabit for f in facts) / up if up else None


def site_uplink_bps(facts: list[SwitchFacts], device: str | None) -> float | None:
    """The configured uplink switch's uplink capacity; without one, the slowest switch uplink
    toward the gateway (the bottleneck, a conservative reading)."""
    speeds = {f.device: f.uplink.speed_bps for f in facts if f.uplink and f.uplink.speed_bps}
    if device is not None:
        return speeds.get(device)
    return min(speeds.values()) if speeds else None

"""Which subnets to sweep: from the config, or every up IPv4 interface small enough to sweep."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any


@dataclass(frozen=True, slots=True)
class Subnet:
    interface: str
    network: IPv4Network
    address: IPv4Address | None  # ours on that interface (the ARP sender address)

    @property
    def label(self) -> str:
        return str(self.network)

    def target_addresses(self) -> list[IPv4Address]:
        """Every address of the subnet except our own."""
        return [a for a in self.network.hosts() if a != self.address]

    def targets(self) -> list[str]:
        return [str(a) for a in self.target_addresses()]


@dataclass(frozen=True, slots=True)
class InterfaceAddress:
    interface: str
    address: IPv4Address
    network: IPv4Network


def parse_interfaces(
    addrs: Mapping[str, Sequence[Any]], stats: Mapping[str, Any]
) -> list[InterfaceAddress]:
    """psutil.net_if_addrs()/net_if_stats() -> the IPv4 addresses of up, broadcast interfaces
    (no loopback, no point-to-point links: nothing to sweep there)."""
    found: list[InterfaceAddress] = []
    for name, entries in sorted(addrs.items()):
        stat = stats.get(name)
        if stat is None or not stat.isup:
            continue
        for entry in entries:
            if entry.family != socket.AF_INET or not entry.netmask or entry.ptp:
                continue
            address = IPv4Address(entry.address)
            if address.is_loopback or address.is_link_local:
                continue
            network = IPv4Network(f"{entry.address}/{entry.netmask}", strict=False)
            found.append(InterfaceAddress(name, address, network))
    return found


def select_subnets(
    available: Sequence[InterfaceAddress],
    interfaces: Sequence[str],
    cidrs: Sequence[tuple[str, str | None]],
    max_prefix: int,
) -> tuple[list[Subnet], list[str]]:
    """The subnets to sweep, and a problem line for each configured one that can't be swept."""
    if cidrs:
        return _from_cidrs(available, interfaces, cidrs, max_prefix)
    problems: list[str] = []
    chosen = list(available)
    if interfaces:
        chosen = [a for a in available if a.interface in interfaces]
        present = {a.interface for a in available}
        problems += [
            f"interface {name!r} is not up or has no IPv4 address"
            for name in interfaces
            if name not in present
        ]
    subnets: list[Subnet] = []
    for item in chosen:
        if item.network.prefixlen < max_prefix:
            if interfaces:
                problems.append(_too_large(item.network, max_prefix, item.interface))
            continue
        if item.network.prefixlen >= 31:
            continue
        subnets.append(Subnet(item.interface, item.network, item.address))
    if not subnets and not problems:
        problems.append(
            f"no up interface has an IPv4 subnet of /{max_prefix} or smaller to sweep;"
            " set lan.interfaces or lan.cidrs"
        )
    return _unique(subnets), problems


def _from_cidrs(
    available: Sequence[InterfaceAddress],
    interfaces: Sequence[str],
    cidrs: Sequence[tuple[str, str | None]],
    max_prefix: int,
) -> tuple[list[Subnet], list[str]]:
    subnets: list[Subnet] = []
    problems: list[str] = []
    for cidr, interface in cidrs:
        network = ipaddress.IPv4Network(cidr, strict=False)
        if network.prefixlen < max_prefix:
            problems.append(_too_large(network, max_prefix, interface))
            continue
        wanted = [interface] if interface else list(interfaces)
        match = next(
            (
                a
                for a in available
                if _on_link(a, network) and (not wanted or a.interface in wanted)
            ),
            None,
        )
        if match is not None:
            subnets.append(Subnet(match.interface, network, match.address))
        elif len(wanted) == 1:
            # No address of ours in it: ask as an ARP probe (sender 0.0.0.0), which hosts answer.
            subnets.append(Subnet(wanted[0], network, None))
        else:
            problems.append(f"no up interface has an address in {network}; name one: {cidr}@IF")
    return _unique(subnets), problems


def _on_link(item: InterfaceAddress, network: IPv4Network) -> bool:
    """The subnet is (part of) this interface's own network, or holds its address."""
    return item.address in network or network.subnet_of(item.network)


def _too_large(network: IPv4Network, max_prefix: int, interface: str | None) -> str:
    where = f" on {interface}" if interface else ""
    return (
        f"{network}{where} is larger than /{max_prefix} ({network.num_addresses} addresses);"
        " not swept (raise lan.max_prefix or list smaller lan.cidrs)"
    )


def _unique(subnets: list[Subnet]) -> list[Subnet]:
    seen: set[tuple[str, IPv4Network]] = set()
    result: list[Subnet] = []
    for subnet in subnets:
        if (subnet.interface, subnet.network) not in seen:
            seen.add((subnet.interface, subnet.network))
            result.append(subnet)
    return result


def local_subnets(
    interfaces: Sequence[str], cidrs: Sequence[tuple[str, str | None]], max_prefix: int
) -> tuple[list[Subnet], list[str]]:
    """select_subnets() over this machine's interfaces (psutil)."""
    import psutil

    available = parse_interfaces(psutil.net_if_addrs(), psutil.net_if_stats())
    return select_subnets(available, interfaces, cidrs, max_prefix)

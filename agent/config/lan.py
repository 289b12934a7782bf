"""`lan:`: ARP sweeps of the site's subnets (LAN discovery) and SNMP auto-discovery."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from annotated_types import Ge, Le, MaxLen, MinLen

from agent.config.schema import After, Before, Section, key
from agent.config.types import Duration, Secret


def _check_cidr(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("a subnet must be written like 192.168.1.0/24 (or 192.168.1.0/24@eth1)")
    cidr = value.strip().partition("@")[0]
    try:
        ipaddress.IPv4Network(cidr, strict=False)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 subnet (e.g. 192.168.1.0/24): {exc}") from None
    return value.strip()


Cidr = Annotated[str, Before(_check_cidr)]


DEFAULT_FINGERPRINT_PORTS = (22, 80, 135, 443, 445, 515, 554, 631, 3389, 5060, 9100)


def _unique_ports(ports: tuple[int, ...]) -> tuple[int, ...]:
    if len(set(ports)) != len(ports):
        raise ValueError("a port is listed twice")
    return ports


class FingerprintConfig(Section):
    """`lan: fingerprint:` - off by default: a TCP connect to a few ports of each host the sweep
    found on the office's own LAN, so the collector can tell a PC from a printer (docs/lan.md)."""

    enabled: bool = key(default=False, doc="run the port fingerprint")
    ports: Annotated[
        tuple[Annotated[int, Ge(1), Le(65535)], ...],
        MinLen(1),
        MaxLen(32),
        After(_unique_ports),
    ] = key(
        default=DEFAULT_FINGERPRINT_PORTS,
        doc="TCP ports tried on each host the sweep found (1-32 ports, each once)",
    )
    timeout: Duration = key(default=1.0, doc="per connection attempt")


class LanConfig(Section):
    """ARP sweeps of the office's subnets (LAN discovery) and SNMP auto-discovery."""

    enabled: bool = key(default=False, doc="run the LAN collector (ARP sweeps)")
    interval: Duration = key(default=900.0, doc="time between sweeps")
    interfaces: tuple[str, ...] = key(
        default=(),
        doc="interfaces to sweep (each with its IPv4 subnets); empty: every up interface"
        " with an IPv4 address whose prefix is `max_prefix` or smaller (loopback and"
        " point-to-point links excluded)",
    )
    cidrs: tuple[Cidr, ...] = key(
        default=(),
        doc="subnets to sweep, each on the interface whose address lies in it (or given"
        " as `10.0.0.0/24@eth1`); with `interfaces`, they replace the interfaces' own subnets",
    )
    max_prefix: Annotated[int, Ge(16), Le(30)] = key(
        default=20,
        doc="never sweep a subnet larger than this (/20 = 4,096 addresses)",
    )
    timeout: Duration = key(
        default=0.6,
        doc="how long the ARP sweep listens for replies, shared by its 1 + `retries`"
        " passes (each listens timeout / passes after its last request)",
    )
    retries: Annotated[int, Ge(0), Le(5)] = key(
        default=1,
        doc="passes after the first; each asks only the addresses still silent",
    )
    isolate: bool = key(
        default=True,
        doc="run the sweep in a child process, so scapy's vendor database (~28 MiB)"
        " never stays in the agent",
    )
    fallback_rate: Annotated[int, Ge(10), Le(10000)] = key(
        default=500,
        doc="unprivileged fallback (no CAP_NET_RAW): UDP datagrams a second that provoke"
        " the kernel's ARP",
    )
    state_file: str | None = key(
        default="/var/lib/ictinfra/lan_hosts.json",
        doc="first/last seen of each host across restarts; null: memory only",
    )
    snmp_autodiscovery: bool = key(
        default=False,
        doc="ask every host found for sysObjectID over SNMP v2c; those that answer are"
        " offered as SNMP targets (inventory and metric)",
    )
    snmp_communities: tuple[Secret, ...] = key(
        default=(Secret("public"),),
        doc="communities auto-discovery tries; the first that answers wins",
    )
    snmp_port: Annotated[int, Ge(1), Le(65535)] = key(default=161, doc="auto-discovery's UDP port")
    snmp_timeout: Duration = key(
        default=1.0, doc="auto-discovery's wait for an answer (no retries)"
    )
    fingerprint: FingerprintConfig = key(
        default_factory=FingerprintConfig,
        doc="a TCP connect to a few ports of each host found, to tell a PC from a printer",
    )

    def subnet_cidrs(self) -> list[tuple[str, str | None]]:
        """`cidrs` as (cidr, interface or None)."""
        result: list[tuple[str, str | None]] = []
        for item in self.cidrs:
            cidr, _, interface = item.partition("@")
            result.append((cidr, interface or None))
        return result

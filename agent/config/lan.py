"""`lan:`: ARP sweeps of the site's subnets (LAN discovery) and SNMP auto-discovery."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from agent.config.base import StrictModel
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


Cidr = Annotated[str, BeforeValidator(_check_cidr)]


DEFAULT_FINGERPRINT_PORTS = (22, 80, 135, 443, 445, 515, 554, 631, 3389, 5060, 9100)


def _unique_ports(ports: tuple[int, ...]) -> tuple[int, ...]:
    if len(set(ports)) != len(ports):
        raise ValueError("a port is listed twice")
    return ports


class FingerprintConfig(StrictModel):
    """`lan: fingerprint:` - off by default: a TCP connect to a few ports of each host the sweep
    found on the office's own LAN, so the collector can tell a PC from a printer (docs/lan.md)."""

    enabled: bool = False
    ports: Annotated[
        tuple[Annotated[int, Field(ge=1, le=65535)], ...],
        Field(min_length=1, max_length=32),
        AfterValidator(_unique_ports),
    ] = DEFAULT_FINGERPRINT_PORTS
    timeout: Duration = 1.0  # per connection attempt


class LanConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 900.0
    # Interfaces to sweep (each with its IPv4 subnets); empty: every up interface with an IPv4
    # address whose prefix is max_prefix or smaller (loopback and point-to-point links excluded).
    interfaces: tuple[str, ...] = ()
    # Subnets to sweep, each on the interface whose address lies in it (or given as
    # `10.0.0.0/24@eth1`); with interfaces, they replace the interfaces' own subnets.
    cidrs: tuple[Cidr, ...] = ()
    max_prefix: int = Field(default=20, ge=16, le=30)  # /20 = 4096 addresses, the largest swept
    # How long the ARP sweep listens for replies, shared by its 1 + retries passes (each asks
    # the addresses still silent, then listens timeout / passes).
    timeout: Duration = 1.0
    retries: int = Field(default=1, ge=0, le=5)
    # Run the sweep in a child process so scapy's vendor database (~28 MiB) never stays in
    # the agent.
    isolate: bool = True
    # Unprivileged fallback: UDP datagrams per second that provoke the kernel's ARP.
    fallback_rate: int = Field(default=500, ge=10, le=10000)
    state_file: str | None = "/var/lib/ictinfra/lan_hosts.json"  # first/last seen; null: memory
    # SNMP auto-discovery: hosts that answer a v2c GET of sysObjectID with one of these
    # communities are offered as SNMP targets (inventory `lan_hosts[].snmp_*`, metric).
    snmp_autodiscovery: bool = False
    snmp_communities: tuple[Secret, ...] = (Secret("public"),)
    snmp_port: int = Field(default=161, ge=1, le=65535)
    snmp_timeout: Duration = 1.0
    fingerprint: FingerprintConfig = Field(default_factory=FingerprintConfig)

    def subnet_cidrs(self) -> list[tuple[str, str | None]]:
        """`cidrs` as (cidr, interface or None)."""
        result: list[tuple[str, str | None]] = []
        for item in self.cidrs:
            cidr, _, interface = item.partition("@")
            result.append((cidr, interface or None))
        return result

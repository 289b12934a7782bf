"""One sweep of some subnets: ARP (or the unprivileged fallback), vendors, SNMP answers.

Plain data in, plain data out, so the same job runs in the agent (a thread) or in a short-lived
child process (worker.py) that takes scapy's memory with it when it exits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from agent.collectors.lan.subnets import Subnet

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepOptions:
    timeout: float = 1.0
    retries: int = 1
    fallback_rate: int = 500
    snmp: bool = False
    snmp_communities: list[str] = field(default_factory=list)  # revealed: never log these
    snmp_port: int = 161
    snmp_timeout: float = 1.0
    fingerprint_ports: list[int] = field(default_factory=list)  # empty: no port fingerprint
    fingerprint_timeout: float = 1.0


@dataclass(slots=True)
class FoundHost:
    ip: str
    mac: str
    interface: str
    vendor: str | None = None
    snmp_sys_object_id: str | None = None
    snmp_community_index: int | None = None
    open_ports: list[int] | None = None  # None: not fingerprinted


@dataclass(slots=True)
class SubnetResult:
    interface: str
    subnet: str
    duration: float
    success: bool
    hosts: int = 0
    error: str | None = None


@dataclass(slots=True)
class SweepReport:
    hosts: list[FoundHost] = field(default_factory=list)
    subnets: list[SubnetResult] = field(default_factory=list)
    degraded: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SweepReport:
        return cls(
            hosts=[FoundHost(**h) for h in data.get("hosts", [])],
            subnets=[SubnetResult(**s) for s in data.get("subnets", [])],
            degraded=bool(data.get("degraded", False)),
        )


def subnet_to_json(subnet: Subnet) -> dict[str, Any]:
    address = str(subnet.address) if subnet.address else None
    return {"interface": subnet.interface, "network": str(subnet.network), "address": address}


def subnet_from_json(data: dict[str, Any]) -> Subnet:
    address = IPv4Address(data["address"]) if data.get("address") else None
    return Subnet(str(data["interface"]), IPv4Network(data["network"]), address)


def _sweep_one(
    subnet: Subnet, options: SweepOptions, privileged: bool
) -> tuple[dict[str, str], bool]:
    """({ip: mac}, still privileged). Falls back for good at the first PermissionError."""
    if privileged:
        from agent.collectors.lan.arp import arp_sweep

        try:
            return arp_sweep(subnet, options.timeout, options.retries), True
        except PermissionError:
            pass
    from agent.collectors.lan.neighbours import neighbour_sweep

    return neighbour_sweep(subnet, options.timeout, options.fallback_rate), False


def _vendor_lookup() -> Any:
    try:
        from agent.collectors.lan.oui import scapy_vendor_lookup

        return scapy_vendor_lookup()
    except ImportError:  # scapy missing: hosts without vendors rather than no hosts
        return lambda _mac: None


def _vendor_lookup_meanwhile() -> Future[Any]:
    """Load the vendor database (scapy's, 0.1-0.4 s) in a thread while the sweep mostly waits
    for replies, instead of after it."""
    from concurrent.futures import ThreadPoolExecutor

    loader = ThreadPoolExecutor(1, thread_name_prefix="lan-vendors")
    future = loader.submit(_vendor_lookup)
    loader.shutdown(wait=False)
    return future


def run_sweep(subnets: list[Subnet], options: SweepOptions) -> SweepReport:
    report = SweepReport()
    vendors = _vendor_lookup_meanwhile()
    privileged = True
    for subnet in subnets:
        started = time.perf_counter()
        try:
            found, privileged = _sweep_one(subnet, options, privileged)
        except Exception as exc:  # no such interface, interface down, ...: the others go on
            report.subnets.append(
                SubnetResult(subnet.interface, subnet.label, time.perf_counter() - started,
                             success=False, error=f"{type(exc).__name__}: {exc}")
            )  # fmt: skip
            continue
        report.subnets.append(
            SubnetResult(subnet.interface, subnet.label, time.perf_counter() - started,
                         success=True, hosts=len(found))
        )  # fmt: skip
        report.hosts += [FoundHost(ip, mac, subnet.interface) for ip, mac in found.items()]
    report.degraded = not privileged
    if report.hosts:
        lookup = vendors.result()
        for host in report.hosts:
            host.vendor = lookup(host.mac)
    if options.snmp and report.hosts and options.snmp_communities:
        _add_snmp(report, options)
    if options.fingerprint_ports and report.hosts:
        _add_ports(report, options)
    report.hosts.sort(key=lambda h: (IPv4Address(h.ip), h.interface))
    return report


def _add_snmp(report: SweepReport, options: SweepOptions) -> None:
    import asyncio

    from agent.collectors.snmp import discover_sys_object_ids

    answers = asyncio.run(
        discover_sys_object_ids(
            [h.ip for h in report.hosts],
            options.snmp_communities,
            options.snmp_port,
            options.snmp_timeout,
        )
    )
    for host in report.hosts:
        if host.ip in answers:
            host.snmp_sys_object_id, host.snmp_community_index = answers[host.ip]


def _add_ports(report: SweepReport, options: SweepOptions) -> None:
    import asyncio

    from agent.collectors.lan.ports import open_ports

    ips = sorted({h.ip for h in report.hosts})
    found = asyncio.run(open_ports(ips, options.fingerprint_ports, options.fingerprint_timeout))
    for host in report.hosts:
        host.open_ports = found.get(host.ip)

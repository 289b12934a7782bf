"""`ictinfra-agent discover`: an ARP sweep printed one host a line: `IP MAC VENDOR`, by IP.

Runs the sweep in this process (a one-shot command has no memory to protect). Without raw-socket
privilege it falls back to the kernel's neighbour table and says so on stderr.
"""

from __future__ import annotations

import ipaddress
import sys

from agent.collectors.lan.degraded import DEGRADED_MESSAGE
from agent.collectors.lan.job import SweepOptions, run_sweep
from agent.collectors.lan.subnets import local_subnets

EXIT_USAGE = 2
MAX_PREFIX = 16  # the command sweeps what it is asked for, up to a /16


def _cidrs(interface: str, cidr: str | None) -> list[tuple[str, str | None]]:
    if cidr is None:
        return []
    ipaddress.IPv4Network(cidr, strict=False)
    return [(cidr, interface)]


def main(interface: str, cidr: str | None, timeout: float, retries: int) -> int:
    try:
        cidrs = _cidrs(interface, cidr)
    except ValueError as exc:
        print(f"ictinfra-agent discover: --cidr {cidr!r} is not an IPv4 subnet: {exc}",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    subnets, problems = local_subnets([interface], cidrs, MAX_PREFIX)
    for problem in problems:
        print(f"ictinfra-agent discover: {problem}", file=sys.stderr)
    if not subnets:
        print(f"ictinfra-agent discover: nothing to sweep on {interface}", file=sys.stderr)
        return EXIT_USAGE
    report = run_sweep(subnets, SweepOptions(timeout=timeout, retries=retries))
    if report.degraded:
        print(f"ictinfra-agent discover: {DEGRADED_MESSAGE}", file=sys.stderr)
    for result in report.subnets:
        if not result.success:
            print(f"ictinfra-agent discover: {result.subnet} on {result.interface}: "
                  f"{result.error}", file=sys.stderr)  # fmt: skip
    for host in report.hosts:
        print(f"{host.ip} {host.mac} {host.vendor or '-'}")
    return 0 if all(r.success for r in report.subnets) else 1

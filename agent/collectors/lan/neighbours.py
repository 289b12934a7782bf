"""The unprivileged fallback: make the kernel ARP for every address, then read its table.

A UDP datagram to the discard port (9) of each address makes the kernel resolve it by ARP; no
raw socket, ICMP or TCP needed. Live hosts end up REACHABLE in the neighbour table. Addresses
are provoked in batches (the kernel's table holds ~1024 entries by default) at a bounded rate.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Network

from agent.collectors.lan.subnets import Subnet

DISCARD_PORT = 9
BATCH = 256
# A STALE entry that we provoke goes DELAY, then PROBE: resolving it takes up to
# delay_first_probe_time (5 s) + ucast_solicit (3) x retrans_time (1 s).
UNSETTLED = {"INCOMPLETE", "DELAY", "PROBE"}
SETTLE_LIMIT = 9.0
NUD_REACHABLE = "REACHABLE"

NeighbourTable = dict[str, tuple[str | None, str]]  # ip -> (mac, state)
TableReader = Callable[[str], NeighbourTable]


def parse_ip_neigh_json(text: str) -> NeighbourTable:
    """`ip -j neigh show dev IF` -> {ip: (mac, state)} for IPv4 entries."""
    table: NeighbourTable = {}
    for entry in json.loads(text or "[]"):
        dst = entry.get("dst", "")
        if ":" in dst:
            continue
        states = entry.get("state") or ["NONE"]
        table[dst] = (entry.get("lladdr"), str(states[0]))
    return table


def parse_proc_net_arp(text: str, interface: str) -> NeighbourTable:
    """/proc/net/arp (used when `ip` is missing): flag 0x2 (complete) is all it tells."""
    table: NeighbourTable = {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 6 or fields[5] != interface:
            continue
        complete = int(fields[2], 16) & 0x2
        table[fields[0]] = (fields[3].lower(), NUD_REACHABLE if complete else "INCOMPLETE")
    return table


def read_neighbours(interface: str) -> NeighbourTable:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    try:
        result = subprocess.run(
            [ip, "-j", "-4", "neigh", "show", "dev", interface],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return parse_ip_neigh_json(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        with open("/proc/net/arp", encoding="ascii") as arp:
            return parse_proc_net_arp(arp.read(), interface)


def provoke(addresses: Sequence[str], rate: int) -> None:
    """One empty UDP datagram to each address, at most `rate` a second."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        started = time.monotonic()
        for sent, address in enumerate(addresses):
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
            # EHOSTUNREACH from an earlier failed resolution, full buffers: move on.
            with contextlib.suppress(OSError):
                sock.sendto(b"", (address, DISCARD_PORT))


def _settle(interface: str, batch: set[str], timeout: float, read: TableReader) -> NeighbourTable:
    """Read the table until the batch's entries are resolved (or the time limits pass)."""
    started = time.monotonic()
    while True:
        time.sleep(min(0.2, timeout))
        table = {ip: e for ip, e in read(interface).items() if ip in batch}
        waiting = {state for _, state in table.values() if state in UNSETTLED}
        elapsed = time.monotonic() - started
        if not waiting or elapsed >= SETTLE_LIMIT:
            return table
        if waiting == {"INCOMPLETE"} and elapsed >= timeout:
            return table  # a live host answers in milliseconds; these are silent


def neighbour_sweep(
    subnet: Subnet, timeout: float, rate: int, read: TableReader = read_neighbours
) -> dict[str, str]:
    """{ip: mac} of the subnet's addresses the kernel found REACHABLE after provoking them."""
    targets = subnet.targets()
    found: dict[str, str] = {}
    for start in range(0, len(targets), BATCH):
        batch = targets[start : start + BATCH]
        provoke(batch, rate)
        table = _settle(subnet.interface, set(batch), timeout, read)
        for ip, (mac, state) in table.items():
            if mac and state == NUD_REACHABLE and _inside(ip, subnet.network):
                found[ip] = mac.lower()
    return found


def _inside(ip: str, network: IPv4Network) -> bool:
    return IPv4Address(ip) in network

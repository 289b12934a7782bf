"""The optional port fingerprint: which of a few TCP ports the LAN's hosts accept.

A plain connect (the three-way handshake, then close): no banner is read, nothing is sent. Only
hosts the ARP sweep found on the office's own subnets are probed, each port once per sweep,
at most CONCURRENCY connections at a time, each given up after the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

CONCURRENCY = 128


async def _open(ip: str, port: int, timeout: float, gate: asyncio.Semaphore) -> bool:
    async with gate:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        except (OSError, TimeoutError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True


async def open_ports(
    ips: Sequence[str], ports: Sequence[int], timeout: float
) -> dict[str, list[int]]:
    """{ip: sorted open ports} for every ip (an empty list: none of `ports` is open)."""
    gate = asyncio.Semaphore(CONCURRENCY)
    pairs = [(ip, port) for ip in ips for port in ports]
    results = await asyncio.gather(*(_open(ip, port, timeout, gate) for ip, port in pairs))
    found: dict[str, list[int]] = {ip: [] for ip in ips}
    for (ip, port), is_open in zip(pairs, results, strict=True):
        if is_open:
            found[ip].append(port)
    return {ip: sorted(ports_) for ip, ports_ in found.items()}

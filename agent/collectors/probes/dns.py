"""Name resolution through the system resolver, timed."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

from agent.collectors.probes.route import is_ip_literal


@dataclass(frozen=True, slots=True)
class Resolved:
    address: str
    family: int
    seconds: float | None  # None: the target was an address already, no lookup made


async def resolve(host: str, timeout: float) -> Resolved:
    """The first address of `host`; raises OSError (or TimeoutError) when it does not resolve."""
    if is_ip_literal(host):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return Resolved(host, family, None)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout)
    seconds = time.perf_counter() - started
    if not infos:
        raise OSError(f"{host} has no address")
    family, _, _, _, sockaddr = infos[0]
    return Resolved(str(sockaddr[0]), family, seconds)

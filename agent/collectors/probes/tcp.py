"""TCP connect timing: the handshake is one round trip, and needs no privilege.

A refused connection (RST) proves the host is there as much as an accepted one, so both count
as a reply; only silence (timeout) or a routing error counts as lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time

_LINGER_RESET = struct.pack("ii", 1, 0)


async def tcp_connect_time(address: str, port: int, family: int = socket.AF_INET) -> float:
    """Seconds to SYN-ACK (or RST); raises OSError when the target is unreachable."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    # close with RST: a probe every few seconds must not leave TIME_WAIT sockets behind
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    try:
        started = time.perf_counter()
        with contextlib.suppress(ConnectionRefusedError):
            await loop.sock_connect(sock, (address, port))
        return time.perf_counter() - started
    finally:
        sock.close()

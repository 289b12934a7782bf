"""ICMP echo without root where the kernel allows it.

Order of preference: an unprivileged "ping socket" (SOCK_DGRAM + IPPROTO_ICMP, allowed when the
process's group is inside net.ipv4.ping_group_range), then a raw socket (root or CAP_NET_RAW),
else none (the caller falls back to TCP). Reply times come from the kernel's receive timestamp
(SO_TIMESTAMPNS), so a busy event loop does not inflate them. IPv4 only.
"""

from __future__ import annotations

import asyncio
import enum
import random
import socket
import struct
import time

_ECHO_REQUEST = 8
_ECHO_REPLY = 0
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_PAYLOAD = b"ictinfra-probe".ljust(48, b".")


class IcmpMode(enum.Enum):
    DGRAM = "dgram"  # unprivileged ping socket
    RAW = "raw"  # CAP_NET_RAW
    UNAVAILABLE = "unavailable"


def _open(mode: IcmpMode) -> socket.socket:
    kind = socket.SOCK_DGRAM if mode is IcmpMode.DGRAM else socket.SOCK_RAW
    return socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)


def detect_mode() -> IcmpMode:
    """Which kind of ICMP socket this process may open, right now."""
    for mode in (IcmpMode.DGRAM, IcmpMode.RAW):
        try:
            _open(mode).close()
        except OSError:
            continue
        return mode
    return IcmpMode.UNAVAILABLE


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def echo_request(ident: int, seq: int) -> bytes:
    header = struct.pack("!BBHHH", _ECHO_REQUEST, 0, 0, ident, seq)
    return struct.pack("!BBHHH", _ECHO_REQUEST, 0, checksum(header + _PAYLOAD), ident, seq) + (
        _PAYLOAD
    )


def parse_echo_reply(data: bytes, has_ip_header: bool) -> tuple[int, int] | None:
    """(ident, seq) of an echo reply, or None for anything else."""
    if has_ip_header:
        if len(data) < 20:
            return None
        data = data[(data[0] & 0x0F) * 4 :]
    if len(data) < 8:
        return None
    kind, code, _, ident, seq = struct.unpack("!BBHHH", data[:8])
    if kind != _ECHO_REPLY or code != 0:
        return None
    return ident, seq


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanos = struct.unpack("qq", data[:16])
            return float(seconds) + float(nanos) / 1e9
    return None


class IcmpSession:
    """Echo requests to any IPv4 addresses over one socket, shared by every target of a run.

    One socket, not one per target: a raw socket receives a copy of every ICMP packet of the
    host, so a socket per target would cost targets x packets wake-ups and overflow receive
    buffers (seen: 10 % false loss with 50 targets). Replies are matched on (source, sequence);
    sequence numbers are unique across the run.
    """

    def __init__(self, mode: IcmpMode) -> None:
        if mode is IcmpMode.UNAVAILABLE:
            raise OSError("no ICMP socket is allowed")
        self._mode = mode
        self._loop = asyncio.get_running_loop()
        self._sock = _open(mode)
        self._sock.setblocking(False)
        self._sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        # a raw socket sees every ICMP packet of the host: our identifier tells ours apart;
        # a ping socket gets its identifier from the kernel, which also filters for us
        self._ident = random.getrandbits(16)
        self._seq = random.getrandbits(16)
        self._pending: dict[tuple[str, int], tuple[float, asyncio.Future[float]]] = {}
        self._loop.add_reader(self._sock.fileno(), self._on_readable)

    async def ping(self, address: str, timeout: float) -> float:
        """One echo; the round-trip time in seconds, or TimeoutError after `timeout`.

        Before giving up it reads what the socket already holds: on a busy machine the event
        loop can wake after the deadline for a reply the kernel received in time, and the
        kernel's receive timestamp, not the loop's lateness, decides whether it was lost.
        """
        future: asyncio.Future[float] = self._loop.create_future()
        seq, self._seq = self._seq, (self._seq + 1) & 0xFFFF
        key = (address, seq)
        self._pending[key] = (time.time(), future)
        try:
            self._sock.sendto(echo_request(self._ident, seq), (address, 0))
            await asyncio.wait((future,), timeout=timeout)
            if not future.done():
                self._on_readable()
            if future.done() and future.result() <= timeout:
                return future.result()
            raise TimeoutError(f"no echo reply from {address} within {timeout}s")
        finally:
            self._pending.pop(key, None)

    def _on_readable(self) -> None:
        while True:
            try:
                data, ancillary, _, source = self._sock.recvmsg(1024, 64)
            except OSError:  # BlockingIOError: drained
                return
            received = _kernel_time(ancillary) or time.time()
            self._match(data, source[0], received)

    def _match(self, data: bytes, source: str, received: float) -> None:
        reply = parse_echo_reply(data, has_ip_header=self._mode is IcmpMode.RAW)
        if reply is None:
            return
        ident, seq = reply
        if self._mode is IcmpMode.RAW and ident != self._ident:
            return
        entry = self._pending.get((source, seq))
        if entry is not None and not entry[1].done():
            entry[1].set_result(max(0.0, received - entry[0]))

    def close(self) -> None:
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()

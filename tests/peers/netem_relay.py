"""A userspace netem for kernels built without sch_netem: relays Ethernet frames between two
interfaces, delaying and dropping those going one way (a -> b).

    python3 netem_relay.py --a p3 --b r3 --delay 0.05 --jitter 0.005 --loss 0.1

Frames a -> b are delayed by `delay` +/- uniform `jitter` seconds (order kept, as netem does
without reordering) and dropped with probability `loss`; frames b -> a pass untouched. Runs
until SIGTERM. Prints "ready" once both sockets are bound. Self-contained: no project imports.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import random
import selectors
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 1 << 3
AUXDATA = struct.Struct("IIIHHHH")
MAX_FRAME = 65536
CHECKSUM_OFFSET = {6: 16, 17: 6}  # TCP, UDP


def internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def complete_checksum(frame: bytes) -> bytes:
    """veth hands over TCP/UDP with the checksum left to the NIC (CHECKSUM_PARTIAL); a frame
    re-sent through a packet socket must carry the real one or the receiver drops it."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return frame
    ihl = (frame[14] & 0x0F) * 4
    protocol = frame[23]
    total_length = struct.unpack("!H", frame[16:18])[0]
    if protocol not in CHECKSUM_OFFSET:
        return frame
    start = 14 + ihl
    end = 14 + total_length
    segment = bytearray(frame[start:end])
    offset = CHECKSUM_OFFSET[protocol]
    segment[offset : offset + 2] = b"\0\0"
    pseudo = frame[26:34] + struct.pack("!BBH", 0, protocol, len(segment))
    checksum = internet_checksum(pseudo + bytes(segment))
    if protocol == 17 and checksum == 0:
        checksum = 0xFFFF
    segment[offset : offset + 2] = struct.pack("!H", checksum)
    return frame[:start] + bytes(segment) + frame[end:]


def receive(sock: socket.socket) -> tuple[bytes, int] | None:
    """One frame (checksum completed) and its packet type, or None when nothing is queued."""
    try:
        frame, ancillary, _, address = sock.recvmsg(MAX_FRAME, socket.CMSG_SPACE(AUXDATA.size))
    except BlockingIOError:
        return None
    for level, kind, data in ancillary:
        is_auxdata = level == SOL_PACKET and kind == PACKET_AUXDATA
        if is_auxdata and AUXDATA.unpack(data[: AUXDATA.size])[0] & TP_STATUS_CSUMNOTREADY:
            frame = complete_checksum(frame)
    return frame, address[2]


def open_raw(interface: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((interface, ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    return sock


def send(sock: socket.socket, frame: bytes) -> None:
    """A frame the link can't take (e.g. a GSO super-frame over the MTU) is dropped, as a
    real link would; the relay goes on."""
    with contextlib.suppress(OSError):
        sock.send(frame)


def relay(a: str, b: str, delay: float, jitter: float, loss: float) -> None:
    sock_a, sock_b = open_raw(a), open_raw(b)
    selector = selectors.DefaultSelector()
    selector.register(sock_a, selectors.EVENT_READ, sock_b)
    selector.register(sock_b, selectors.EVENT_READ, sock_a)
    pending: list[tuple[float, int, bytes]] = []  # (due, sequence, frame) for a -> b
    sequence = 0
    last_due = 0.0
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while running:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 0.5
        for key, _ in selector.select(timeout):
            source: socket.socket = key.fileobj  # type: ignore[assignment]
            target: socket.socket = key.data
            while (received := receive(source)) is not None:
                frame, packet_type = received
                if packet_type == PACKET_OUTGOING:
                    continue  # our own transmission, seen again by the ETH_P_ALL socket
                if source is sock_b:
                    send(target, frame)
                    continue
                if random.random() < loss:
                    continue
                due = time.monotonic() + delay + random.uniform(-jitter, jitter)
                last_due = max(due, last_due)  # no reordering
                sequence += 1
                heapq.heappush(pending, (last_due, sequence, frame))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            send(sock_b, heapq.heappop(pending)[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--a", required=True, help="impaired side's interface (its egress)")
    parser.add_argument("--b", required=True, help="the other side")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--jitter", type=float, default=0.0, help="seconds, uniform +/-")
    parser.add_argument("--loss", type=float, default=0.0, help="probability 0..1")
    args = parser.parse_args()
    relay(args.a, args.b, args.delay, args.jitter, args.loss)
    return 0


if __name__ == "__main__":
    sys.exit(main())

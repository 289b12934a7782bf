"""The privileged sweep: broadcast ARP requests on one AF_PACKET socket, in quick passes.

Every request is built once as bytes (a fixed 38-byte head and the target's 4 bytes) and sent
on one raw socket. The socket carries a classic BPF filter that passes only ARP replies, so
the kernel drops our own requests and the LAN's other traffic before Python sees them, and a
reply is read with one struct unpack. Instead of one long wait, `timeout` is shared by
`retries + 1` quick passes: each pass asks the addresses still silent, then listens
timeout / passes. Replies are read all along, so a late answer to the first pass still counts.

Hand-written, not scapy's `srp()`: srp builds and dissects a Packet object per address and per
reply (0.1-0.2 s for a /24 on this VM), needs `scapy.layers.l2` imported (~0.3-1.4 s, ~30 MiB)
and can only filter in the kernel through a tcpdump binary. This is 42 fixed bytes out and 28
bytes parsed in, with the stdlib. scapy stays the source of the vendor database (oui.py).

Raises PermissionError without root or CAP_NET_RAW (AF_PACKET sockets need it), OSError for an
interface that does not exist or is down.
"""

from __future__ import annotations

import array
import errno
import math
import select
import socket
import struct
import time

from agent.collectors.lan.subnets import Subnet

ETH_P_ARP = 0x0806
ARPHRD_ETHER = 1
SO_ATTACH_FILTER = 26  # <asm-generic/socket.h>; the socket module does not name it
FRAME_HEAD = struct.Struct("!6s6sH HHBBH6s4s6s")  # Ethernet + ARP up to the target address
REPLY = struct.Struct("!12xH HHBBH6s4s")  # ethertype, ARP fixed part, sender MAC and IP
BROADCAST = b"\xff" * 6
SEND_BATCH = 128  # requests sent between two reads of the replies (keeps the receive queue short)
# Classic BPF (code, jt, jf, k): keep ARP (ethertype 0x0806) replies (opcode 2), first 42 bytes.
ARP_REPLIES_ONLY = (
    (0x28, 0, 0, 12),  # ldh [12]            ethertype
    (0x15, 0, 3, ETH_P_ARP),  # jeq #0x806      else drop
    (0x28, 0, 0, 20),  # ldh [20]            ARP opcode
    (0x15, 0, 1, 2),  # jeq #2 (reply)       else drop
    (0x06, 0, 0, 42),  # ret #42             accept
    (0x06, 0, 0, 0),  # ret #0               drop
)


def arp_sweep(subnet: Subnet, timeout: float, retries: int) -> dict[str, str]:
    """{ip: mac} of every address in the subnet that answered within `timeout` seconds."""
    targets = [a.packed for a in subnet.target_addresses()]
    sender = subnet.address.packed if subnet.address else bytes(4)  # 0.0.0.0: an ARP probe
    with _open_socket(subnet.interface) as sock:
        _, _, _, hardware_type, our_mac = sock.getsockname()
        if hardware_type != ARPHRD_ETHER:
            raise OSError(f"{subnet.interface} is not an Ethernet interface: no ARP there")
        head = request_head(our_mac, sender)
        found = _run_passes(sock, head, targets, timeout, retries + 1)
    return {socket.inet_ntoa(ip): mac.hex(":") for ip, mac in found.items()}


def request_head(our_mac: bytes, sender: bytes) -> bytes:
    """A broadcast ARP request up to its target address (append the target's 4 bytes)."""
    return FRAME_HEAD.pack(BROADCAST, our_mac, ETH_P_ARP, 1, 0x0800, 6, 4, 1,
                           our_mac, sender, bytes(6))  # fmt: skip


def _open_socket(interface: str) -> socket.socket:
    """A raw socket on `interface` that receives ARP replies only. The filter is attached
    before the socket is bound to a protocol, so nothing unfiltered is ever queued."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        program = array.array("B", b"".join(struct.pack("HBBI", *op) for op in ARP_REPLIES_ONLY))
        address, _ = program.buffer_info()
        fprog = struct.pack("HP", len(ARP_REPLIES_ONLY), address)  # struct sock_fprog
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        sock.bind((interface, ETH_P_ARP))
    except BaseException:
        sock.close()
        raise
    return sock


def _run_passes(
    sock: socket.socket, head: bytes, targets: list[bytes], timeout: float, passes: int
) -> dict[bytes, bytes]:
    """Ask the silent addresses `passes` times, each pass then listening timeout / passes
    (counted from its last request: on a slow link sending takes a while); {ip: mac}."""
    wanted = set(targets)
    found: dict[bytes, bytes] = {}
    for _ in range(passes):
        _send(sock, head, [t for t in targets if t not in found], wanted, found)
        _receive_until(sock, time.monotonic() + timeout / passes, wanted, found)
    return found


def _send(sock: socket.socket, head: bytes, targets: list[bytes], wanted: set[bytes],
          found: dict[bytes, bytes]) -> None:  # fmt: skip
    for start in range(0, len(targets), SEND_BATCH):
        for target in targets[start : start + SEND_BATCH]:
            try:
                sock.send(head + target)
            except OSError as exc:  # the device queue is full: this one waits for the next pass
                if exc.errno != errno.ENOBUFS:
                    raise
        _read_replies(sock, wanted, found)


def _receive_until(
    sock: socket.socket, deadline: float, wanted: set[bytes], found: dict[bytes, bytes]
) -> None:
    poller = select.poll()  # not select(): the agent's descriptors may number past 1024
    poller.register(sock, select.POLLIN)
    while (remaining := deadline - time.monotonic()) > 0:
        if poller.poll(max(1, math.ceil(remaining * 1000))):
            _read_replies(sock, wanted, found)


def _read_replies(sock: socket.socket, wanted: set[bytes], found: dict[bytes, bytes]) -> None:
    """Everything queued, without blocking."""
    buffer = bytearray(64)
    while True:
        try:
            size = sock.recv_into(buffer, len(buffer), socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        reply = parse_reply(buffer[:size])
        if reply is not None and reply[0] in wanted:
            found.setdefault(*reply)


def parse_reply(frame: bytes | bytearray) -> tuple[bytes, bytes] | None:
    """(sender IP, sender MAC) of an Ethernet ARP reply for IPv4, else None."""
    if len(frame) < REPLY.size:
        return None
    ethertype, hardware, protocol, hlen, plen, op, mac, ip = REPLY.unpack_from(frame)
    if (ethertype, hardware, protocol, hlen, plen, op) != (ETH_P_ARP, 1, 0x0800, 6, 4, 2):
        return None
    return bytes(ip), bytes(mac)

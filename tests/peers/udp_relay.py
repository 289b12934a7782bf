"""A tiny UDP relay in front of a real SNMP agent: delays answers, or passes SNMPv1 alone.

Makes "a device that answers slowly" and "a device that speaks SNMPv1 only" out of snmpsim
without touching its recordings. Runs its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.peers.common import free_port

ANSWER_WAIT = 120.0  # seconds a forwarded request waits for the device's answer


def _skip(packet: bytes, position: int) -> int:
    """The position after the TLV at `position` (short or long length form)."""
    first = packet[position + 1]
    if first & 0x80:
        count = first & 0x7F
        return (
            position
            + 2
            + count
            + int.from_bytes(packet[position + 2 : position + 2 + count], "big")
        )
    return position + 2 + first


def pdu_type(packet: bytes) -> int | None:
    """The PDU tag of a v1/v2c message (0xA5 = GETBULK), None if unparsable."""
    try:
        header = 2 + (packet[1] & 0x7F if packet[1] & 0x80 else 0)
        return packet[_skip(packet, _skip(packet, header))]
    except IndexError:
        return None


def snmp_version(packet: bytes) -> int | None:
    """The version field of an SNMP message (0 = v1, 1 = v2c, 3 = v3), None if unparsable."""
    if len(packet) < 5 or packet[0] != 0x30:
        return None
    position = 2 + (packet[1] & 0x7F if packet[1] & 0x80 else 0)
    if packet[position : position + 2] != b"\x02\x01":
        return None
    return packet[position + 2] if position + 2 < len(packet) else None


@dataclass
class Relay:
    listen_port: int
    upstream: tuple[str, int]
    delay: float = 0.0
    v1_only: bool = False
    no_bulk: bool = False  # a device that never answers GETBULK (old or broken firmware)
    garbage: tuple[bytes, ...] = ()  # sent to the asker, from the device's address, before a reply
    forwarded: int = 0
    dropped: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.listen_port}"


class _Front(asyncio.DatagramProtocol):
    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        dropped = self.relay.v1_only and snmp_version(data) != 0
        if dropped or (self.relay.no_bulk and pdu_type(data) == 0xA5):
            self.relay.dropped += 1
            return
        self.relay.forwarded += 1
        task = asyncio.ensure_future(self._forward(data, addr))
        self.relay.tasks.add(task)
        task.add_done_callback(self.relay.tasks.discard)

    async def _forward(self, data: bytes, addr: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        assert self.transport is not None
        front: asyncio.DatagramTransport = self.transport
        garbage = self.relay.garbage
        answered: asyncio.Future[None] = loop.create_future()

        class Back(asyncio.DatagramProtocol):
            def datagram_received(self, reply: bytes, _: tuple[str, int]) -> None:
                for junk in garbage:
                    front.sendto(junk, addr)
                front.sendto(reply, addr)
                if not answered.done():
                    answered.set_result(None)

        back, _ = await loop.create_datagram_endpoint(Back, remote_addr=self.relay.upstream)
        try:
            await asyncio.sleep(self.relay.delay)
            back.sendto(data)
            # Open until the device answers: on a loaded machine snmpsim may take many seconds,
            # and an answer that finds this socket closed is lost (the asker times out).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered, ANSWER_WAIT)
        finally:
            back.close()


def start_relay(
    upstream: tuple[str, int],
    *,
    delay: float = 0.0,
    v1_only: bool = False,
    no_bulk: bool = False,
    garbage: tuple[bytes, ...] = (),
) -> Relay:
    relay = Relay(free_port(socket.SOCK_DGRAM), upstream, delay, v1_only, no_bulk, garbage)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(relay._loop)
        relay._loop.run_until_complete(
            relay._loop.create_datagram_endpoint(
                lambda: _Front(relay), local_addr=("127.0.0.1", relay.listen_port)
            )
        )
        ready.set()
        relay._loop.run_forever()

    threading.Thread(target=run, daemon=True, name=f"udp-relay-{relay.listen_port}").start()
    ready.wait(10)
    return relay


def stop_relay(relay: Relay) -> None:
    def shut_down() -> None:
        for task in relay.tasks:
            task.cancel()
        relay._loop.call_later(0.1, relay._loop.stop)

    relay._loop.call_soon_threadsafe(shut_down)


@pytest.fixture(scope="session")
def relays() -> Iterator[list[Relay]]:
    """Relays made by tests with start_relay(); all stopped at the end of the session."""
    made: list[Relay] = []
    yield made
    for relay in made:
        stop_relay(relay)

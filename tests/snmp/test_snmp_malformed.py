"""Malformed SNMP datagrams: each raises BerError at a cost bounded by its size, and a poll through
a device that sends garbage before every answer (from the device's own address) still succeeds."""

from __future__ import annotations

import asyncio
import functools
import random
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from agent.collectors.snmp import ber
from agent.collectors.snmp.ber import BerError, decode_response, encode_oid
from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import poll_targets
from agent.collectors.snmp.selfmetrics import device_self_metrics
from agent.config.snmp import SnmpConfig
from agent.validation import validate
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay, start_relay


def tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + ber._length(len(body)) + body


def message(varbinds: bytes, *, request_id: bytes = b"\x02\x01\x07", count: int = 1) -> bytes:
    """A v2c GetResponse (community "public") around `count` copies of `varbinds`."""
    pdu = tlv(0xA2, request_id + b"\x02\x01\x00\x02\x01\x00" + tlv(0x30, varbinds * count))
    return tlv(0x30, b"\x02\x01\x01" + tlv(0x04, b"public") + pdu)


def oid_body(oid: str) -> bytes:
    """An OID's contents octets (encode_oid gives the whole TLV)."""
    encoded = encode_oid(oid)
    _, start, _ = ber._header(encoded, 0, len(encoded))
    return encoded[start:]


def varbind(name: bytes, value: bytes = b"\x05\x00") -> bytes:
    return tlv(0x30, tlv(0x06, name) + value)


SYS_DESCR = oid_body("1.3.6.1.2.1.1.1.0")
GOOD = varbind(SYS_DESCR, tlv(0x04, b"switch"))
HUGE_ARC = b"\x2b" + b"\xff" * 60_000 + b"\x01"  # the 60 KB sub-identifier

MALFORMED = {
    "60 KB arc in a name": message(varbind(HUGE_ARC)),
    "60 KB arc in a value": message(varbind(SYS_DESCR, tlv(0x06, HUGE_ARC))),
    "arc of 2^32": message(varbind(oid_body(f"1.3.6.{2**32}"))),
    "arc of 6 octets": message(varbind(b"\x2b\x81\x80\x80\x80\x80\x00")),
    "arc led by 0x80": message(varbind(b"\x2b\x80\x01")),
    "129 sub-identifiers": message(varbind(b"\x2b" + b"\x01" * 128)),
    "OID ending mid-arc": message(varbind(b"\x2b\x06\x81")),
    "empty OID": message(varbind(b"")),
    "9-octet INTEGER request-id": message(GOOD, request_id=tlv(0x02, b"\x01" * 9)),
    "60 KB INTEGER value": message(varbind(SYS_DESCR, tlv(0x02, b"\x7f" * 60_000))),
    "10-octet Counter64": message(varbind(SYS_DESCR, tlv(0x46, b"\x01" * 10))),
    "empty INTEGER": message(varbind(SYS_DESCR, b"\x02\x00")),
    "multi-octet tag": message(varbind(SYS_DESCR, b"\x1f\x81\x00\x00")),
    "indefinite length": b"\x30\x80" + message(GOOD)[2:] + b"\x00\x00",
    "5-octet length": b"\x30\x85\x00\x00\x00\x00\x10" + message(GOOD)[2:],
    "length past the end": message(GOOD)[:-3],
    "constructed OCTET STRING": message(varbind(SYS_DESCR, tlv(0x24, tlv(0x04, b"x")))),
    "nested 3,000 deep": message(varbind(SYS_DESCR, b"\x30\x80" * 3000)),
    "4,097 varbinds": message(GOOD, count=ber.MAX_VARBINDS + 1),
    "trailing bytes": message(GOOD) + b"\x00",
}


def line_events(decode: Callable[[], Any]) -> int:
    """How many lines of the codec ran: its cost as an operation count, not a time."""
    count = 0

    def tracer(frame: FrameType, event: str, _: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != ber.__file__:
            return None
        count += event == "line"
        return tracer

    sys.settrace(tracer)
    try:
        decode()
    finally:
        sys.settrace(None)
    return count


def raises_at_bounded_cost(data: bytes) -> int:
    problems: list[BerError] = []

    def decode() -> None:
        try:
            decode_response(data)
        except BerError as exc:
            problems.append(exc)

    events = line_events(decode)
    assert problems, "decoded without error"
    return events


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_each_malformed_datagram_raises_the_codec_error_at_bounded_cost(name: str) -> None:
    data = MALFORMED[name]
    events = raises_at_bounded_cost(data)
    # a valid varbind costs ~60 lines (~4 a byte); the 60 KB arc cost ~180,000 lines and a
    # quadratic int conversion before it was bounded
    assert events <= 500 + 8 * len(data), (name, events)
    if name != "4,097 varbinds":
        assert events <= 500, (name, events)  # refused at the bad field, whatever its size


def test_the_largest_valid_oid_decodes() -> None:
    oid = ".".join(["1", "3", *[str(2**32 - 1)] * 126])
    data = message(varbind(oid_body(oid)))
    assert decode_response(data).varbinds == [(oid, None)]
    assert line_events(lambda: decode_response(data)) < 500


def test_mutations_raise_only_the_codec_error_at_cost_linear_in_size() -> None:
    rng = random.Random(20261201)
    seeds = [message(GOOD, count=20), *MALFORMED.values()]
    pieces = [b"\xff" * 7, b"\x80", b"\x00", b"\x30\x84\x7f\xff\xff\xff", b"\x1f", b"\x46\x0a"]
    failures = 0
    for _ in range(2000):
        data = bytearray(rng.choice(seeds)[:4000])
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(data) + 1)
            action = rng.random()
            if action < 0.5 and data:
                data[min(position, len(data) - 1)] = rng.randrange(256)
            elif action < 0.7:
                del data[position : position + rng.randint(1, 8)]
            else:
                data[position:position] = rng.choice(pieces)
        try:
            events = line_events(functools.partial(decode_response, bytes(data)))
        except BerError:
            continue
        failures += events > 500 + 10 * len(data)
    assert failures == 0


@pytest.mark.peer
def test_a_poll_succeeds_while_the_device_address_and_others_send_garbage(
    snmpsim: Snmpsim, relays: list[Relay]
) -> None:
    garbage = (MALFORMED["60 KB arc in a name"], MALFORMED["9-octet INTEGER request-id"], b"\x00")
    relay = start_relay((snmpsim.host, snmpsim.port), garbage=garbage)
    relays.append(relay)
    config = validate(
        SnmpConfig,
        {"targets": [{"name": "sw", "address": relay.address, "community": "cisco-c3560"}]},
    )

    async def poll() -> tuple[bool, dict[str, Any], int]:
        client = SnmpClient("lean")
        states: dict[str, Any] = {}
        spray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            await client.session(config.targets[0])
            port = client._lean[socket.AF_INET]._transport.get_extra_info("sockname")[1]
            task = asyncio.ensure_future(poll_targets(client, config, config.targets, states))
            sprayed = 0
            while not task.done():  # garbage from another source all through the poll
                spray.sendto(MALFORMED["60 KB arc in a value"], ("127.0.0.1", port))
                sprayed += 1
                await asyncio.sleep(0.005)
            result = (await task)[0]
            return result.up, {f.name: f for f in device_self_metrics([result], states)}, sprayed
        finally:
            spray.close()
            client.close()

    up, families, sprayed = asyncio.run(poll())
    assert up
    assert sprayed > 0
    malformed = families["ictinfra_snmp_malformed_replies_total"].samples[0][1]
    assert malformed == len(garbage) * relay.forwarded  # the device's garbage, not the spray
    assert families["ictinfra_snmp_varbinds"].samples[0][1] > 100

"""The lean v1/v2c codec against pysnmp/pyasn1: same tables on every recording, same values on
every real response, and nothing but BerError on fuzzed input."""

from __future__ import annotations

import asyncio
import random
import socket
from pathlib import Path
from typing import Any

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from agent.collectors.snmp.ber import GET_BULK, BerError, decode_response, encode_request
from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.mibs import entity, hostres, ifmib, printer, system
from agent.collectors.snmp.pysnmp_sessions import plain_value
from agent.collectors.snmp.walk import Table, WalkPolicy, WalkStats, get_scalars, walk_columns
from agent.config.snmp import SnmpTarget
from agent.validation import validate
from tests.peers.common import REPO
from tests.peers.snmpsim import Snmpsim

CASES = sorted(
    p.parent.name for p in (REPO / "tests" / "cases" / "snmp").glob("*/recording.snmprec")
)
COLUMNS = [*ifmib.WALK_COLUMNS, *entity.WALK_COLUMNS, *hostres.WALK_COLUMNS, *printer.WALK_COLUMNS]


async def poll_with(codec: str, target: SnmpTarget) -> tuple[dict[str, Any], Table]:
    client = SnmpClient(codec)  # type: ignore[arg-type]
    try:
        session = await client.session(target)
        stats = WalkStats()
        scalars = await get_scalars(session, [*system.SCALARS, ifmib.IF_NUMBER], stats)
        table = await walk_columns(session, COLUMNS, WalkPolicy(25), stats)
        return scalars, table
    finally:
        client.close()


@pytest.mark.peer
@pytest.mark.parametrize("case", CASES)
def test_same_tables_as_pysnmp(case: str, snmpsim: Snmpsim) -> None:
    version = "1" if case == "windows-xp-v1" else "2c"
    target = validate(
        SnmpTarget,
        {
            "name": case,
            "address": snmpsim.address,
            "community": case,
            "version": version,
            "timeout": "5s",
        },
    )
    lean = asyncio.run(poll_with("lean", target))
    reference = asyncio.run(poll_with("pysnmp", target))
    assert lean[0] == reference[0]
    assert lean[1] == reference[1]
    assert sum(len(rows) for rows in lean[1].values()) > 0


def raw_responses(snmpsim: Snmpsim, case: str) -> list[bytes]:
    """Real GetResponse messages from snmpsim for a few bulk requests of the case."""
    out = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        for number, start in enumerate(
            [ifmib.IF_DESCR, "1.3.6.1.2.1.31.1.1.1.6", entity.ENT_PHYSICAL, "1.3.6.1.2.1.1"]
        ):
            sock.sendto(
                encode_request(
                    1, case.encode(), GET_BULK, 100 + number, [start], max_repetitions=20
                ),
                (snmpsim.host, snmpsim.port),
            )
            out.append(sock.recv(65535))
    return out


def pyasn1_view(data: bytes) -> tuple[int, int, int, list[tuple[str, Any]]]:
    message, rest = decoder.decode(data, asn1Spec=api.v2c.Message())
    assert not rest
    pdu = api.v2c.apiMessage.get_pdu(message)
    binds = [
        (".".join(map(str, oid.asTuple())), plain_value(value))
        for oid, value in api.v2c.apiPDU.get_varbinds(pdu)
    ]
    return (
        int(api.v2c.apiPDU.get_request_id(pdu)),
        int(api.v2c.apiPDU.get_error_status(pdu)),
        int(api.v2c.apiPDU.get_error_index(pdu)),
        binds,
    )


def lean_view(data: bytes) -> tuple[int, int, int, list[tuple[str, Any]]]:
    message = decode_response(data)
    return message.request_id, message.error_status, message.error_index, message.varbinds


@pytest.mark.peer
def test_real_responses_decode_like_pyasn1_and_fuzz_never_crashes(snmpsim: Snmpsim) -> None:
    rng = random.Random(20261121)
    responses = [
        r for case in CASES if case != "windows-xp-v1" for r in raw_responses(snmpsim, case)
    ]
    assert len(responses) >= 40
    for data in responses:
        assert lean_view(data) == pyasn1_view(data)
    disagreements = 0
    for _ in range(3000):
        data = bytearray(rng.choice(responses))
        for _ in range(rng.randint(1, 4)):
            action = rng.random()
            position = rng.randrange(len(data))
            if action < 0.6:
                data[position] = rng.randrange(256)
            elif action < 0.8:
                del data[position:]
            else:
                data[position:position] = bytes([rng.randrange(256)])
            if not data:
                data = bytearray(b"\x30")
        try:
            lean = lean_view(bytes(data))
        except BerError:
            continue
        try:
            reference = pyasn1_view(bytes(data))
        except Exception:
            continue  # we accepted what pyasn1 refuses: only worth counting
        disagreements += lean != reference
    assert disagreements == 0


def test_counter64_and_negative_integers_round_trip() -> None:
    pdu = api.v2c.GetResponsePDU()
    api.v2c.apiPDU.set_defaults(pdu)
    api.v2c.apiPDU.set_request_id(pdu, 7)
    api.v2c.apiPDU.set_varbinds(
        pdu,
        [
            ("1.3.6.1.2.1.31.1.1.1.6.1", api.v2c.Counter64(2**64 - 1)),
            ("1.3.6.1.2.1.31.1.1.1.6.2", api.v2c.Counter64(2**53 + 1)),
            ("1.3.6.1.2.1.2.2.1.8.1", api.v2c.Integer(-5)),
            ("1.3.6.1.2.1.1.2.0", api.v2c.ObjectIdentifier("1.3.6.1.4.1.2636.1.1.1.2.25")),
            ("1.3.6.1.2.1.4.20.1.1.10", api.v2c.IpAddress("10.0.0.1")),
            ("1.3.6.1.2.1.1.3.0", api.v2c.TimeTicks(4294967295)),
            ("1.3.6.1.2.1.1.99.0", api.v2c.NoSuchObject()),
        ],
    )
    message = api.v2c.Message()
    api.v2c.apiMessage.set_defaults(message)
    api.v2c.apiMessage.set_community(message, "public")
    api.v2c.apiMessage.set_pdu(message, pdu)
    data = encoder.encode(message)
    assert lean_view(data) == pyasn1_view(data)
    assert decode_response(data).varbinds[0][1] == 2**64 - 1


def test_truncated_and_garbage_input_is_a_clear_error() -> None:
    for data in (
        b"",
        b"\x30",
        b"\x30\x03\x02\x01",
        b"\x04\x00",
        bytes(range(40)),
        Path(__file__).read_bytes()[:200],
    ):
        with pytest.raises(BerError):
            decode_response(data)


def test_oid_round_trip_including_multi_octet_arcs() -> None:
    from agent.collectors.snmp.ber import decode_oid, encode_oid

    rng = random.Random(7)
    for _ in range(5000):
        first = rng.choice([0, 1, 2])
        second = rng.randrange(40) if first < 2 else rng.randrange(300)
        rest = [
            rng.choice([rng.randrange(128), rng.randrange(2**32)]) for _ in range(rng.randrange(12))
        ]
        oid = ".".join(map(str, [first, second, *rest]))
        assert decode_oid(encode_oid(oid)[2:]) == oid


MULTI_OCTET_LAST_ARC = [
    "1.3.6.1.2.1.2.2.1.2.128",
    "1.3.6.1.2.1.2.2.1.2.16383",
    "1.3.6.1.2.1.2.2.1.2.16384",
    "1.3.6.1.2.1.31.1.1.1.6.4294967295",
    "1.3.6.1.4.1.2636.3.1.13.1.5.9.1.0.0",
    "1.3.6.1.4.1.2636.3.1.13.1.5.9.1.0.200",
    "1.3.200",
    "2.999",
    "2.999.300",
    "0.0",
    "1.3",
]


def response_naming(oids: list[str]) -> bytes:
    """A GetResponse (encoded by pyasn1) whose varbinds are named, and valued, by `oids`."""
    pdu = api.v2c.GetResponsePDU()
    api.v2c.apiPDU.set_defaults(pdu)
    api.v2c.apiPDU.set_varbinds(pdu, [(oid, api.v2c.ObjectIdentifier(oid)) for oid in oids])
    message = api.v2c.Message()
    api.v2c.apiMessage.set_defaults(message)
    api.v2c.apiMessage.set_community(message, "public")
    api.v2c.apiMessage.set_pdu(message, pdu)
    return encoder.encode(message)


def test_oids_whose_last_arc_spans_several_octets_decode_like_pyasn1() -> None:
    from agent.collectors.snmp import ber

    ber._prefixes.clear()
    for _ in range(2):  # the first pass fills the prefix cache, the second reads it
        data = response_naming(MULTI_OCTET_LAST_ARC)
        assert lean_view(data) == pyasn1_view(data)
        assert [oid for oid, _ in lean_view(data)[3]] == MULTI_OCTET_LAST_ARC


def test_a_full_prefix_cache_stays_bounded_and_right() -> None:
    from agent.collectors.snmp import ber

    ber._prefixes.clear()
    columns = [f"1.3.6.1.4.1.9.9.{column}.1.1" for column in range(ber.PREFIX_CACHE_SIZE + 300)]
    oids = [f"{column}.{row}" for column in columns for row in (1, 200)]
    sizes = []
    for start in range(0, len(oids), 50):
        data = response_naming(oids[start : start + 50])
        assert lean_view(data) == pyasn1_view(data)
        sizes.append(len(ber._prefixes))
    assert ber.PREFIX_CACHE_SIZE - 25 < max(sizes) <= ber.PREFIX_CACHE_SIZE  # it filled up ...
    assert sizes[-1] < 400  # ... and was emptied, not grown
    for oid in oids[:100]:  # prefixes cached before the cache was emptied decode again
        assert ber.decode_oid(ber.encode_oid(oid)[2:]) == oid

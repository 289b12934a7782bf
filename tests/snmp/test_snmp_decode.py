"""Pure decoders and parsers on recorded values (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from agent.collectors.snmp.decode import display_string, mac_address, parse_date_and_time
from agent.collectors.snmp.mibs.ifmib import IF_DESCR, parse_if_mib
from agent.collectors.snmp.session import Response
from agent.collectors.snmp.vendor import enterprise_number, guess_kind, vendor_name
from agent.collectors.snmp.walk import WalkPolicy, WalkStats, walk_columns


@pytest.mark.parametrize(
    ("raw", "iso", "status"),
    [
        (bytes.fromhex("07e20a0900000000"), "2018-10-09T00:00:00", "ok"),  # h3c-comware-7-1-075
        (bytes.fromhex("07d0010203040506"), "2000-01-02T03:04:05.6", "ok"),
        (bytes.fromhex("07d00102030405002b0700"), "2000-01-02T03:04:05+07:00", "ok"),
        (bytes.fromhex("07e20301000000"), None, "unknown"),  # dptech-dpx800-a5: 7 octets
        (b"0000000000000000", None, "unknown"),  # paloalto-pa-5000: ASCII digits
        (bytes(11), None, "unknown"),  # arista: all zero
        (bytes(8), None, "unknown"),
        (bytes.fromhex("07e20d0100000000"), None, "unknown"),  # month 13
        (bytes.fromhex("07d00102030405003f0700"), None, "unknown"),  # bad tz sign
        (b"", None, "absent"),
        (None, None, "absent"),
    ],
)
def test_date_and_time(raw: bytes | None, iso: str | None, status: str) -> None:
    parsed = parse_date_and_time(raw)
    assert (parsed.iso, parsed.status) == (iso, status)
    if status == "unknown":
        assert parsed.reason


def test_display_string_and_hex() -> None:
    assert display_string(b"GigabitEthernet0/1") == "GigabitEthernet0/1"
    assert display_string(b"port\x00\x00") == "port"
    assert display_string(b"\x00\x1a\x2b") == "0x001A2B"
    assert display_string(b"Vi\xe1\xbb\x87t Nam") == "Việt Nam"
    assert display_string(b"\xff\xfe") == "0xFFFE"
    assert mac_address(bytes.fromhex("a0d3c1123456")) == "A0:D3:C1:12:34:56"


def test_counter64_beyond_2_53_stays_exact() -> None:
    huge = 2**64 - 1
    table = {IF_DESCR: {"1": b"eth0"}, "1.3.6.1.2.1.31.1.1.1.6": {"1": huge}}
    families = {f.name: f for f in parse_if_mib("d", table, 100, 1)}
    assert families["ifHCInOctets"].samples == [(("d", "", "eth0", "1", ""), huge)]
    assert isinstance(families["ifHCInOctets"].samples[0][1], int)


def test_vendor_from_iana_registry() -> None:
    assert enterprise_number("1.3.6.1.4.1.9.1.617") == 9
    assert enterprise_number("1.3.6.1.2.1.1") is None
    assert vendor_name(9) == "ciscoSystems"
    assert vendor_name(2636) == "Juniper Networks, Inc."
    assert (
        guess_kind("Cisco IOS Software, C3560 Software", 9, printer=False, host_resources=False)
        == "switch"
    )
    assert guess_kind("anything", 11, printer=True, host_resources=False) == "printer"
    assert (
        guess_kind("APC Web/SNMP Management Card", 318, printer=False, host_resources=False)
        == "ups"
    )


class BulkHater:
    """A fake device (unit test of the walker alone) whose GETBULK fails above 5 repetitions,
    and fails entirely when `no_bulk`; GETNEXT always works."""

    def __init__(self, rows: int, *, no_bulk: bool = False) -> None:
        self.version = "2c"
        self.rows = rows
        self.no_bulk = no_bulk
        self.bulk_calls: list[int] = []

    def _next(self, oid: str) -> tuple[str, int | None]:
        parts = oid.split(".")
        if len(parts) == 8:  # the column itself
            return f"{oid}.1", 1
        position = int(parts[-1]) + 1
        if position > self.rows:
            return "1.3.6.1.10", None
        return ".".join([*parts[:-1], str(position)]), position

    async def get(self, oids: Sequence[str]) -> Response:
        raise AssertionError("not used")

    async def next(self, oids: Sequence[str]) -> Response:
        return Response([(o, v) for o, v in (self._next(oid) for oid in oids)])

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        self.bulk_calls.append(max_repetitions)
        if self.no_bulk or max_repetitions > 5:
            return Response([], "timeout")
        varbinds = []
        current = list(oids)
        for _ in range(max_repetitions):
            step = [self._next(oid) for oid in current]
            varbinds.extend(step)
            current = [oid for oid, _ in step]
        return Response(varbinds)


@pytest.mark.parametrize("no_bulk", [False, True])
def test_walk_falls_back_for_devices_that_mishandle_bulk(no_bulk: bool) -> None:
    device = BulkHater(rows=12, no_bulk=no_bulk)
    policy, stats = WalkPolicy(max_repetitions=25), WalkStats()
    columns = ["1.3.6.1.9.1.1.1", "1.3.6.1.9.1.1.2"]
    table = asyncio.run(walk_columns(device, columns, policy, stats))
    for column in columns:
        assert table[column] == {str(i): i for i in range(1, 13)}
    if no_bulk:
        assert not policy.use_bulk
    else:
        assert policy.use_bulk and policy.max_repetitions <= 5
    assert stats.fallbacks >= 1

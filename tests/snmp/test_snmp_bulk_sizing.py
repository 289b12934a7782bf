"""GETBULK sized by ifNumber: fewer varbinds fetched from recorded devices, the same tables, and
the same tables again when the device's ifNumber is wrong (too small, zero or too large).

Several recordings are trimmed (arista: ifNumber 59, 30 rows; hpe-procurve: ifNumber 33, 42 rows),
so they also stand for devices whose ifNumber lies."""

from __future__ import annotations

import asyncio

import pytest

from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.mibs import ifmib
from agent.collectors.snmp.walk import Table, WalkPolicy, WalkStats, get_scalars, walk_columns
from agent.config.snmp import SnmpTarget
from agent.validation import validate
from tests.peers.snmpsim import Snmpsim

pytestmark = pytest.mark.peer

CASES = ["apc-ups", "arista", "cisco-c3560", "hpe-procurve", "juniper-mx960", "linux-host"]
HONEST = {"apc-ups", "cisco-c3560", "linux-host"}  # ifNumber = the rows the recording holds


async def walks(target: SnmpTarget) -> tuple[int, list[tuple[Table, WalkStats]]]:
    """(ifNumber, [(table, stats)] for no sizing, the true ifNumber and three wrong ones)."""
    client = SnmpClient("lean")
    try:
        session = await client.session(target)
        scalars = await get_scalars(session, [ifmib.IF_NUMBER], WalkStats())
        if_number = scalars[ifmib.IF_NUMBER]
        assert isinstance(if_number, int)
        out = []
        for announced in (None, if_number, 1, 0, 10 * if_number):
            stats = WalkStats()
            expected = None if announced is None else dict.fromkeys(ifmib.WALK_COLUMNS, announced)
            table = await walk_columns(
                session, ifmib.WALK_COLUMNS, WalkPolicy(25), stats, expected_rows=expected
            )
            out.append((table, stats))
        return if_number, out
    finally:
        client.close()


@pytest.mark.parametrize("case", CASES)
def test_sized_walk_fetches_less_and_finds_the_same_rows(case: str, snmpsim: Snmpsim) -> None:
    target = validate(
        SnmpTarget, {"name": case, "address": snmpsim.address, "community": case, "timeout": "5s"}
    )
    if_number, results = asyncio.run(walks(target))
    (plain, plain_stats), (sized, sized_stats), *wrong = results
    rows = len(plain[ifmib.IF_DESCR])
    assert rows > 0
    assert (rows == if_number) == (case in HONEST)
    assert sized == plain
    if case in HONEST:
        assert sized_stats.varbinds < plain_stats.varbinds
    else:
        assert sized_stats.varbinds <= plain_stats.varbinds + 4 * len(ifmib.WALK_COLUMNS)
    for table, stats in wrong:
        assert table == plain
        assert stats.errors == {} and stats.fallbacks == 0

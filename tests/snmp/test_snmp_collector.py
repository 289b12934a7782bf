"""The collector across cycles, as the service runs it: inventory tables hourly, interfaces every
cycle, the same sockets reused, and the inventory still reported between inventory runs."""

from __future__ import annotations

import asyncio
import socket

import pytest

from agent.collectors.snmp.collector import SnmpCollector
from agent.config.snmp import SnmpConfig
from agent.validation import validate
from tests.peers.snmpsim import Snmpsim

pytestmark = pytest.mark.peer


def test_inventory_hourly_interfaces_every_cycle(snmpsim: Snmpsim) -> None:
    config = validate(
        SnmpConfig,
        {
            "interval": "60s",  # a cycle budget no loaded machine runs out of
            "targets": [
                {"name": "sw", "address": snmpsim.address, "community": "h3c-mfg-date"},
                {"name": "host", "address": snmpsim.address, "community": "linux-host"},
            ],
        },
    )
    collector = SnmpCollector(config)

    async def two_cycles() -> tuple[object, ...]:
        first = await collector.collect()
        transport = collector._client._lean[socket.AF_INET]
        for state in collector._states.values():  # one interval later, without waiting for it
            state.last_poll -= collector.interval
        second = await collector.collect()
        same = transport is collector._client._lean[socket.AF_INET]
        collector.close()  # inside the loop, as the CLI and the service do
        return first, second, same

    first, second, same_socket = asyncio.run(two_cycles())
    assert same_socket
    requests = [
        {s[0][0]: s[1] for f in c.families if f.name == "ictinfra_snmp_requests" for s in f.samples}  # type: ignore[attr-defined]
        for c in (first, second)
    ]
    for collection in (first, second):
        up = [s for f in collection.families if f.name == "ictinfra_snmp_up" for s in f.samples]  # type: ignore[attr-defined]
        assert sorted((s[0][0], s[1]) for s in up) == [("host", 1.0), ("sw", 1.0)]
    assert requests[1]["sw"] < requests[0]["sw"]  # no ENTITY-MIB walk the second time
    for collection in (first, second):
        devices = {d["device"]: d for d in collection.inventory["devices"]}  # type: ignore[attr-defined]
        assert devices["sw"]["entities"], "inventory must stay reported between inventory runs"
        names = {f.name for f in collection.families}  # type: ignore[attr-defined]
        assert {"ifHCInOctets", "ictinfra_snmp_hr_storage_size_bytes"} <= names

"""A device whose poll takes longer than the scheduler's slack is still polled every interval."""

from __future__ import annotations

import asyncio

import pytest

from agent.collectors.snmp.collector import DUE_SLACK, SnmpCollector
from agent.config.snmp import SnmpConfig
from agent.validation import validate
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay, start_relay

pytestmark = pytest.mark.peer
INTERVAL = 5.0  # the poll (~2.4 s) must fit its 80 % share with room on a loaded machine
CYCLES = 3


def test_a_slow_device_is_polled_every_interval(snmpsim: Snmpsim, relays: list[Relay]) -> None:
    # each request waits 0.2 s: the walk of this switch takes several, well over DUE_SLACK
    slow = start_relay((snmpsim.host, snmpsim.port), delay=0.2)
    relays.append(slow)
    config = validate(SnmpConfig, {
        "interval": f"{INTERVAL}s",
        "targets": [{"name": "slow", "address": slow.address, "community": "cisco-c3560",
                     "timeout": "2s", "modules": ["if_mib"]}],
    })  # fmt: skip

    async def scheduler() -> list[float]:
        """What the service loop does: collect() at the start of each interval slot."""
        collector = SnmpCollector(config)
        loop = asyncio.get_running_loop()
        start, durations = loop.time(), []
        try:
            for cycle in range(CYCLES):
                await asyncio.sleep(max(0.0, start + cycle * INTERVAL - loop.time()))
                began = loop.time()
                collection = await collector.collect()
                durations.append(loop.time() - began)
                up = [f for f in collection.families if f.name == "ictinfra_snmp_up"]
                assert up and up[0].samples[0][1] == 1, f"cycle {cycle}: device not up"
        finally:
            collector.close()
        return durations

    # a device not due returns at once; one polled takes its walk time, here over the slack
    durations = asyncio.run(scheduler())
    assert all(d > DUE_SLACK for d in durations), f"skipped a slot: {durations}"

"""SNMP over IPv6 loopback, with both codecs."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import poll_targets
from agent.config.snmp import SnmpConfig
from agent.validation import validate
from tests.peers.common import REPO
from tests.peers.snmpsim import Snmpsim

pytestmark = pytest.mark.peer


@pytest.mark.parametrize("codec", ["lean", "pysnmp"])
def test_ipv6_target(snmpsim: Snmpsim, codec: str) -> None:
    if snmpsim.port6 is None:
        pytest.skip("no IPv6 loopback on this machine")
    config = validate(
        SnmpConfig,
        {
            "codec": codec,
            "targets": [
                {"name": "v6", "address": f"[::1]:{snmpsim.port6}", "community": "cisco-c3560"}
            ],
        },
    )

    async def poll() -> dict[str, int | float]:
        client = SnmpClient(config.codec)
        try:
            results = await poll_targets(client, config, config.targets, {}, inventory=[])
        finally:
            client.close()
        assert results[0].up, results[0].error
        family = next(f for f in results[0].families if f.name == "ifHCInOctets")
        return {labels[3]: value for labels, value in family.samples}

    expected = json.loads((REPO / "tests/cases/snmp/cisco-c3560/expected.json").read_text())
    want = {
        i: row["ifHCInOctets"] for i, row in expected["interfaces"].items() if "ifHCInOctets" in row
    }
    assert asyncio.run(poll()) == want

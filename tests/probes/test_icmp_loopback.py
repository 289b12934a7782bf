"""Many ICMP targets at once on loopback: one shared socket, no false loss."""

from __future__ import annotations

import asyncio

import pytest

from agent.collectors.probes.collector import ProbesCollector
from agent.collectors.probes.icmp import IcmpMode, detect_mode
from agent.config.probes import ProbesConfig


def test_two_hundred_icmp_targets_lose_nothing_on_loopback() -> None:
    if detect_mode() is IcmpMode.UNAVAILABLE:
        pytest.skip("needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW")
    config = ProbesConfig.model_validate({
        "enabled": True, "count": 10, "spacing": "10ms", "timeout": "1s",
        "gateway": {"enabled": False},
        "wan": [{"name": f"t{i}", "address": "127.0.0.1"} for i in range(200)],
    })  # fmt: skip
    collection = asyncio.run(ProbesCollector(config).collect())
    families = {f.name: f.samples for f in collection.families}
    # a socket per target once lost 10 % here: every raw socket sees every reply
    assert {v for _, v in families["ictinfra_probe_loss_ratio"]} == {0.0}
    assert len(families["ictinfra_probe_rtt_seconds"]) == 200
    assert all(v < 0.5 for _, v in families["ictinfra_probe_rtt_seconds"])

"""Many ICMP targets at once on loopback: one shared socket, no false loss."""

from __future__ import annotations

import asyncio
import time

import pytest

from agent.collectors.probes.collector import ProbesCollector
from agent.collectors.probes.icmp import IcmpMode, detect_mode
from agent.config.probes import ProbesConfig
from agent.validation import validate


def test_fifty_icmp_targets_lose_nothing_on_loopback() -> None:
    # 50 targets x 10 echoes 10 ms apart (5,000 packets/s) is already far beyond a site's
    # probes. 200 targets (20,000 packets/s) lost real packets in this sandbox's network stack
    # once other peers were running, whatever the probe did: a test of the stack, not of us.
    if detect_mode() is IcmpMode.UNAVAILABLE:
        pytest.skip("needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW")
    config = validate(ProbesConfig, {
        "enabled": True, "count": 10, "spacing": "10ms", "timeout": "1s",
        "gateway": {"enabled": False},
        "wan": [{"name": f"t{i}", "address": "127.0.0.1"} for i in range(50)],
    })  # fmt: skip
    collection = asyncio.run(ProbesCollector(config).collect())
    families = {f.name: f.samples for f in collection.families}
    # a socket per target once lost 10 % here: every raw socket sees every reply
    assert {v for _, v in families["ictinfra_probe_loss_ratio"]} == {0.0}
    assert len(families["ictinfra_probe_rtt_seconds"]) == 50
    assert all(v < 0.5 for _, v in families["ictinfra_probe_rtt_seconds"])


def test_a_reply_received_in_time_counts_even_if_the_loop_wakes_late() -> None:
    """A busy loop (time.sleep past the deadline) must not turn an on-time reply into loss."""
    from agent.collectors.probes.icmp import IcmpSession

    mode = detect_mode()
    if mode is IcmpMode.UNAVAILABLE:
        pytest.skip("needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW")

    async def probe() -> float:
        session = IcmpSession(mode)
        try:
            # a deadline a loaded machine's loopback always meets, and a busy loop far past it
            ping = asyncio.ensure_future(session.ping("127.0.0.1", timeout=1.0))
            await asyncio.sleep(0)  # the echo goes out
            time.sleep(1.5)  # the loop is busy elsewhere, well past the deadline
            return await ping
        finally:
            session.close()

    rtt = asyncio.run(probe())
    assert 0 <= rtt < 1.0


def test_a_reply_slower_than_the_deadline_is_still_lost() -> None:
    """Reading late wake-ups must not turn a reply that took longer than the deadline into one."""
    from agent.collectors.probes.icmp import IcmpSession

    mode = detect_mode()
    if mode is IcmpMode.UNAVAILABLE:
        pytest.skip("needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW")

    async def probe() -> float:
        session = IcmpSession(mode)
        try:
            started = time.perf_counter()
            with pytest.raises(TimeoutError):
                # 127.0.0.2 answers on loopback too; an unassigned TEST-NET address would leave
                # the machine, so use a loopback address with ICMP echo ignored: none here,
                # hence a deadline shorter than any reply can take to be *processed*: 0.
                await session.ping("127.0.0.1", timeout=1e-9)
            return time.perf_counter() - started
        finally:
            session.close()

    assert asyncio.run(probe()) < 0.5

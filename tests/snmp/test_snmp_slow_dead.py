"""A device that never answers, one that answers too slowly, one that answers slowly but in
time, and one that speaks SNMPv1 only asked in v2c: the cycle still ends on time and the
healthy device is polled in full."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.peers.common import REPO, agent_command, free_port, subprocess_env
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay, start_relay
from tests.snmp.promtext import by_device, parse_samples, value_of

pytestmark = pytest.mark.peer
POLL_TIMEOUT = 4.0
# The too-slow device's walk (~47 requests, each answered 1.5 s late) would take ~70 s if the
# deadline did not cut it: the bounds below leave a loaded machine room and still tell the two.
UNCUT_WALK = 70.0
# The devices that must come up get limits of their own: on a loaded machine snmpsim alone takes
# longer than POLL_TIMEOUT to answer the healthy device's walk.
ROOMY = {"timeout": "10s", "poll_timeout": "60s"}
CISCO = REPO / "tests" / "cases" / "snmp" / "cisco-c3560"


def test_dead_and_slow_devices_do_not_hold_the_cycle(
    snmpsim: Snmpsim, relays: list[Relay], tmp_path: Path
) -> None:
    upstream = (snmpsim.host, snmpsim.port)
    too_slow = start_relay(upstream, delay=1.5)
    slow = start_relay(upstream, delay=0.2)
    v1_only = start_relay(upstream, v1_only=True)
    relays.extend([too_slow, slow, v1_only])
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers
    silent.bind(("127.0.0.1", free_port(socket.SOCK_DGRAM)))
    dead_address = f"127.0.0.1:{silent.getsockname()[1]}"

    def target(name: str, address: str, community: str, **extra: object) -> dict[str, object]:
        return {
            "name": name,
            "address": address,
            "community": community,
            "timeout": "1s",
            "retries": 1,
            **extra,
        }

    config = {
        "snmp": {
            "poll_timeout": f"{POLL_TIMEOUT}s",
            "targets": [
                target("healthy", snmpsim.address, "cisco-c3560", **ROOMY),
                target("dead", dead_address, "public"),
                target("too-slow", too_slow.address, "cisco-c3560", timeout="3s"),
                target("slow", slow.address, "linux-host", **ROOMY),
                target("v1-only-asked-v2c", v1_only.address, "windows-xp-v1"),
            ],
        },
        "host": {"enabled": False},
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(config))
    started = time.monotonic()
    result = subprocess.run(
        agent_command("once", "--config", str(path)),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    elapsed = time.monotonic() - started
    silent.close()
    samples = parse_samples(result.stdout)
    up = {
        d: value_of(samples, "ictinfra_snmp_up", device=d)
        for d in ("healthy", "dead", "too-slow", "slow", "v1-only-asked-v2c")
    }
    assert up == {"healthy": 1, "dead": 0, "too-slow": 0, "slow": 1, "v1-only-asked-v2c": 0}, (
        result.stderr
    )
    # Python start-up + import (~2 s, far more on a loaded box) + the longest device's poll.
    assert elapsed < 60 + 30, elapsed
    assert value_of(samples, "ictinfra_snmp_errors_total", device="too-slow", kind="deadline") == 1
    assert value_of(samples, "ictinfra_snmp_errors_total", device="dead", kind="timeout") >= 1
    assert value_of(samples, "ictinfra_snmp_timeouts_total", device="dead") >= 1
    expected = json.loads((CISCO / "expected.json").read_text())
    got = by_device(samples, "ifHCInOctets", "healthy", "ifIndex")
    assert got == {
        i: row["ifHCInOctets"] for i, row in expected["interfaces"].items() if "ifHCInOctets" in row
    }
    assert v1_only.dropped >= 1 and v1_only.forwarded == 0
    duration = value_of(samples, "ictinfra_snmp_poll_duration_seconds", device="too-slow")
    assert duration is not None and POLL_TIMEOUT - 0.5 < duration < UNCUT_WALK / 2
    deadlines = {"healthy": 60, "slow": 60, "dead": POLL_TIMEOUT, "v1-only-asked-v2c": POLL_TIMEOUT}
    for device, deadline in deadlines.items():  # each within its own deadline (a late loop: +5)
        took = value_of(samples, "ictinfra_snmp_poll_duration_seconds", device=device)
        assert took is not None and took < deadline + 5, (device, took)


def test_queued_devices_share_what_is_left_of_the_cycle() -> None:
    """With one slot and two silent devices, the second gets only the rest of the budget."""
    import asyncio

    from agent.collectors.snmp.client import SnmpClient
    from agent.collectors.snmp.poller import DeviceState, poll_targets
    from agent.config.snmp import SnmpConfig
    from agent.validation import validate

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    address = f"127.0.0.1:{silent.getsockname()[1]}"
    config = validate(
        SnmpConfig,
        {
            "concurrency": 1,
            "targets": [
                {"name": f"silent-{i}", "address": address, "timeout": "1s", "retries": 5}
                for i in range(2)
            ],
        },
    )

    async def run() -> list[bool]:
        client = SnmpClient()
        states: dict[str, DeviceState] = {}
        try:
            results = await poll_targets(client, config, config.targets, states, cycle_budget=2.5)
        finally:
            client.close()
        return [r.up for r in results]

    started = time.monotonic()
    assert asyncio.run(run()) == [False, False]
    silent.close()
    # 2.5 s; had the second device got its own budget, its 6 tries of 1 s would make it 8.5 s.
    assert time.monotonic() - started < 7.0


def test_device_that_ignores_getbulk_is_walked_with_getnext(
    snmpsim: Snmpsim, relays: list[Relay], tmp_path: Path
) -> None:
    no_bulk = start_relay((snmpsim.host, snmpsim.port), no_bulk=True)
    relays.append(no_bulk)
    case = REPO / "tests" / "cases" / "snmp" / "linux-host"
    config = {
        "snmp": {
            "targets": [
                {
                    "name": "no-bulk",
                    "address": no_bulk.address,
                    "community": "linux-host",
                    # each dropped GETBULK costs one timeout; an answer to a GETNEXT may come
                    # late on a loaded machine (1 s was missed once in 5 runs at load 7)
                    "timeout": "3s",
                    "retries": 0,
                }
            ]
        },
        "host": {"enabled": False},
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        agent_command("once", "--config", str(path)),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    samples = parse_samples(result.stdout)
    assert value_of(samples, "ictinfra_snmp_up", device="no-bulk") == 1, result.stderr
    assert value_of(samples, "ictinfra_snmp_max_repetitions", device="no-bulk") == 0
    assert value_of(samples, "ictinfra_snmp_bulk_fallbacks_total", device="no-bulk") >= 1
    expected = json.loads((case / "expected.json").read_text())
    got = by_device(samples, "ifHCInOctets", "no-bulk", "ifIndex")
    assert got == {
        i: row["ifHCInOctets"] for i, row in expected["interfaces"].items() if "ifHCInOctets" in row
    }
    assert no_bulk.dropped >= 1

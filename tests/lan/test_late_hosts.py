"""Hosts that answer ARP late, or lose replies, are still found: the sweep's short passes
listen all along, so an answer to an earlier pass counts, and the silent are asked again.

A LAN of namespaces with one host whose replies are 300 ms late and one that drops 30 % of
them (netem, or the userspace relay where the kernel has none). What is found is asserted,
never how fast: the figures are bench/lan_sweep.py's.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.peers.common import agent_command, subprocess_env
from tests.peers.netns import LanFactory, NamespaceLan

SUBNET = "10.83.0.0/24"


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory) -> NamespaceLan:
    lan = make_lan(hosts=4, subnet=SUBNET)
    lan.netem(lan.add_host("slow"), delay="300ms")
    lan.netem(lan.add_host("lossy"), loss="30%")
    return lan


def _discover(lan: NamespaceLan, timeout: float, retries: int) -> set[tuple[str, str]]:
    args = agent_command("discover", "--interface", "eth0", "--cidr", SUBNET,
                         "--timeout", str(timeout), "--retries", str(retries))  # fmt: skip
    result = subprocess.run(lan.command(lan.agent.ns, args), capture_output=True, text=True,
                            timeout=60, env=subprocess_env(), check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {(ip, mac) for ip, mac, _ in (line.split(" ", 2) for line in result.stdout.splitlines())}


def _everyone(lan: NamespaceLan) -> set[tuple[str, str]]:
    return {(h.ip, h.mac) for h in lan.hosts.values()}


def test_a_late_host_is_found_though_each_pass_listens_less_than_its_delay(
    lan: NamespaceLan,
) -> None:
    # 4 passes listening 0.2 s each: the answer to the first request comes during a later pass.
    assert _discover(lan, timeout=0.8, retries=3) == _everyone(lan)


def test_a_host_losing_replies_is_found_by_the_passes_after_the_first(lan: NamespaceLan) -> None:
    # 6 passes: all six replies lost happens 0.3^6 = 0.07 % of the time.
    assert _discover(lan, timeout=1.2, retries=5) == _everyone(lan)


def test_one_pass_that_listens_long_enough_finds_the_late_host(lan: NamespaceLan) -> None:
    found = _discover(lan, timeout=1.5, retries=0)
    assert (lan.hosts["slow"].ip, lan.hosts["slow"].mac) in found

"""The raw-socket ARP sweep on a LAN of namespaces: hosts that answer late, or lose replies,
are still found (the short passes listen all along, so an answer to an earlier pass counts, and
the silent are asked again), and a subnet where we have no address is swept with ARP probes.

One host's replies are 300 ms late and another drops 30 % of them (netem, or the userspace
relay where the kernel has none). What is found is asserted, never how fast: the figures are
bench/lan_sweep.py's.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
    # The lossy host is the next test's: 4 passes miss it 0.3^4 = 0.8 % of the time.
    lossy = lan.hosts["lossy"]
    found = _discover(lan, timeout=0.8, retries=3)
    assert found - {(lossy.ip, lossy.mac)} == _everyone(lan) - {(lossy.ip, lossy.mac)}


def test_a_host_losing_replies_is_found_by_the_passes_after_the_first(lan: NamespaceLan) -> None:
    # 6 passes: all six replies lost happens 0.3^6 = 0.07 % of the time.
    assert _discover(lan, timeout=1.2, retries=5) == _everyone(lan)


def test_one_pass_that_listens_long_enough_finds_the_late_host(lan: NamespaceLan) -> None:
    found = _discover(lan, timeout=1.5, retries=0)
    assert (lan.hosts["slow"].ip, lan.hosts["slow"].mac) in found


PROBE_SWEEP = (
    "import json, sys\n"
    "from ipaddress import IPv4Network\n"
    "from agent.collectors.lan.arp import arp_sweep\n"
    "from agent.collectors.lan.subnets import Subnet\n"
    "print(json.dumps(arp_sweep(Subnet('eth0', IPv4Network(sys.argv[1]), None), 1.2, 5)))\n"
)


def test_without_an_address_of_ours_the_sweep_asks_with_arp_probes(lan: NamespaceLan) -> None:
    """Sender 0.0.0.0 (what `cidrs: [X@eth0]` does where we have no address): hosts answer.
    6 passes, as above, for the lossy host."""
    cmd = lan.command(lan.agent.ns, [sys.executable, "-c", PROBE_SWEEP, SUBNET])
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                            env=subprocess_env(), check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout).items()) == _everyone(lan)


NOT_ETHERNET = (
    "import json\n"
    "from ipaddress import IPv4Address, IPv4Network\n"
    "from agent.collectors.lan.job import SweepOptions, run_sweep\n"
    "from agent.collectors.lan.subnets import Subnet\n"
    "subnet = Subnet('lo', IPv4Network('127.0.0.0/30'), IPv4Address('127.0.0.1'))\n"
    "print(json.dumps(run_sweep([subnet], SweepOptions()).to_json()))\n"
)


def test_an_interface_without_ethernet_is_a_failed_subnet_not_a_crash(lan: NamespaceLan) -> None:
    cmd = lan.command(lan.agent.ns, [sys.executable, "-c", NOT_ETHERNET])
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                            env=subprocess_env(), check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    (subnet,) = json.loads(result.stdout)["subnets"]
    assert subnet["success"] is False and "lo is not an Ethernet interface" in subnet["error"]

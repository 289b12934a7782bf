"""Interface rates against a known transfer across the namespace LAN's veths."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.collectors.bandwidth.collector import BandwidthCollector
from agent.config import AgentConfig
from agent.model import Collection
from agent.validation import validate
from tests.peers.common import agent_command, subprocess_env
from tests.peers.netns import Host, LanFactory, NamespaceLan
from tests.probes.metrics import parse, promtool_accepts, value

pytestmark = [pytest.mark.netns, pytest.mark.peer]

PAYLOAD = 1400
DATAGRAMS = 3000
RATE = 2_000_000  # bytes/s of payload: the transfer takes ~2.1 s
# On a veth, /proc/net/dev counts whole frames: Ethernet (14) + IPv4 (20) + UDP (8) headers.
WIRE = DATAGRAMS * (PAYLOAD + 14 + 20 + 8)
PORT = 9999

SINK = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind((sys.argv[1], int(sys.argv[2])))\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    s.recv(65536)\n"
)
# Sends `count` datagrams of `size` bytes, paced to `rate` bytes/s on an absolute schedule.
SEND = (
    "import socket, sys, time\n"
    "ip, port, size, count, rate = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); data = b'x' * size\n"
    "start = time.monotonic()\n"
    "for i in range(count):\n"
    "    due = start + i * size / rate - time.monotonic()\n"
    "    if due > 0:\n"
    "        time.sleep(due)\n"
    "    s.sendto(data, (ip, port))\n"
)


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory) -> Iterator[NamespaceLan]:
    lan = make_lan(subnet="10.82.0.0/24")
    lan.add_host("tx")
    rx = lan.add_host("rx")
    sink = lan.popen(rx.ns, [sys.executable, "-c", SINK, rx.ip, str(PORT)],
                     stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    yield lan


def send(lan: NamespaceLan, source: Host, to: Host, count: int, rate: int) -> None:
    lan.exec(source.ns, [sys.executable, "-c", SEND, to.ip, str(PORT), str(PAYLOAD),
                         str(count), str(rate)], timeout=60)  # fmt: skip


def pid_in(lan: NamespaceLan, host: Host) -> int:
    """A process living in the host's namespace: /proc/<pid>/net/dev is that namespace's."""
    pid = lan.popen(host.ns, ["sleep", "600"]).pid
    target = os.stat(f"/run/netns/{host.ns}").st_ino
    deadline = time.monotonic() + 10
    while os.stat(f"/proc/{pid}/ns/net").st_ino != target:  # until `ip netns exec` did setns
        assert time.monotonic() < deadline, "the process never entered the namespace"
        time.sleep(0.01)
    return pid


def collector_for(pid: int) -> BandwidthCollector:
    section = {"enabled": True, "proc_root": f"/proc/{pid}", "interfaces": ["eth0"], "warmup": 0}
    config = validate(AgentConfig, {"bandwidth": section})
    return BandwidthCollector(config)


def rates(collection: Collection) -> dict[str, float]:
    found = {}
    for family in collection.families:
        for labels, number in family.samples:
            if labels == ("eth0",):
                found[family.name] = float(number)
    return found


def test_rates_match_a_known_transfer(lan: NamespaceLan) -> None:
    tx, rx = lan.hosts["tx"], lan.hosts["rx"]
    send(lan, tx, rx, 1, RATE)  # resolve ARP before the window opens
    sender, receiver = collector_for(pid_in(lan, tx)), collector_for(pid_in(lan, rx))
    assert asyncio.run(sender.collect()).families[0].samples == []  # first reading: no rate
    asyncio.run(receiver.collect())
    opened = time.monotonic()
    send(lan, tx, rx, DATAGRAMS, RATE)
    sent_rates = rates(asyncio.run(sender.collect()))
    received_rates = rates(asyncio.run(receiver.collect()))
    window = time.monotonic() - opened
    expected = WIRE / window
    transmit = sent_rates["ictinfra_interface_transmit_bytes_per_second"]
    receive = received_rates["ictinfra_interface_receive_bytes_per_second"]
    print(f"\nwire {WIRE} B in {window:.3f} s: expected {expected:.0f} B/s,"
          f" tx {transmit:.0f}, rx {receive:.0f}")  # fmt: skip
    assert transmit == pytest.approx(expected, rel=0.05), (transmit, expected, window)
    assert receive == pytest.approx(expected, rel=0.05), (receive, expected, window)
    # nothing flows the other way but the odd ARP frame
    assert sent_rates["ictinfra_interface_receive_bytes_per_second"] < expected * 0.01


def test_once_in_the_namespace_reports_rates_and_utilization(
    lan: NamespaceLan, tmp_path: Path
) -> None:
    tx, rx = lan.hosts["tx"], lan.hosts["rx"]
    config = tmp_path / "agent.yaml"
    config.write_text("bandwidth:\n  enabled: true\n  warmup: 1s\n  interfaces: [eth0]\n")
    background = lan.popen(tx.ns, [sys.executable, "-c", SEND, rx.ip, str(PORT), str(PAYLOAD),
                                   "4000", str(RATE)])  # fmt: skip
    result = subprocess.run(
        lan.command(tx.ns, agent_command("once", "--config", str(config))),
        capture_output=True, text=True, env=subprocess_env(), timeout=60, check=False,
    )  # fmt: skip
    background.wait(30)
    assert result.returncode == 0, result.stderr
    promtool_accepts(result.stdout)
    samples = parse(result.stdout)
    transmit = value(samples, "ictinfra_interface_transmit_bytes_per_second", interface="eth0")
    assert transmit is not None and transmit > RATE * 0.3
    speed = value(samples, "ictinfra_interface_speed_bytes_per_second", interface="eth0")
    assert speed == 10e9 / 8  # a veth says 10 Gbit/s
    ratio = value(samples, "ictinfra_interface_utilization_ratio", interface="eth0",
                  direction="transmit")  # fmt: skip
    assert ratio == pytest.approx(transmit / speed, rel=1e-3)
    assert value(samples, "ictinfra_collector_success", collector="bandwidth") == 1

"""The namespace LAN itself: hosts reach each other, removal unplugs, netem applies."""

from __future__ import annotations

import pytest

from tests.peers.netns import LanFactory, NamespaceLan


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory) -> NamespaceLan:
    return make_lan(hosts=3, subnet="10.78.0.0/24")


def _neighbour_mac(lan: NamespaceLan, ip: str) -> str | None:
    # Provoke ARP with a UDP datagram (no ping installed), then read the kernel's table.
    lan.exec(lan.agent.ns, ["python3", "-c",
             f"import socket; socket.socket(2, 2).sendto(b'x', ('{ip}', 9))"])  # fmt: skip
    lan.exec(lan.agent.ns, ["sleep", "0.3"])
    out = lan.exec(lan.agent.ns, ["ip", "neigh", "show", ip]).stdout.split()
    return out[out.index("lladdr") + 1] if "lladdr" in out else None


def test_hosts_have_addresses_and_macs_and_answer_arp(lan: NamespaceLan) -> None:
    assert lan.agent.ip == "10.78.0.254"
    assert sorted(h.ip for h in lan.hosts.values()) == ["10.78.0.2", "10.78.0.3", "10.78.0.4"]
    host = lan.hosts["h1"]
    assert _neighbour_mac(lan, host.ip) == host.mac
    shown = lan.exec(host.ns, ["ip", "-br", "addr", "show", "eth0"]).stdout
    assert f"{host.ip}/24" in shown


ECHO = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 7007))\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    data, peer = s.recvfrom(64); s.sendto(data, peer)\n"
)
# 100 UDP probes 10 ms apart, all in flight at once; prints "<replies> <median rtt ms>".
PROBE = (
    "import socket, statistics, threading, time\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5); s.bind(('', 0))\n"
    "sent, rtts = {}, []\n"
    "def receive():\n"
    "    try:\n"
    "        while len(rtts) < 100:\n"
    "            data = s.recv(64); rtts.append(time.monotonic() - sent[int(data)])\n"
    "    except TimeoutError:\n"
    "        pass\n"
    "receiver = threading.Thread(target=receive); receiver.start()\n"
    "for i in range(100):\n"
    "    sent[i] = time.monotonic(); s.sendto(str(i).encode(), ('{ip}', 7007)); time.sleep(0.01)\n"
    "receiver.join()\n"
    "print(len(rtts), statistics.median(rtts) * 1000)\n"
)


def _udp_probe(lan: NamespaceLan, ip: str) -> tuple[int, float]:
    replies, median_ms = lan.exec(
        lan.agent.ns, ["python3", "-c", PROBE.replace("{ip}", ip)]
    ).stdout.split()
    return int(replies), float(median_ms)


def test_netem_delays_and_drops_the_hosts_replies(lan: NamespaceLan) -> None:
    import subprocess

    host = lan.add_host("slow")
    echo = lan.popen(host.ns, ["python3", "-c", ECHO], stdout=subprocess.PIPE, text=True)
    assert echo.stdout is not None and echo.stdout.readline().strip() == "ready"
    replies, median_ms = _udp_probe(lan, host.ip)
    assert replies == 100 and median_ms < 15
    lan.netem(host, delay="40ms", loss="30%")
    replies, median_ms = _udp_probe(lan, host.ip)
    assert 50 <= replies <= 90, replies
    assert 36 <= median_ms <= 60, median_ms
    lan.netem(host)
    replies, median_ms = _udp_probe(lan, host.ip)
    assert replies == 100 and median_ms < 15


def test_removed_host_is_gone(lan: NamespaceLan) -> None:
    extra = lan.add_host("extra", mac="00:00:0c:12:34:56")
    assert _neighbour_mac(lan, extra.ip) == "00:00:0c:12:34:56"
    lan.remove_host(extra)
    assert "extra" not in lan.hosts
    listed = lan.exec(lan.lan_ns, ["ip", "-br", "link"]).stdout
    assert extra.port not in listed.split()
    namespaces = lan.exec(lan.agent.ns, ["ip", "netns", "list"]).stdout
    assert extra.ns not in namespaces

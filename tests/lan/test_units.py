"""Pure parts of LAN discovery, on recorded data: subnets, OUI vendors, neighbour tables."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agent.collectors.lan.neighbours import parse_ip_neigh_json, parse_proc_net_arp
from agent.collectors.lan.oui import manuf_keys, scapy_vendor_lookup, vendor_of
from agent.collectors.lan.subnets import InterfaceAddress, parse_interfaces, select_subnets
from agent.config.lan import LanConfig
from agent.validation import validate

DATA = Path(__file__).with_name("data")


def _addr(address: str, netmask: str | None, family: int = socket.AF_INET) -> SimpleNamespace:
    return SimpleNamespace(family=family, address=address, netmask=netmask, ptp=None)


def test_parse_interfaces_keeps_up_ipv4_broadcast_interfaces() -> None:
    addrs = {
        "lo": [_addr("127.0.0.1", "255.0.0.0")],
        "eth0": [_addr("192.168.1.10", "255.255.255.0"), _addr("fe80::1", None, 10)],
        "eth1": [_addr("10.1.0.5", "255.255.240.0")],
        "down0": [_addr("172.16.0.1", "255.255.255.0")],
        "tun0": [
            SimpleNamespace(
                family=socket.AF_INET, address="10.9.0.1", netmask="255.255.255.255", ptp="10.9.0.2"
            )
        ],
    }
    up = SimpleNamespace(isup=True)
    stats = {"lo": up, "eth0": up, "eth1": up, "tun0": up, "down0": SimpleNamespace(isup=False)}
    found = parse_interfaces(addrs, stats)
    assert [(f.interface, str(f.network)) for f in found] == [
        ("eth0", "192.168.1.0/24"),
        ("eth1", "10.1.0.0/20"),
    ]


AVAILABLE = [
    InterfaceAddress("eth0", IPv4Address("192.168.1.10"), IPv4Network("192.168.1.0/24")),
    InterfaceAddress("eth1", IPv4Address("10.0.0.5"), IPv4Network("10.0.0.0/16")),
    InterfaceAddress("eth2", IPv4Address("10.8.0.5"), IPv4Network("10.8.0.0/20")),
]


def test_automatic_choice_skips_subnets_larger_than_max_prefix() -> None:
    subnets, problems = select_subnets(AVAILABLE, [], [], max_prefix=20)
    assert [(s.interface, s.label) for s in subnets] == [
        ("eth0", "192.168.1.0/24"),
        ("eth2", "10.8.0.0/20"),
    ]
    assert problems == []
    assert subnets[0].address == IPv4Address("192.168.1.10")
    assert "192.168.1.10" not in subnets[0].targets() and len(subnets[0].targets()) == 253


def test_nothing_to_sweep_is_a_problem_not_silence() -> None:
    subnets, problems = select_subnets(AVAILABLE[1:2], [], [], max_prefix=20)
    assert subnets == [] and "no up interface" in problems[0]


def test_configured_interfaces_and_cidrs_say_what_cannot_be_swept() -> None:
    subnets, problems = select_subnets(AVAILABLE, ["eth1", "wlan9"], [], max_prefix=20)
    assert subnets == []
    assert any("wlan9" in p for p in problems)
    assert any("10.0.0.0/16 on eth1 is larger than /20" in p for p in problems)
    cidrs = [("10.0.3.0/24", None), ("172.20.0.0/24", "eth1"), ("172.21.0.0/24", None)]
    subnets, problems = select_subnets(AVAILABLE, [], cidrs, max_prefix=20)
    assert [(s.interface, s.label, s.address) for s in subnets] == [
        ("eth1", "10.0.3.0/24", IPv4Address("10.0.0.5")),
        ("eth1", "172.20.0.0/24", None),  # no address of ours there: ARP probes
    ]
    assert problems == [
        "no up interface has an address in 172.21.0.0/24; name one: 172.21.0.0/24@IF"
    ]


def test_config_keys_and_bad_cidr() -> None:
    config = validate(LanConfig, {"enabled": True, "cidrs": ["10.0.0.0/24@eth1"]})
    assert config.interval == 900.0 and config.max_prefix == 20
    assert not config.snmp_autodiscovery
    assert config.subnet_cidrs() == [("10.0.0.0/24", "eth1")]
    with pytest.raises(ValueError, match="not an IPv4 subnet"):
        validate(LanConfig, {"cidrs": ["10.0.0.0/33"]})


def test_manuf_keys_longest_prefix_first() -> None:
    assert manuf_keys("00:1b:c5:00:1a:bc") == ["00:1B:C5:00:10/36", "00:1B:C5:00/28", "00:1B:C5"]
    assert manuf_keys("not-a-mac") == []


def test_vendor_of_prefers_the_longest_block() -> None:
    table = {"00:1B:C5": ("IEEERegist", "IEEE Registration Authority"),
             "00:1B:C5:00:10/36": ("OpenRB", "OpenRB.com, Direct SIA")}  # fmt: skip
    assert vendor_of("00:1b:c5:00:1a:bc", table) == "OpenRB.com, Direct SIA"
    assert vendor_of("00:1b:c5:99:00:00", table) == "IEEE Registration Authority"
    assert vendor_of("02:1b:c5:00:1a:bc", table) is None  # locally administered
    assert vendor_of("00:00:00:00:00:01", {}) is None


def test_scapy_manuf_database_names_real_vendors() -> None:
    lookup = scapy_vendor_lookup()
    assert lookup("00:00:0c:12:34:56") == "Cisco Systems, Inc"
    assert lookup("00:1b:c5:00:1a:bc") == "OpenRB.com, Direct SIA"  # an MA-S (/36) block
    assert lookup("3c:52:82:00:00:01") is not None


def test_parse_ip_neigh_json() -> None:
    table = parse_ip_neigh_json((DATA / "ip_neigh.json").read_text())
    assert table["192.168.1.1"] == ("00:00:0c:9f:f0:01", "REACHABLE")
    assert table["192.168.1.21"] == (None, "FAILED")
    assert table["192.168.1.24"][1] == "DELAY"
    assert "fe80::1" not in table and len(table) == 6


def test_parse_proc_net_arp() -> None:
    table = parse_proc_net_arp((DATA / "proc_net_arp.txt").read_text(), "eth0")
    assert table == {
        "192.168.1.1": ("00:00:0c:9f:f0:01", "REACHABLE"),
        "192.168.1.22": ("00:00:00:00:00:00", "INCOMPLETE"),
    }


def test_neighbour_sweep_keeps_reachable_and_waits_for_delayed_entries() -> None:
    from agent.collectors.lan.neighbours import NeighbourTable, neighbour_sweep
    from agent.collectors.lan.subnets import Subnet

    # Loopback addresses: the provoking datagrams stay on this machine.
    subnet = Subnet("lo", IPv4Network("127.0.5.0/29"), IPv4Address("127.0.5.1"))
    reads: list[str] = []

    def read(interface: str) -> NeighbourTable:
        reads.append(interface)
        delayed = "DELAY" if len(reads) < 3 else "REACHABLE"
        return {
            "127.0.5.2": ("00:00:0c:00:00:02", "REACHABLE"),
            "127.0.5.3": ("00:00:0c:00:00:03", "STALE"),
            "127.0.5.4": (None, "INCOMPLETE"),
            "127.0.5.5": ("00:00:0c:00:00:05", delayed),
            "127.0.9.9": ("00:00:0c:00:00:09", "REACHABLE"),  # not in the subnet
        }

    found = neighbour_sweep(subnet, timeout=0.2, rate=1000, read=read)
    assert found == {"127.0.5.2": "00:00:0c:00:00:02", "127.0.5.5": "00:00:0c:00:00:05"}
    assert len(reads) == 3 and set(reads) == {"lo"}


def test_request_frames_are_the_arp_requests_scapy_would_send() -> None:
    from scapy.layers.l2 import ARP, Ether

    from agent.collectors.lan.arp import request_head

    our_mac = bytes.fromhex("021c00000001")
    frame = request_head(our_mac, IPv4Address("10.1.0.254").packed) + IPv4Address("10.1.0.7").packed
    assert bytes(Ether(frame)) == bytes(
        Ether(dst="ff:ff:ff:ff:ff:ff", src="02:1c:00:00:00:01")
        / ARP(op=1, hwsrc="02:1c:00:00:00:01", psrc="10.1.0.254", pdst="10.1.0.7")
    )
    probe = request_head(our_mac, bytes(4)) + IPv4Address("10.1.0.7").packed
    assert Ether(probe)[ARP].psrc == "0.0.0.0" and Ether(probe)[ARP].op == 1


def test_parse_reply_takes_ipv4_arp_replies_only() -> None:
    from scapy.layers.l2 import ARP, Ether

    from agent.collectors.lan.arp import parse_reply

    def frame(**arp: Any) -> bytes:
        return bytes(Ether(dst="02:1c:00:00:00:01", src="00:00:0c:aa:bb:cc") / ARP(**arp))

    reply = frame(op=2, hwsrc="00:00:0c:aa:bb:cc", psrc="10.1.0.7", pdst="10.1.0.254")
    assert parse_reply(reply) == (IPv4Address("10.1.0.7").packed, bytes.fromhex("00000caabbcc"))
    assert parse_reply(reply + bytes(18)) is not None  # padded to the 60-byte minimum
    assert parse_reply(frame(op=1, psrc="10.1.0.7")) is None  # a request
    assert parse_reply(reply[:30]) is None  # truncated
    assert parse_reply(reply[:12] + b"\x08\x00" + reply[14:]) is None  # not ARP

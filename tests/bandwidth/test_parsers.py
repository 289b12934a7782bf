"""/proc/net/dev and IF-MIB / BRIDGE-MIB / Q-BRIDGE-MIB rows; the uplink chooser."""

from __future__ import annotations

from pathlib import Path

from agent.collectors.bandwidth.choice import choose_uplink
from agent.collectors.bandwidth.procnetdev import parse_proc_net_dev
from agent.collectors.snmp import parse_base_ports, parse_fdb, parse_interfaces, sys_uptime_seconds

DATA = Path(__file__).with_name("data")
GW = "00:1a:2b:3c:4d:5e"
GW_OID = "0.26.43.60.77.94"


def test_proc_net_dev() -> None:
    counters = parse_proc_net_dev((DATA / "proc-net-dev").read_text())
    assert set(counters) == {"lo", "eth0", "enp3s0f1"}  # the broken line is skipped
    assert counters["eth0"].rx_bytes == 18446744073709551000
    assert counters["eth0"].tx_bytes == 987654321
    assert (counters["enp3s0f1"].rx_bytes, counters["enp3s0f1"].tx_bytes) == (12345, 678)


IF_ROWS = [
    ("1.3.6.1.2.1.1.3.0", 123456),
    ("1.3.6.1.2.1.2.2.1.2.1", b"GigabitEthernet0/1"),
    ("1.3.6.1.2.1.2.2.1.3.1", 6),
    ("1.3.6.1.2.1.2.2.1.8.1", 1),
    ("1.3.6.1.2.1.2.2.1.10.1", 5),
    ("1.3.6.1.2.1.31.1.1.1.1.1", "Gi0/1"),
    ("1.3.6.1.2.1.31.1.1.1.6.1", 2**40),
    ("1.3.6.1.2.1.31.1.1.1.15.1", 1000),
    (".1.3.6.1.2.1.2.2.1.2.24", b"FastEthernet0/24"),
    ("1.3.6.1.2.1.2.2.1.5.24", 100_000_000),
    ("1.3.6.1.2.1.2.2.1.8.24", 2),
    ("1.3.6.1.2.1.2.2.1.99.24", 1),  # an unknown column: ignored
    ("1.3.6.1.2.1.31.1.1.1.15.24", "garbage"),  # a bad value: None, not a crash
]


def test_interfaces_from_walked_rows() -> None:
    interfaces = parse_interfaces(IF_ROWS)
    assert set(interfaces) == {1, 24}
    gi = interfaces[1]
    assert (gi.label, gi.is_up, gi.is_ethernet, gi.speed_bps) == ("Gi0/1", True, True, 1e9)
    assert gi.hc_in_octets == 2**40 and gi.in_octets == 5
    fa = interfaces[24]
    assert (fa.label, fa.is_up, fa.high_speed) == ("FastEthernet0/24", False, None)
    assert fa.speed_bps == 1e8
    assert sys_uptime_seconds(IF_ROWS) == 1234.56


def test_uplink_from_bridge_mib() -> None:
    rows = [
        (f"1.3.6.1.2.1.17.4.3.1.2.{GW_OID}", 24),
        (f"1.3.6.1.2.1.17.4.3.1.3.{GW_OID}", 3),  # learned
        ("1.3.6.1.2.1.17.4.3.1.2.0.1.2.3.4.5", 3),
        ("1.3.6.1.2.1.17.1.4.1.2.24", 10024),
        ("1.3.6.1.2.1.17.1.4.1.2.3", 10003),
    ]
    fdb, ports = parse_fdb(rows), parse_base_ports(rows)
    choice = choose_uplink({}, None, fdb, ports, GW.upper())
    assert (choice.if_index, choice.source) == (10024, "fdb")


def test_uplink_from_q_bridge_mib_across_vlans() -> None:
    rows = [
        (f"1.3.6.1.2.1.17.7.1.2.2.1.2.1.{GW_OID}", 49),
        (f"1.3.6.1.2.1.17.7.1.2.2.1.2.20.{GW_OID}", 49),
        (f"1.3.6.1.2.1.17.7.1.2.2.1.3.20.{GW_OID}", 3),
    ]
    fdb = parse_fdb(rows)
    assert {e.vlan for e in fdb} == {1, 20}
    # no dot1dBasePortIfIndex: the bridge port is taken as the ifIndex
    choice = choose_uplink({}, None, fdb, {}, GW)
    assert (choice.if_index, choice.source) == (49, "fdb")


def test_uplink_not_inferred_when_ambiguous_static_or_unknown() -> None:
    two = [
        (f"1.3.6.1.2.1.17.4.3.1.2.{GW_OID}", 1),
        (f"1.3.6.1.2.1.17.7.1.2.2.1.2.5.{GW_OID}", 2),
    ]
    assert choose_uplink({}, None, parse_fdb(two), {}, GW).candidates == (1, 2)
    static = [(f"1.3.6.1.2.1.17.4.3.1.2.{GW_OID}", 1), (f"1.3.6.1.2.1.17.4.3.1.3.{GW_OID}", 4)]
    assert choose_uplink({}, None, parse_fdb(static), {}, GW).if_index is None
    assert "MAC is unknown" in choose_uplink({}, None, [], {}, None).reason


def test_configured_uplink_by_index_name_or_descr() -> None:
    interfaces = parse_interfaces(IF_ROWS)
    assert choose_uplink(interfaces, "Gi0/1", [], {}, None).if_index == 1
    assert choose_uplink(interfaces, "FastEthernet0/24", [], {}, None).if_index == 24
    assert choose_uplink(interfaces, 24, [], {}, None).source == "configured"
    missing = choose_uplink(interfaces, "Te1/1", [], {}, None)
    assert missing.if_index is None and "not on the device" in missing.reason

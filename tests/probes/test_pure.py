"""Pure parts of the probes: statistics, routing-table parsing, ICMP packets, config checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.collectors.probes.http import HttpTarget, parse_status_line
from agent.collectors.probes.icmp import checksum, echo_request, parse_echo_reply
from agent.collectors.probes.plan import config_plans, with_tcp_fallback
from agent.collectors.probes.route import parse_default_route, parse_neighbour_mac
from agent.collectors.probes.stats import jitter, summarize
from agent.config.probes import ProbesConfig
from agent.validation import validate

DATA = Path(__file__).with_name("data")


def test_summary_counts_loss_and_rtts_in_send_order() -> None:
    stats = summarize([0.010, None, 0.014, 0.012, None])
    assert (stats.sent, stats.received) == (5, 3)
    assert stats.loss_ratio == pytest.approx(0.4)
    assert stats.rtt_avg == pytest.approx(0.012)
    assert (stats.rtt_min, stats.rtt_max) == (0.010, 0.014)
    # |14-10| and |12-14| ms: the lost packets are skipped, order kept
    assert stats.jitter == pytest.approx(0.003)


def test_all_lost_and_single_reply() -> None:
    lost = summarize([None, None])
    assert not lost.up and lost.loss_ratio == 1.0 and lost.rtt_avg is None
    assert jitter([0.01]) is None
    assert summarize([0.02]).jitter is None


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("route-two-defaults", ("eth0", "192.168.0.1")),  # lowest metric wins
        ("route-no-default", None),
        ("route-default-down", None),  # not RTF_UP
    ],
)
def test_default_route(case: str, expected: tuple[str, str] | None) -> None:
    route = parse_default_route((DATA / case).read_text())
    assert (route and (route.interface, route.gateway)) == expected


def test_neighbour_mac_only_complete_entries() -> None:
    text = (DATA / "arp").read_text()
    assert parse_neighbour_mac(text, "192.168.0.1") == "00:1a:2b:3c:4d:5e"
    assert parse_neighbour_mac(text, "192.168.0.9") is None
    assert parse_neighbour_mac(text, "192.168.0.2") is None


def test_echo_request_checksums_to_zero_and_reply_parses() -> None:
    packet = echo_request(0x1234, 7)
    assert checksum(packet) == 0
    reply = b"\x00" + packet[1:]
    assert parse_echo_reply(reply, has_ip_header=False) == (0x1234, 7)
    ip_header = bytes([0x45]) + bytes(19)
    assert parse_echo_reply(ip_header + reply, has_ip_header=True) == (0x1234, 7)
    assert parse_echo_reply(packet, has_ip_header=False) is None  # a request, not a reply
    assert parse_echo_reply(b"\x00\x00", has_ip_header=False) is None


def test_http_helpers() -> None:
    assert parse_status_line(b"HTTP/1.1 204 No Content\r\n") == 204
    with pytest.raises(ValueError, match="not an HTTP status line"):
        parse_status_line(b"SSH-2.0-OpenSSH\r\n")
    target = HttpTarget.from_url("https://dms.example.gov.vn/health?x=1")
    assert (target.port, target.path) == (443, "/health?x=1")
    assert target.host_header == "dms.example.gov.vn"
    assert HttpTarget.from_url("http://[fd00::1]:8080/").host_header == "[fd00::1]:8080"


def test_methods_follow_the_address() -> None:
    config = validate(ProbesConfig, {
        "wan": [{"name": "gov", "address": "10.0.0.1"},
                {"name": "gov-tcp", "address": "10.0.0.1:22"}],
        "services": [{"name": "dms", "address": "https://dms.example/"}],
    })  # fmt: skip
    plans = {p.name: p for p in config_plans(config)}
    assert [plans[n].method for n in ("gov", "gov-tcp", "dms")] == ["icmp", "tcp", "http"]
    assert plans["dms"].count == config.http_count
    fallback = with_tcp_fallback(plans["gov"])
    assert (fallback.method, fallback.port) == ("tcp", 443)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"wan": [{"name": "a", "address": "h"}, {"name": "a", "address": "g"}]}, "named 'a'"),
        ({"services": [{"name": "x", "address": "h:1", "method": "http"}]}, "needs an http"),
        ({"services": [{"name": "x", "address": "http://h/", "method": "icmp"}]}, "does not fit"),
        ({"interval": "5s", "count": 100, "spacing": "100ms"}, "must be shorter than interval"),
        ({"wan": [{"name": "a", "address": "h:99999"}]}, "bad port"),
        ({"count": 0}, "greater than or equal to 1"),
        ({"bogus": 1}, "Unexpected keyword argument"),
    ],
)
def test_bad_config_says_what_is_wrong(section: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate(ProbesConfig, section)


def test_gateway_availability_over_a_sliding_window() -> None:
    from agent.collectors.probes.collector import GatewayAvailability

    seen = GatewayAvailability(window=100.0)
    assert seen.ratio() is None
    for at, up in ((0.0, False), (50.0, True), (90.0, True), (120.0, True)):
        seen.add(at, up)
    # the burst at t=0 fell out of the window (120 - 100 = 20)
    assert seen.ratio() == 1.0
    seen.add(130.0, False)
    assert seen.ratio() == pytest.approx(3 / 4)


def test_no_default_route_counts_as_gateway_unreachable(tmp_path: Path) -> None:
    import asyncio

    from agent.collectors.probes.collector import ProbesCollector

    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "route").write_text((DATA / "route-no-default").read_text())
    config = validate(ProbesConfig, {"enabled": True, "proc_root": str(tmp_path)})
    collection = asyncio.run(ProbesCollector(config).collect())  # no targets: nothing is sent
    values = {f.name: f.samples for f in collection.families}
    assert values["ictinfra_probe_gateway_found"] == [((), 0)]
    assert values["ictinfra_lan_gateway_reachable_ratio"] == [((), 0.0)]

"""`bandwidth:`: interface rates, uplink utilisation and the optional throughput test."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, MinLen

from agent.config.schema import Before, Pattern, Section, key
from agent.config.types import ByteSize, Duration, parse_duration


def _duration_or_zero(value: object) -> float:
    if value in (0, "0", "0s"):
        return 0.0
    return parse_duration(value)


class UplinkConfig(Section):
    """The switch port that carries the office's traffic to the router / WAN."""

    device: Annotated[str, MinLen(1)] = key(doc="the switch: an `snmp.targets[].name`")
    port: str | int | None = key(
        default=None,
        doc="ifName, ifDescr or ifIndex; absent: inferred from the gateway's MAC in the"
        " switch's forwarding table (BRIDGE-MIB / Q-BRIDGE-MIB)",
    )


class SpeedTestConfig(Section):
    """An active download test against the collector; off by default, rate-limited."""

    enabled: bool = key(default=False, doc="run the download test")
    url: Annotated[str, Pattern(r"^https?://")] | None = key(
        default=None, doc="absent: {push.url}/api/v1/speedtest"
    )
    token_file: str | None = key(default=None, doc="absent: `push.token_file`")
    bytes: ByteSize = key(default=20 * 10**6, doc="how much one test downloads")
    min_interval: Duration = key(
        default=6 * 3600.0, doc="no test sooner than this after the last one"
    )
    timeout: Duration = key(default=120.0, doc="one test's whole download")
    state_file: str = key(
        default="/var/lib/ictinfra/speedtest.json",
        doc="the last run's time survives restarts here, so a restart never defeats `min_interval`",
    )
    ca_file: str | None = key(
        default=None, doc="CA bundle for an https:// url; default the system's CAs"
    )


class LanFactsConfig(Section):
    """The LAN "đạt chuẩn" facts from the site's switches (docs/lan-facts.md)."""

    enabled: bool = key(default=False, doc="read the LAN facts")
    interval: Duration = key(default=900.0, doc="how often they are read")
    switches: tuple[str, ...] = key(
        default=(), doc="`snmp.targets[].name` of the switches; empty: every SNMP target"
    )
    min_ethernet_ports: Annotated[int, Ge(1)] = key(
        default=4,
        doc="a device counts as a managed switch when it answers SNMP with at least this"
        " many Ethernet ports",
    )


class BandwidthConfig(Section):
    """Interface rates, the uplink's utilisation, the speed test and the LAN facts."""

    enabled: bool = key(default=False, doc="run the bandwidth collector")
    interval: Duration = key(default=15.0, doc="how often counters are read")
    warmup: Annotated[float, Before(_duration_or_zero)] = key(
        default=1.0,
        doc="the first run reads the counters twice this far apart, so it already has"
        " rates (`ictinfra-agent once`, the first scrape); 0s: the first run reports none",
    )
    proc_root: str = key(default="/proc", doc="where /proc/net/dev is read")
    sys_root: str = key(default="/sys", doc="where NIC speeds are read")
    interfaces: tuple[str, ...] = key(
        default=(), doc="host NICs measured; empty: every one but `interfaces_exclude`"
    )
    interfaces_exclude: tuple[str, ...] = key(default=("lo",), doc="host NICs never measured")
    uplink: UplinkConfig | None = key(
        default=None, doc="the office's uplink port on a switch; absent: none measured"
    )
    uplink_refresh: Duration = key(
        default=3600.0,
        doc="how often the uplink is re-inferred from the forwarding table (a configured"
        " port: never)",
    )
    speedtest: SpeedTestConfig = key(
        default_factory=SpeedTestConfig, doc="the download test against the collector"
    )
    lan_facts: LanFactsConfig = key(
        default_factory=LanFactsConfig, doc="the LAN standard's facts from the switches"
    )

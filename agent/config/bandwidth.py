"""`bandwidth:`: interface rates, uplink utilisation and the optional throughput test."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from agent.config.base import StrictModel
from agent.config.types import ByteSize, Duration, parse_duration


def _duration_or_zero(value: object) -> float:
    if value in (0, "0", "0s"):
        return 0.0
    return parse_duration(value)


class UplinkConfig(StrictModel):
    """The switch port that carries the office's traffic to the router / WAN."""

    device: str = Field(min_length=1, description="the switch: an `snmp.targets[].name`")
    port: str | int | None = Field(
        default=None,
        description="ifName, ifDescr or ifIndex; absent: inferred from the gateway's MAC in the"
        " switch's forwarding table (BRIDGE-MIB / Q-BRIDGE-MIB)",
    )


class SpeedTestConfig(StrictModel):
    """An active download test against the collector; off by default, rate-limited."""

    enabled: bool = Field(default=False, description="run the download test")
    url: str | None = Field(
        default=None, pattern=r"^https?://", description="absent: {push.url}/api/v1/speedtest"
    )
    token_file: str | None = Field(default=None, description="absent: `push.token_file`")
    bytes: ByteSize = Field(default=20 * 10**6, description="how much one test downloads")
    min_interval: Duration = Field(
        default=6 * 3600.0, description="no test sooner than this after the last one"
    )
    timeout: Duration = Field(default=120.0, description="one test's whole download")
    state_file: str = Field(
        default="/var/lib/ictinfra/speedtest.json",
        description="the last run's time survives restarts here, so a restart never defeats"
        " `min_interval`",
    )
    ca_file: str | None = Field(
        default=None, description="CA bundle for an https:// url; default the system's CAs"
    )


class LanFactsConfig(StrictModel):
    """The LAN "đạt chuẩn" facts from the site's switches (docs/lan-facts.md)."""

    enabled: bool = Field(default=False, description="read the LAN facts")
    interval: Duration = Field(default=900.0, description="how often they are read")
    switches: tuple[str, ...] = Field(
        default=(), description="`snmp.targets[].name` of the switches; empty: every SNMP target"
    )
    min_ethernet_ports: int = Field(
        default=4,
        ge=1,
        description="a device counts as a managed switch when it answers SNMP with at least this"
        " many Ethernet ports",
    )


class BandwidthConfig(StrictModel):
    """Interface rates, the uplink's utilisation, the speed test and the LAN facts."""

    enabled: bool = Field(default=False, description="run the bandwidth collector")
    interval: Duration = Field(default=15.0, description="how often counters are read")
    warmup: Annotated[float, BeforeValidator(_duration_or_zero)] = Field(
        default=1.0,
        description="the first run reads the counters twice this far apart, so it already has"
        " rates (`ictinfra-agent once`, the first scrape); 0s: the first run reports none",
    )
    proc_root: str = Field(default="/proc", description="where /proc/net/dev is read")
    sys_root: str = Field(default="/sys", description="where NIC speeds are read")
    interfaces: tuple[str, ...] = Field(
        default=(), description="host NICs measured; empty: every one but `interfaces_exclude`"
    )
    interfaces_exclude: tuple[str, ...] = Field(
        default=("lo",), description="host NICs never measured"
    )
    uplink: UplinkConfig | None = Field(
        default=None, description="the office's uplink port on a switch; absent: none measured"
    )
    uplink_refresh: Duration = Field(
        default=3600.0,
        description="how often the uplink is re-inferred from the forwarding table (a configured"
        " port: never)",
    )
    speedtest: SpeedTestConfig = Field(
        default=SpeedTestConfig(), description="the download test against the collector"
    )
    lan_facts: LanFactsConfig = Field(
        default=LanFactsConfig(), description="the LAN standard's facts from the switches"
    )

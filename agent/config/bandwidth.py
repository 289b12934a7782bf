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

    device: str = Field(min_length=1)  # an snmp.targets[].name
    # ifName, ifDescr or ifIndex; absent: inferred from the gateway's MAC in the switch's
    # forwarding table (BRIDGE-MIB / Q-BRIDGE-MIB)
    port: str | int | None = None


class SpeedTestConfig(StrictModel):
    """An active download test against the collector; off by default, rate-limited."""

    enabled: bool = False
    # absent: {push.url}/api/v1/speedtest
    url: str | None = Field(default=None, pattern=r"^https?://")
    # absent: push.token_file
    token_file: str | None = None
    bytes: ByteSize = 20 * 10**6
    min_interval: Duration = 6 * 3600.0
    timeout: Duration = 120.0
    # the last run's time survives restarts here, so a restart never defeats min_interval
    state_file: str = "/var/lib/ictinfra/speedtest.json"
    ca_file: str | None = None


class LanFactsConfig(StrictModel):
    """The LAN "đạt chuẩn" facts from the site's switches (docs/lan-facts.md)."""

    enabled: bool = False
    interval: Duration = 900.0
    # snmp.targets[].name of the switches; empty: every SNMP target
    switches: tuple[str, ...] = ()
    # a device counts as a managed switch when it answers SNMP with at least this many
    # Ethernet ports
    min_ethernet_ports: int = Field(default=4, ge=1)


class BandwidthConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 15.0
    # the first run reads the counters twice this far apart, so it already has rates
    # (`ictinfra-agent once`, the first scrape); 0s: the first run reports none
    warmup: Annotated[float, BeforeValidator(_duration_or_zero)] = 1.0
    proc_root: str = "/proc"
    sys_root: str = "/sys"
    # empty: every interface except those in interfaces_exclude
    interfaces: tuple[str, ...] = ()
    interfaces_exclude: tuple[str, ...] = ("lo",)
    uplink: UplinkConfig | None = None
    # how often the uplink is re-inferred from the forwarding table (a configured port: never)
    uplink_refresh: Duration = 3600.0
    speedtest: SpeedTestConfig = SpeedTestConfig()
    lan_facts: LanFactsConfig = LanFactsConfig()

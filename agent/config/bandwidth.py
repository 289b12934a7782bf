"""`bandwidth:`: interface rates, uplink utilisation and the optional throughput test."""

from __future__ import annotations

from pydantic import Field

from agent.config.base import StrictModel
from agent.config.types import ByteSize, Duration


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


class BandwidthConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 15.0
    proc_root: str = "/proc"
    sys_root: str = "/sys"
    # empty: every interface except those in interfaces_exclude
    interfaces: tuple[str, ...] = ()
    interfaces_exclude: tuple[str, ...] = ("lo",)
    uplink: UplinkConfig | None = None
    speedtest: SpeedTestConfig = SpeedTestConfig()

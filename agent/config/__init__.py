"""The agent's config: one strict pydantic model per section, loaded from YAML with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.config.bandwidth import BandwidthConfig
from agent.config.base import StrictModel
from agent.config.host import HostConfig
from agent.config.lan import LanConfig
from agent.config.loader import Location, load_model
from agent.config.probes import ProbesConfig
from agent.config.push import PushConfig
from agent.config.snmp import SnmpConfig, SnmpTarget
from agent.config.types import Secret
from agent.config.web import ListenAddress, WebConfig


class LogConfig(StrictModel):
    """Logging to stderr (the journal under systemd)."""

    level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="the lowest level written"
    )
    format: Literal["json", "text"] = Field(
        default="json", description="`json`: one JSON object a line; `text`: for a terminal"
    )


class AgentConfig(StrictModel):
    """The site agent's config file (`ictinfra-agent run --config FILE`)."""

    listen: ListenAddress = Field(
        default="127.0.0.1:9580",
        description="host:port where `/metrics` and `/healthz` are served (default port 9580)",
    )
    web: WebConfig = Field(
        default=WebConfig(), description="TLS and basic auth for `/metrics` (docs/agent-service.md)"
    )
    log: LogConfig = Field(default=LogConfig(), description="logging")
    host: HostConfig = Field(
        default=HostConfig(), description="the agent's own machine (docs/host.md)"
    )
    snmp: SnmpConfig = Field(
        default=SnmpConfig(), description="SNMP polling of the site's devices (docs/snmp.md)"
    )
    lan: LanConfig = Field(
        default=LanConfig(), description="ARP sweeps of the office LAN (docs/lan.md)"
    )
    probes: ProbesConfig = Field(
        default=ProbesConfig(),
        description="latency, loss and jitter to the gateway, WAN, Internet (docs/probes.md)",
    )
    bandwidth: BandwidthConfig = Field(
        default=BandwidthConfig(),
        description="interface rates, uplink utilisation, speed test (docs/bandwidth.md)",
    )
    push: PushConfig | None = Field(
        default=None,
        description="sending to the collector through the durable queue; absent: no push"
        " (docs/push.md)",
    )

    def reference_problems(self) -> list[tuple[Location, str]]:
        from agent.config.references import reference_problems

        return reference_problems(self)


def load_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config; raises ConfigError naming each bad key and its line."""
    return load_model(AgentConfig, path)


__all__ = ["AgentConfig", "Secret", "SnmpTarget", "load_config"]

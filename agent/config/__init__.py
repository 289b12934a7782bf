"""The agent's config: one strict dataclass per section, loaded from YAML with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from agent.config.bandwidth import BandwidthConfig
from agent.config.host import HostConfig
from agent.config.lan import LanConfig
from agent.config.loader import Location, load_model
from agent.config.probes import ProbesConfig
from agent.config.push import PushConfig
from agent.config.schema import Section, key
from agent.config.snmp import SnmpConfig, SnmpTarget
from agent.config.types import Secret
from agent.config.web import ListenAddress, WebConfig


class LogConfig(Section):
    """Logging to stderr (the journal under systemd)."""

    level: Literal["debug", "info", "warning", "error"] = key(
        default="info", doc="the lowest level written"
    )
    format: Literal["json", "text"] = key(
        default="json", doc="`json`: one JSON object a line; `text`: for a terminal"
    )


class AgentConfig(Section):
    """The site agent's config file (`ictinfra-agent run --config FILE`)."""

    listen: ListenAddress = key(
        default="127.0.0.1:9580",
        doc="host:port where `/metrics` and `/healthz` are served (default port 9580)",
    )
    web: WebConfig = key(
        default_factory=WebConfig, doc="TLS and basic auth for `/metrics` (docs/agent-service.md)"
    )
    log: LogConfig = key(default_factory=LogConfig, doc="logging")
    host: HostConfig = key(default_factory=HostConfig, doc="the agent's own machine (docs/host.md)")
    snmp: SnmpConfig = key(
        default_factory=SnmpConfig, doc="SNMP polling of the site's devices (docs/snmp.md)"
    )
    lan: LanConfig = key(
        default_factory=LanConfig, doc="ARP sweeps of the office LAN (docs/lan.md)"
    )
    probes: ProbesConfig = key(
        default_factory=ProbesConfig,
        doc="latency, loss and jitter to the gateway, WAN, Internet (docs/probes.md)",
    )
    bandwidth: BandwidthConfig = key(
        default_factory=BandwidthConfig,
        doc="interface rates, uplink utilisation, speed test (docs/bandwidth.md)",
    )
    push: PushConfig | None = key(
        default=None,
        doc="sending to the collector through the durable queue; absent: no push (docs/push.md)",
    )

    def reference_problems(self) -> list[tuple[Location, str]]:
        from agent.config.references import reference_problems

        return reference_problems(self)


def load_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config; raises ConfigError naming each bad key and its line."""
    return load_model(AgentConfig, path)


__all__ = ["AgentConfig", "Secret", "SnmpTarget", "load_config"]

"""The agent's config: one strict pydantic model per section, loaded from YAML with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["json", "text"] = "json"


class AgentConfig(StrictModel):
    listen: ListenAddress = "127.0.0.1:9580"
    web: WebConfig = WebConfig()
    log: LogConfig = LogConfig()
    host: HostConfig = HostConfig()
    snmp: SnmpConfig = SnmpConfig()
    lan: LanConfig = LanConfig()
    probes: ProbesConfig = ProbesConfig()
    bandwidth: BandwidthConfig = BandwidthConfig()
    push: PushConfig | None = None

    def reference_problems(self) -> list[tuple[Location, str]]:
        from agent.config.references import reference_problems

        return reference_problems(self)


def load_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config; raises ConfigError naming each bad key and its line."""
    return load_model(AgentConfig, path)


__all__ = ["AgentConfig", "Secret", "SnmpTarget", "load_config"]

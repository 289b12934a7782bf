"""Builds the collectors a config asks for. Each collector module is imported only when enabled."""

from __future__ import annotations

from agent.config import AgentConfig
from agent.registry import CollectorRegistry


def build_registry(config: AgentConfig) -> CollectorRegistry:
    registry = CollectorRegistry()
    # Each collector family adds itself here, importing lazily so an agent pays only for what
    # it runs (scapy and pysnmp's v3 engine are heavy).
    if config.host.enabled:
        from agent.collectors.host.collector import HostCollector

        registry.register(HostCollector(config.host))
    if config.snmp.targets:
        from agent.collectors.snmp.collector import SnmpCollector

        registry.register(SnmpCollector(config.snmp))
    return registry

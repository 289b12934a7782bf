"""Builds the collectors a config asks for. Each collector module is imported only when enabled."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the LAN sweep's worker imports this package: keep pydantic, asyncio out
    from agent.config import AgentConfig
    from agent.registry import CollectorRegistry


def build_registry(config: AgentConfig) -> CollectorRegistry:
    from agent.registry import CollectorRegistry

    registry = CollectorRegistry()
    # Each collector family adds itself here, importing lazily so an agent pays only for what
    # it runs (scapy and pysnmp's v3 engine are heavy).
    if config.host.enabled:
        from agent.collectors.host.collector import HostCollector

        registry.register(HostCollector(config.host))
    snmp_client = None
    if config.snmp.targets:
        from agent.collectors.snmp import SnmpClient
        from agent.collectors.snmp.collector import SnmpCollector

        # one client (socket, codec) for every SNMP reader, closed with the SNMP collector
        snmp_client = SnmpClient(config.snmp.codec)
        registry.register(SnmpCollector(config.snmp, snmp_client))
    if config.lan.enabled:
        from agent.collectors.lan.collector import LanCollector

        registry.register(LanCollector(config.lan))
    if config.probes.enabled:
        from agent.collectors.probes.collector import ProbesCollector

        registry.register(ProbesCollector(config.probes))
    bandwidth = config.bandwidth
    walker = None
    if (bandwidth.enabled and bandwidth.uplink) or bandwidth.lan_facts.enabled:
        from agent.collectors.snmp import ClientWalker

        walker = ClientWalker(config.snmp.max_repetitions, snmp_client, config.snmp.codec)
    if bandwidth.enabled:
        from agent.collectors.bandwidth.collector import BandwidthCollector

        registry.register(BandwidthCollector(config, walker))
    if bandwidth.lan_facts.enabled and walker is not None:
        from agent.collectors.bandwidth.lanfacts import LanFactsCollector

        registry.register(LanFactsCollector(config, walker))
    return registry

"""The `lan_facts` collector: managed switches present, access-port speeds, uplink capacity."""

from __future__ import annotations

import asyncio
import logging

from agent.collectors.bandwidth.choice import choose_uplink
from agent.collectors.bandwidth.facts import (
    SwitchFacts,
    gigabit_share,
    site_uplink_bps,
    switch_facts,
)
from agent.collectors.bandwidth.uplink import gateway_mac
from agent.collectors.snmp import (
    FDB_SUBTREES,
    INTERFACE_COLUMNS,
    Walker,
    parse_base_ports,
    parse_fdb,
    parse_interfaces,
)
from agent.config import AgentConfig
from agent.config.snmp import SnmpTarget
from agent.errors import ConfigError, IctinfraError
from agent.model import Collection

log = logging.getLogger(__name__)


class LanFactsCollector:
    name = "lan_facts"

    def __init__(self, config: AgentConfig, walker: Walker) -> None:
        facts = config.bandwidth.lan_facts
        self.interval = facts.interval
        self.min_ports = facts.min_ethernet_ports
        self.proc_root = config.bandwidth.proc_root
        targets = {t.name: t for t in config.snmp.targets}
        unknown = [name for name in facts.switches if name not in targets]
        if unknown:
            raise ConfigError("config", [f"bandwidth.lan_facts.switches: no snmp target {unknown}"])
        self.switches = [targets[n] for n in facts.switches] or list(targets.values())
        uplink = config.bandwidth.uplink
        self.uplink_device = uplink.device if uplink else None
        self.uplink_port = uplink.port if uplink else None
        self.walker = walker

    async def _one(self, target: SnmpTarget, mac: str | None) -> SwitchFacts | None:
        try:
            interfaces = parse_interfaces(await self.walker.walk(target, INTERFACE_COLUMNS))
            configured = self.uplink_port if target.name == self.uplink_device else None
            fdb_rows = (
                [] if configured is not None else await self.walker.walk(target, FDB_SUBTREES)
            )
        except (IctinfraError, OSError, TimeoutError) as exc:
            log.warning("lan facts: %s does not answer: %s", target.name, exc)
            return None
        if not interfaces:
            return None
        choice = choose_uplink(interfaces, configured, parse_fdb(fdb_rows),
                               parse_base_ports(fdb_rows), mac)  # fmt: skip
        return switch_facts(target.name, interfaces, choice.if_index)

    async def collect(self) -> Collection:
        mac = gateway_mac(self.proc_root)
        found = await asyncio.gather(*(self._one(t, mac) for t in self.switches))
        answered = [f for f in found if f is not None]
        return build(answered, [t.name for t in self.switches], self.min_ports, self.uplink_device)


def build(
    facts: list[SwitchFacts], names: list[str], min_ports: int, uplink_device: str | None
) -> Collection:
    out = Collection()
    by_name = {f.device: f for f in facts}
    up = out.family("ictinfra_lan_switch_up", "Whether the switch answered SNMP (1) or not (0).",
                    labels=("device",))  # fmt: skip
    managed = out.family("ictinfra_lan_switch_managed",
                         "Answered SNMP with enough Ethernet ports to count as a managed switch.",
                         labels=("device",))  # fmt: skip
    ports = out.family("ictinfra_lan_access_ports", "Up Ethernet ports other than the uplink.",
                       labels=("device",))  # fmt: skip
    gigabit = out.family(
        "ictinfra_lan_access_ports_gigabit",
        "Up access ports at 1 Gbit/s or faster.",
        labels=("device",),
    )
    fast_only = out.family("ictinfra_lan_switch_fast_ethernet_only",
                           "1 when no Ethernet port of the switch is faster than 100 Mbit/s.",
                           labels=("device",))  # fmt: skip
    uplink = out.family("ictinfra_lan_switch_uplink_speed_bytes_per_second",
                        "Capacity of the switch's port toward the gateway.",
                        labels=("device", "ifName"))  # fmt: skip
    for name in names:
        fact = by_name.get(name)
        up.add((name,), int(fact is not None))
        if fact is None:
            continue
        managed.add((name,), int(fact.managed(min_ports)))
        ports.add((name,), fact.access_ports_up)
        gigabit.add((name,), fact.access_ports_gigabit)
        if fact.fast_ethernet_only is not None:
            fast_only.add((name,), int(fact.fast_ethernet_only))
        if fact.uplink is not None and fact.uplink.speed_bps:
            uplink.add((name, fact.uplink.label), fact.uplink.speed_bps / 8)
    out.family("ictinfra_lan_managed_switches",
               "Managed switches that answered SNMP in the last run.").add(
        (), sum(f.managed(min_ports) for f in facts))  # fmt: skip
    share = gigabit_share(facts)
    if share is not None:
        out.family(
            "ictinfra_lan_access_ports_gigabit_ratio",
            "Share of up access ports at >= 1 Gbit/s, all switches.",
        ).add((), round(share, 6))
    capacity = site_uplink_bps(facts, uplink_device)
    if capacity is not None:
        out.family(
            "ictinfra_lan_uplink_speed_bytes_per_second",
            "The site's uplink capacity (see docs/lan-facts.md).",
        ).add((), capacity / 8)
    return out

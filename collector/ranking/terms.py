"""One site's numerators and denominators, each with the evidence behind it.

Offices come from the PromQL results (one `instance` = one agent = one office), devices from the
device view (class with its evidence) and the obsolescence verdicts. The registry's `staff` and
`offices` are added by the engine, which knows the units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from collector.devices.model import SeenDevice
from collector.ranking.measure import Measured
from collector.ranking.methodology import Methodology

DeviceKey = tuple[str, str, str, str]  # site, source, agent, device


def device_key(device: SeenDevice) -> DeviceKey:
    return (device.site, device.source, device.agent, device.device)


@dataclass
class Office:
    site: str
    instance: str
    reporting: float  # share of the period's steps it reported in
    availability: dict[str, float]  # probe kind -> share of steps with a target answering
    capacity_mbps: float
    capacity_source: str  # speed_test | uplink_estimated | none
    lan: dict[str, float | None]
    lan_standard: bool = False
    _evidence: dict[str, Any] | None = None

    def evidence(self) -> dict[str, Any]:
        """What the office measured (built once: several indicators cite it)."""
        if self._evidence is None:
            self._evidence = self._describe()
        return self._evidence

    def _describe(self) -> dict[str, Any]:
        return {
            "office": self.instance,
            "reporting": round(self.reporting, 6),
            "availability": {k: round(v, 6) for k, v in sorted(self.availability.items())},
            "capacity_mbps": round(self.capacity_mbps, 3),
            "capacity_source": self.capacity_source,
            "lan": self.lan,
            "lan_standard": self.lan_standard,
        }


@dataclass
class SiteTerms:
    values: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def add(self, term: str, amount: float, proof: Iterable[dict[str, Any]] = ()) -> None:
        self.values[term] = self.values.get(term, 0.0) + amount
        self.evidence.setdefault(term, []).extend(proof)


def offices_of(measured: Measured, rules: Methodology) -> dict[str, list[Office]]:
    """Every office that reported in the period, by site."""
    values, steps = measured.values, max(1, measured.period_steps)
    thresholds = rules.thresholds
    found: dict[str, list[Office]] = {}
    for (site, instance), reported in sorted(values["office_reporting"].items()):
        if reported <= 0:
            continue
        key = (site, instance)
        availability = {
            kind: values["probe_up"].get((site, instance, kind), 0.0) / steps
            for kind in ("internet", "wan", "gateway")
        }
        speed = values["bandwidth_test"].get(key)
        uplink = values["uplink_speed"].get(key)
        capacity, source = (
            (speed * 8 / 1e6, "speed_test")
            if speed is not None
            else (uplink * 8 / 1e6, "uplink_estimated")
            if uplink is not None
            else (0.0, "none")
        )
        lan = {
            "managed_switches": values["lan_managed_switches"].get(key),
            "uplink_bytes_per_second": values["lan_uplink_speed"].get(key),
            "fast_ethernet_only": values["lan_fast_ethernet_only"].get(key),
        }
        office = Office(site, instance, reported / steps, availability, capacity, source, lan)
        office.lan_standard = (
            (lan["managed_switches"] or 0) > 0
            and (lan["uplink_bytes_per_second"] or 0) >= thresholds.uplink_bytes_per_second
            and lan["fast_ethernet_only"] == 0
            and availability["gateway"] >= thresholds.gateway_availability
        )
        found.setdefault(site, []).append(office)
    return found


def distinct(devices: Iterable[SeenDevice]) -> list[SeenDevice]:
    """One entry per physical device: the same MAC seen as a LAN host and as an agent's host (or
    an SNMP target) counts once."""
    kept: list[SeenDevice] = []
    macs: set[str] = set()
    for device in sorted(devices, key=lambda d: (d.source != "host", d.source, d.agent, d.device)):
        own = {mac for mac in (device.mac, *device.macs) if mac}
        if own & macs:
            continue
        macs |= own
        kept.append(device)
    return kept


def device_evidence(device: SeenDevice, obsolete: bool | None = None) -> dict[str, Any]:
    proof = device.class_evidence[0] if device.class_evidence else None
    found: dict[str, Any] = {
        "device": device.device,
        "source": device.source,
        "agent": device.agent,
        "class": device.device_class,
        "class_evidence": f"{proof.source}: {proof.detail}" if proof else None,
        "mac": device.mac or (device.macs[0] if device.macs else None),
        "serial": device.serial,
    }
    if obsolete is not None:
        found["obsolete"] = obsolete
    return found


def _server_ok(device: SeenDevice, measured: Measured, share: float) -> dict[str, float | None]:
    key = (device.site, device.agent, "" if device.source == "host" else device.device)
    values = measured.values
    shares: dict[str, float | None] = {}
    for what in ("cpu", "memory"):
        seen = values[f"{what}_measured"].get(key, 0.0)
        hot = values[f"{what}_hot"].get(key, 0.0)
        shares[f"{what}_hot_share"] = hot / seen if seen else None
    shares["ok"] = float(all(v is not None and v < share for v in shares.values()))
    return shares


def site_terms(
    offices: Sequence[Office],
    devices: Sequence[SeenDevice],
    obsolete: Mapping[DeviceKey, bool],
    measured: Measured,
    rules: Methodology,
) -> SiteTerms:
    terms = SiteTerms()
    online = {
        o.instance
        for o in offices
        if o.availability["internet"] >= rules.thresholds.internet_availability
    }
    counted = distinct(d for d in devices if d.seen and d.counted)
    computers = [d for d in counted if d.is_computer]
    terms.add("computers", len(computers), map(device_evidence, computers))
    at_online = [d for d in computers if d.agent in online]
    terms.add("computers_at_online_offices", len(at_online), map(device_evidence, at_online))
    for office in offices:
        terms.add("internet_capacity_mbps", office.capacity_mbps, [office.evidence()])
        if office.capacity_source == "uplink_estimated":
            terms.flags.add("capacity_estimated")  # no speed test: the uplink's speed
        elif office.capacity_source == "none":
            terms.flags.add("capacity_unknown")  # neither: 0 Mbit/s
    wan = [o for o in offices if o.availability["wan"] >= rules.thresholds.wan_availability]
    terms.add("offices_wan_available", len(wan), [o.evidence() for o in wan])
    lan = [o for o in offices if o.lan_standard]
    terms.add("offices_lan_standard", len(lan), [o.evidence() for o in lan])
    verdicts = [(d, obsolete.get(device_key(d), False)) for d in counted]
    terms.add("devices", len(counted), [device_evidence(d, old) for d, old in verdicts])
    in_life = [device_evidence(d, old) for d, old in verdicts if not old]
    terms.add("devices_in_life", len(in_life), in_life)
    # servers: the agents' hosts and SNMP targets (a LAN host has no CPU or memory measured)
    servers = [(d, old) for d, old in verdicts if d.device_class == "server" and d.source != "lan"]
    terms.add("servers", len(servers), [device_evidence(d, old) for d, old in servers])
    for device, old in servers:
        shares = _server_ok(device, measured, rules.thresholds.server_hot_share)
        if shares["ok"] and not old:
            terms.add("servers_within_capacity", 1, [{**device_evidence(device), **shares}])
    terms.add("servers_within_capacity", 0)
    unseen = [device_evidence(d) for d in devices if not d.seen]
    if unseen:  # in the register, never seen in the period: listed, never counted
        terms.evidence["unseen"] = unseen
    return terms

"""The class of a device seen, with every piece of evidence: pure functions over the inventory.

Order (best first): the asset register; for an SNMP target the agent's `kind`; for the agent's
host the DMI chassis type (else a server OS or a virtual machine); for a LAN host what it
answered over SNMP (sysObjectID), its open ports (the agent's optional fingerprint), then the
OUI vendor of its MAC. The first evidence that names a class decides; the rest stay listed.
Nothing decisive: `unknown` (never counted as a computer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import cast

from agent.wire.inventory import (
    CONTAINER_KINDS,
    DeviceInventory,
    EntityInfo,
    HostInventory,
    LanHost,
)
from collector.devices.facts import virtual_label
from collector.devices.model import ClassEvidence, DeviceClass, RegisterEntry
from collector.devices.tables import classes

UNKNOWN: DeviceClass = "unknown"


def _as_class(name: str) -> DeviceClass:
    return cast(DeviceClass, name)


def decide(evidence: Sequence[ClassEvidence]) -> tuple[DeviceClass, tuple[ClassEvidence, ...]]:
    """The deciding class and the evidence with the decisive ones first (order kept)."""
    decisive = [e for e in evidence if e.device_class != UNKNOWN]
    ordered = tuple(decisive + [e for e in evidence if e.device_class == UNKNOWN])
    return (decisive[0].device_class if decisive else UNKNOWN), ordered


def from_register(entry: RegisterEntry | None, how: str | None) -> list[ClassEvidence]:
    if entry is None:
        return []
    where = f" line {entry.line}" if entry.line else ""
    return [
        ClassEvidence(entry.device_class, "register", f"asset register{where}, matched by {how}")
    ]


def from_snmp_kind(kind: str | None) -> list[ClassEvidence]:
    if not kind:
        return []
    mapped = classes()["snmp_kinds"].get(kind)
    return [ClassEvidence(_as_class(mapped or UNKNOWN), "snmp_kind", f"SNMP kind {kind}")]


def from_chassis(chassis_type: str | None) -> list[ClassEvidence]:
    if not chassis_type:
        return []
    for name, types in classes()["chassis_types"].items():
        if chassis_type.strip().lower() in (t.lower() for t in types):
            return [
                ClassEvidence(_as_class(name), "dmi_chassis", f"DMI chassis type {chassis_type}")
            ]
    return [ClassEvidence(UNKNOWN, "dmi_chassis", f"DMI chassis type {chassis_type}: no class")]


def _server_os(host: HostInventory) -> list[ClassEvidence]:
    os = host.os
    name = os.name or os.system
    if os.system == "Windows" and "server" in (os.name or "").lower():
        return [ClassEvidence("server", "os", f"{name}: a server edition of Windows")]
    if os.system != "Windows" and (os.id or "").lower() in classes()["server_os_ids"]:
        return [ClassEvidence("server", "os", f"{name} with no chassis type: a server OS")]
    return []


def _virtual(host: HostInventory) -> list[ClassEvidence]:
    product = (host.dmi.product_name or "").strip()
    if any(product.lower().startswith(v.lower()) for v in classes()["virtual_products"]):
        return [ClassEvidence("server", "dmi_product", f"DMI product {product}: a virtual machine")]
    if host.virtualization and host.virtualization not in CONTAINER_KINDS:
        return [
            ClassEvidence("server", "virtualization", f"a {virtual_label(host.virtualization)}")
        ]
    return []


def classify_host(
    host: HostInventory, register: RegisterEntry | None = None, how: str | None = None
) -> tuple[DeviceClass, tuple[ClassEvidence, ...]]:
    evidence = from_register(register, how) + from_chassis(host.dmi.chassis_type)
    if not any(e.source == "dmi_chassis" and e.device_class != UNKNOWN for e in evidence):
        evidence += _virtual(host) + _server_os(host)
    return decide(evidence)


def classify_snmp(
    device: DeviceInventory, register: RegisterEntry | None = None, how: str | None = None
) -> tuple[DeviceClass, tuple[ClassEvidence, ...]]:
    """The agent's `kind`, after a sysObjectID our table names (Microsoft's own OIDs tell a
    Windows workstation from a server, which the kind's "windows -> server" cannot)."""
    named = [e for e in from_sys_object_id(device.sys_object_id) if e.device_class != UNKNOWN]
    kind = from_snmp_kind(device.kind) or [
        ClassEvidence(UNKNOWN, "snmp_kind", "SNMP target of no recognisable kind")
    ]
    return decide(from_register(register, how) + named + kind + from_entities(device.entities))


def from_entities(entities: Iterable[EntityInfo]) -> list[ClassEvidence]:
    """The first entity whose model name or description names a class ("... Switch")."""
    table: dict[str, list[str]] = classes()["entity_words"]
    for entity in entities:
        for text in (entity.model, entity.descr):
            words = " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))
            for name, needles in table.items():
                if any(re.search(rf"\b{re.escape(n)}\b", words) for n in needles):
                    detail = f"ENTITY-MIB entity {entity.index}: {text!r}"
                    return [ClassEvidence(_as_class(name), "entity", detail)]
    return []


def from_sys_object_id(oid: str | None) -> list[ClassEvidence]:
    if not oid:
        return []
    table: dict[str, str] = classes()["sys_object_ids"]
    matches = [p for p in table if oid == p or oid.startswith(p + ".")]
    if not matches:
        return [ClassEvidence(UNKNOWN, "sys_object_id", f"answers SNMP, sysObjectID {oid}")]
    best = max(matches, key=len)
    return [ClassEvidence(_as_class(table[best]), "sys_object_id", f"sysObjectID {oid} ({best})")]


def from_ports(open_ports: Iterable[int] | None) -> list[ClassEvidence]:
    if open_ports is None:
        return []
    ports = set(open_ports)
    listed = ",".join(str(p) for p in sorted(ports)) or "none"
    for rule in classes()["ports"]:
        if ports.intersection(rule["any"]) and ports.issuperset(rule.get("all", ())):
            return [
                ClassEvidence(
                    _as_class(rule["class"]), "ports", f"open ports {listed}: {rule['why']}"
                )
            ]
    return [ClassEvidence(UNKNOWN, "ports", f"open ports {listed}: no known pattern")]


def from_oui(vendor: str | None, mac: str) -> list[ClassEvidence]:
    if not vendor:
        return []
    words: dict[str, list[str]] = classes()["oui_vendors"]
    lowered = vendor.lower()
    for name, makers in words.items():
        maker = next((m for m in makers if m.lower() in lowered), None)
        if maker is not None:
            detail = f"OUI {mac[:8]} {vendor}"
            caveat = " (a PC maker; also sells servers)" if name == "pc" else ""
            return [ClassEvidence(_as_class(name), "oui", detail + caveat)]
    return [ClassEvidence(UNKNOWN, "oui", f"OUI {mac[:8]} {vendor}: no class")]


def classify_lan(
    host: LanHost, register: RegisterEntry | None = None, how: str | None = None
) -> tuple[DeviceClass, tuple[ClassEvidence, ...]]:
    evidence = (
        from_register(register, how)
        + from_sys_object_id(host.snmp_sys_object_id)
        + from_ports(host.open_ports)
        + from_oui(host.vendor, host.mac)
    )
    return decide(evidence)

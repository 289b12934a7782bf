"""Every device the agents of some sites saw in a period, with class, age and register match.

Read from the device history (`devices`), the snapshot each device was last seen in (its facts)
and the asset register. A LAN host that is the same machine as the agent's own host (one of its
NIC MACs) or an SNMP target (its IP) is merged into that device, so nothing is counted twice.
Register rows that match nothing seen come back with `seen=False`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select, tuple_

from agent.wire.inventory import DeviceInventory, HostInventory, Inventory, LanHost
from collector.devices import ages, classify, facts, vendors
from collector.devices.model import AgeEvidence, RegisterEntry, SeenDevice, Source
from collector.devices.register import AssetRegister, RegisterIndex, normalise_mac
from collector.store import Store
from collector.store.schema import device_events, devices, inventory_snapshots
from collector.wire import inventory_json

CHUNK = 400  # (site, agent, time) keys per snapshot query
NETWORK_CLASSES = frozenset({"switch", "router", "firewall", "access_point", "ups"})
JUNK_SERIALS = frozenset(
    {"", "0", "none", "default string", "to be filled by o.e.m.", "system serial number",
     "not specified", "not applicable", "n/a", "123456789", "0123456789"}
)  # fmt: skip
SnapshotKey = tuple[str, str, float]
SOURCES = ("host", "snmp", "lan")
PRESENCE_EVENTS = ("appeared", "reappeared", "vanished")


@dataclass(frozen=True, slots=True)
class _Seen:
    """One row of the device history."""

    id: int
    site: str
    agent: str
    key: str
    kind: str
    vendor: str | None
    model: str | None
    serial: str | None
    first_seen: float
    last_seen: float


def seen_devices(
    store: Store,
    *,
    sites: Collection[str] | None = None,
    start: float | None = None,
    end: float | None = None,
) -> list[SeenDevice]:
    """Devices seen by any agent of `sites` (all when None) between `start` and `end`."""
    with store.engine.connect() as conn:
        rows = _history_rows(conn, sites, start, end)
        if start is not None:
            rows = _present_in(conn, rows, start, end)
        snapshots = _snapshots(conn, {(r.site, r.agent, r.last_seen) for r in rows})
    index = RegisterIndex(row.entry for row in AssetRegister(store.engine).rows(sites))
    today = dt.datetime.fromtimestamp(end, dt.UTC).date() if end else dt.date.today()
    ordered = sorted(rows, key=lambda r: (r.kind == "lan", r.id))  # hosts and targets match first
    found = [
        _device(r, snapshots.get((r.site, r.agent, r.last_seen)), index, today) for r in ordered
    ]
    listed = _merge_lan(found) + [unseen(entry) for entry in index.unmatched()]
    return sorted(listed, key=lambda d: (d.site, not d.seen, SOURCES.index(d.source), d.device))


def _history_rows(
    conn: Connection, sites: Collection[str] | None, start: float | None, end: float | None
) -> list[_Seen]:
    query = select(devices).order_by(devices.c.id)
    if sites is not None:
        query = query.where(devices.c.site_code.in_(list(sites)))
    if start is not None:
        query = query.where(devices.c.last_seen >= start)
    if end is not None:
        query = query.where(devices.c.first_seen <= end)
    return [
        _Seen(r.id, r.site_code, r.agent, r.device_key, r.kind, r.vendor, r.model, r.serial,
              r.first_seen, r.last_seen)
        for r in conn.execute(query)
    ]  # fmt: skip


def _present_in(
    conn: Connection, rows: list[_Seen], start: float, end: float | None
) -> list[_Seen]:
    """The rows with a stretch of presence (appeared or reappeared .. vanished) overlapping
    [start, end]: one that vanished before the period and came back after it is not seen."""
    spans: dict[int, list[tuple[float, float]]] = {}
    e = device_events.c
    ids = [r.id for r in rows]
    for i in range(0, len(ids), CHUNK):
        query = (
            select(e.device_id, e.at, e.event)
            .where(e.device_id.in_(ids[i : i + CHUNK]), e.event.in_(PRESENCE_EVENTS))
            .order_by(e.device_id, e.at, e.id)
        )
        opened: dict[int, float] = {}
        for row in conn.execute(query):
            if row.event == "vanished" and row.device_id in opened:
                spans.setdefault(row.device_id, []).append((opened.pop(row.device_id), row.at))
            elif row.event != "vanished":
                opened.setdefault(row.device_id, row.at)
        for device_id, since in opened.items():
            spans.setdefault(device_id, []).append((since, math.inf))
    last = math.inf if end is None else end
    return [r for r in rows if any(a <= last and b > start for a, b in spans.get(r.id, ()))]


def _snapshots(conn: Connection, keys: Iterable[SnapshotKey]) -> dict[SnapshotKey, _Snapshot]:
    """The snapshot of each (site, agent, collected_at); the newest stored when several."""
    wanted, found = list(keys), {}
    s = inventory_snapshots.c
    for i in range(0, len(wanted), CHUNK):
        query = (
            select(s.site_code, s.agent, s.collected_at, s.body)
            .where(tuple_(s.site_code, s.agent, s.collected_at).in_(wanted[i : i + CHUNK]))
            .order_by(s.id)
        )
        for row in conn.execute(query):
            found[(row.site_code, row.agent, row.collected_at)] = row.body
    parsed = {key: _parse(body) for key, body in found.items()}
    return {key: snapshot for key, snapshot in parsed.items() if snapshot is not None}


def _parse(body: str) -> _Snapshot | None:
    """A stored snapshot; None for one this version cannot read (its devices stay listed with
    what the history row keeps)."""
    try:
        return _Snapshot.of(inventory_json(body))
    except ValidationError:
        return None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """One snapshot's devices, by the name their history key holds."""

    host: HostInventory | None
    targets: dict[str, DeviceInventory]
    lan: dict[str, LanHost]

    @classmethod
    def of(cls, inventory: Inventory) -> _Snapshot:
        lan: dict[str, LanHost] = {}
        for host in inventory.lan_hosts:  # a MAC on several IPs: the one that answered last
            mac, known = host.mac.lower(), lan.get(host.mac.lower())
            if known is None or _freshness(host) > _freshness(known):
                lan[mac] = host
        targets = {d.device: d for d in inventory.devices}
        return cls(inventory.host, targets, lan)


def _freshness(host: LanHost) -> tuple[bool, float]:
    return host.present is not False, host.last_seen


def _device(
    row: _Seen, snapshot: _Snapshot | None, index: RegisterIndex, today: dt.date
) -> SeenDevice:
    name = row.key.partition(":")[2]
    if snapshot is None:
        return _bare(row, index)
    if row.kind == "host" and snapshot.host and snapshot.host.hostname == name:
        return _host(row, snapshot.host, index, today)
    if row.kind == "snmp" and name in snapshot.targets:
        return _snmp(row, snapshot.targets[name], index, today)
    if row.kind == "lan" and name in snapshot.lan:
        return _lan(row, snapshot.lan[name], index)
    return _bare(row, index)


def _base(row: _Seen, source: Source, device: str) -> dict[str, Any]:
    return {"site": row.site, "source": source, "device": device, "agent": row.agent,
            "first_seen": row.first_seen, "last_seen": row.last_seen}  # fmt: skip


def _real_serial(serial: str | None) -> str | None:
    return None if (serial or "").strip().lower() in JUNK_SERIALS else (serial or "").strip()


def _host(row: _Seen, host: HostInventory, index: RegisterIndex, today: dt.date) -> SeenDevice:
    macs = tuple(dict.fromkeys(m for n in host.nics if (m := _mac(n.mac))))
    serial = _real_serial(host.dmi.product_serial)
    match = index.by_serial_of(serial, "dmi_serial") or index.by_macs(macs)
    entry, how = match or (None, None)
    device_class, evidence = classify.classify_host(host, entry, how)
    found = (
        ages.from_register(entry)
        + ages.from_bios(host.dmi.bios_date)
        + ages.from_catalogue(
            host.dmi.sys_vendor, [host.dmi.product_name, host.dmi.product_version]
        )
        + ages.from_first_seen(row.first_seen)
    )
    return SeenDevice(
        **_base(row, "host", host.hostname),
        device_class=device_class,
        class_evidence=evidence,
        mac=macs[0] if macs else None,
        macs=macs,
        serial=serial,
        vendor=vendors.human(host.dmi.sys_vendor),
        vendor_reported=host.dmi.sys_vendor,
        model=facts.host_model(host),
        ages=ages.best_first(found),
        software=facts.host_software(host),
        specs=facts.host_specs(host),
        register=entry,
        register_match=how,
    )


def _snmp(row: _Seen, target: DeviceInventory, index: RegisterIndex, today: dt.date) -> SeenDevice:
    chassis = facts.chassis_of(target.entities)
    serial = _real_serial(chassis.serial if chassis else None)
    model = (chassis.model if chassis else None) or None
    entry, how = index.by_serial_of(serial, "chassis_serial") or (None, None)
    device_class, evidence = classify.classify_snmp(target, entry, how)
    found = (
        ages.from_register(entry)
        + ages.from_entities(target.entities)
        + ages.from_serial(target.vendor, serial, today)
        + ages.from_catalogue(target.vendor, [model, target.sys_descr])
        + ages.from_first_seen(row.first_seen)
    )
    return SeenDevice(
        **_base(row, "snmp", target.device),
        device_class=device_class,
        class_evidence=evidence,
        serial=serial,
        vendor=vendors.human(target.vendor),
        vendor_reported=target.vendor,
        model=model,
        ages=ages.best_first(found),
        software=facts.snmp_software(target),
        specs=facts.snmp_specs(target),
        register=entry,
        register_match=how,
        address=target.address.rsplit(":", 1)[0]
        if target.address.count(":") == 1
        else target.address,
    )


def _lan(row: _Seen, lan: LanHost, index: RegisterIndex) -> SeenDevice:
    mac = lan.mac.lower()
    entry, how = index.by_macs([mac]) or (None, None)
    device_class, evidence = classify.classify_lan(lan, entry, how)
    return SeenDevice(
        **_base(row, "lan", mac),
        device_class=device_class,
        class_evidence=evidence,
        mac=mac,
        macs=(mac,),
        vendor=vendors.human(lan.vendor),
        vendor_reported=lan.vendor,
        ages=ages.best_first(ages.from_register(entry) + ages.from_first_seen(row.first_seen)),
        register=entry,
        register_match=how,
        address=lan.ip,
    )


def _bare(row: _Seen, index: RegisterIndex) -> SeenDevice:
    """A device whose snapshot is gone: what the history row keeps."""
    source: Source = "lan" if row.kind == "lan" else "host" if row.kind == "host" else "snmp"
    name = row.key.partition(":")[2]
    mac = name if source == "lan" else None
    match = index.by_macs([mac]) if mac else index.by_serial_of(row.serial, "serial")
    entry, how = match or (None, None)
    device_class, evidence = classify.decide(classify.from_register(entry, how))
    found = ages.from_register(entry) + ages.from_first_seen(row.first_seen)
    return SeenDevice(
        **_base(row, source, name),
        device_class=device_class,
        class_evidence=evidence,
        mac=mac,
        macs=(mac,) if mac else (),
        serial=row.serial,
        vendor=vendors.human(row.vendor),
        vendor_reported=row.vendor,
        model=row.model,
        ages=ages.best_first(found),
        register=entry,
        register_match=how,
    )


def unseen(entry: RegisterEntry) -> SeenDevice:
    """A register row no agent has seen: listed, never counted as seen."""
    source: Source = "snmp" if entry.device_class in NETWORK_CLASSES and not entry.mac else "lan"
    evidence = classify.from_register(entry, None)
    found: list[AgeEvidence] = ages.from_register(entry)
    return SeenDevice(
        site=entry.site_code,
        source=source,
        device=entry.mac or entry.serial or "",
        agent="",
        device_class=entry.device_class,
        class_evidence=tuple(evidence),
        first_seen=0.0,
        last_seen=0.0,
        seen=False,
        mac=entry.mac,
        macs=(entry.mac,) if entry.mac else (),
        serial=entry.serial,
        vendor=vendors.human(entry.vendor),
        vendor_reported=entry.vendor,
        model=entry.model,
        ages=tuple(found),
        register=entry,
    )


def _mac(text: str | None) -> str | None:
    mac = normalise_mac(text) if text else None
    return None if mac in (None, "00:00:00:00:00:00") else mac


def _merge_lan(found: list[SeenDevice]) -> list[SeenDevice]:
    """LAN hosts that are an agent's host (NIC MAC) or an SNMP target (IP) of the same site join
    that device instead of being listed (and counted) again."""
    by_mac: dict[tuple[str, str | None], SeenDevice] = {
        (d.site, m): d for d in found if d.source == "host" for m in d.macs
    }
    by_ip: dict[tuple[str, str | None], SeenDevice] = {
        (d.site, d.address): d for d in found if d.source == "snmp" and d.address
    }
    merged: dict[int, list[SeenDevice]] = {}
    kept: list[SeenDevice] = []
    for device in found:
        owner = None
        if device.source == "lan":
            owner = by_mac.get((device.site, device.mac)) or by_ip.get(
                (device.site, device.address)
            )
        if owner is None:
            kept.append(device)
        else:
            merged.setdefault(id(owner), []).append(device)
    return [_absorb(d, merged.get(id(d), [])) for d in kept]


def _absorb(device: SeenDevice, lans: list[SeenDevice]) -> SeenDevice:
    if not lans:
        return device
    macs = tuple(dict.fromkeys([*device.macs, *(lan.mac for lan in lans if lan.mac)]))
    return replace(
        device,
        mac=device.mac or macs[0],
        macs=macs,
        also_seen_as=tuple(lan.device for lan in lans),
        first_seen=min([device.first_seen, *(lan.first_seen for lan in lans)]),
        last_seen=max([device.last_seen, *(lan.last_seen for lan in lans)]),
    )

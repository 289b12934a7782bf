"""Inventory snapshots and device history: when a device appeared, changed or vanished.

History is kept per (site, agent): a site may run several agents, each seeing its own devices.
A snapshot older than the newest one already seen from that agent (a replayed backlog) is stored
but does not rewrite history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from agent.wire.inventory import (
    DeviceInventory,
    EntityInfo,
    HostInventory,
    Inventory,
    LanHost,
    to_json,
)
from collector.store.schema import device_events, devices, inventory_snapshots

TRACKED = ("vendor", "model", "serial", "firmware")


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    key: str
    kind: str  # host | snmp | lan
    vendor: str | None
    model: str | None
    serial: str | None
    firmware: str | None
    known: bool = True  # False when the device did not answer: its facts are not news


@dataclass(frozen=True, slots=True)
class HistorySummary:
    snapshot_id: int
    appeared: int = 0
    changed: int = 0
    vanished: int = 0
    history_applied: bool = True


def host_facts(host: HostInventory) -> DeviceFacts:
    dmi = host.dmi
    return DeviceFacts(
        key=f"host:{host.hostname}",
        kind="host",
        vendor=dmi.sys_vendor,
        model=dmi.product_name,
        serial=dmi.product_serial,
        firmware=dmi.bios_version,
    )


def _chassis(entities: list[EntityInfo]) -> EntityInfo | None:
    for entity in entities:
        if entity.entity_class == "chassis":
            return entity
    return next((e for e in entities if e.serial), None)


def snmp_facts(device: DeviceInventory) -> DeviceFacts:
    chassis = _chassis(device.entities)
    firmware = chassis and (chassis.software_rev or chassis.firmware_rev)
    return DeviceFacts(
        key=f"snmp:{device.device}",
        kind="snmp",
        vendor=device.vendor,
        model=(chassis.model if chassis else None) or None,
        serial=(chassis.serial if chassis else None) or None,
        firmware=firmware or None,
        known=device.reachable,
    )


def lan_facts(host: LanHost) -> DeviceFacts:
    return DeviceFacts(
        key=f"lan:{host.mac.lower()}",
        kind="lan",
        vendor=host.vendor,
        model=None,
        serial=None,
        firmware=None,
    )


def facts_of(inventory: Inventory) -> dict[str, DeviceFacts]:
    """Every device of a snapshot, by key (`host:NAME`, `snmp:DEVICE`, `lan:MAC`). A LAN host
    that did not answer the latest sweep (`present` False) is not seen in this snapshot."""
    found = [lan_facts(lan) for lan in inventory.lan_hosts if lan.present is not False]
    found += [snmp_facts(device) for device in inventory.devices]
    if inventory.host is not None:
        found.append(host_facts(inventory.host))
    return {facts.key: facts for facts in found}


class InventoryStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, site_code: str, inventory: Inventory, body: str = "") -> HistorySummary:
        """Store the snapshot and update its agent's device history, in one transaction.

        What does not need the write lock is done before taking it: the body, each device's
        facts, the agent's known devices (a read) and the rows to write. The transaction then
        writes precomputed rows with executemany, so a 40,000-device snapshot holds SQLite's
        write lock for a fraction of a second, not for its whole processing.
        """
        body = body or to_json(inventory)
        seen = facts_of(inventory)
        agent, at = inventory.agent.hostname, inventory.collected_at
        with self.engine.connect() as conn:
            known = _known(conn, site_code, agent)
        plan = _plan(known, seen, at)
        with self.engine.begin() as conn:
            snapshot_id = conn.execute(  # a write first: SQLite takes its write lock here
                inventory_snapshots.insert().values(
                    site_code=site_code,
                    agent=agent,
                    collected_at=at,
                    received_at=time.time(),
                    schema_version=inventory.schema_version,
                    body=body,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            if _fingerprint(conn, site_code, agent) != _fingerprint_of(known):
                known = _known(conn, site_code, agent)  # another writer came between: redo
                plan = _plan(known, seen, at)
            if plan.newest is not None and at < plan.newest:
                return HistorySummary(snapshot_id, history_applied=False)
            _write(conn, plan, _Where(site_code, agent, snapshot_id, at))
        return HistorySummary(snapshot_id, plan.appeared, plan.changed, len(plan.vanished))

    def history(self, site_code: str) -> list[dict[str, Any]]:
        """Every event of the site's devices, oldest first."""
        query = (
            select(
                devices.c.agent,
                devices.c.device_key,
                device_events.c.at,
                device_events.c.event,
                device_events.c.field,
                device_events.c.old_value,
                device_events.c.new_value,
            )
            .join(devices, devices.c.id == device_events.c.device_id)
            .where(devices.c.site_code == site_code)
            .order_by(device_events.c.at, device_events.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def devices(self, site_code: str) -> list[dict[str, Any]]:
        query = select(devices).where(devices.c.site_code == site_code).order_by(devices.c.id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def snapshot_count(self, site_code: str) -> int:
        query = select(func.count()).where(inventory_snapshots.c.site_code == site_code)
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class _Where:
    site_code: str
    agent: str
    snapshot_id: int
    at: float


_Event = tuple[int | str, str, str | None, Any, Any]  # device id (or new key), event, change


@dataclass
class _Plan:
    """One snapshot's effect on its agent's devices: rows ready for executemany."""

    newest: float | None
    new: list[DeviceFacts] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)  # _UPDATE's parameters
    vanished: list[int] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)  # in the order they happened
    appeared: int = 0
    changed: int = 0
    last_id: int = 0  # ids above it are this snapshot's new devices


_KNOWN = ("id", "device_key", "last_seen", "vanished_at", *TRACKED)


def _known(conn: Connection, site_code: str, agent: str) -> dict[str, Any]:
    query = select(*(devices.c[name] for name in _KNOWN)).where(
        devices.c.site_code == site_code, devices.c.agent == agent
    )
    return {row.device_key: row for row in conn.execute(query)}


def _fingerprint(conn: Connection, site_code: str, agent: str) -> tuple[Any, ...]:
    query = select(
        func.count(), func.max(devices.c.id), func.max(devices.c.last_seen),
        func.count(devices.c.vanished_at),
    ).where(devices.c.site_code == site_code, devices.c.agent == agent)  # fmt: skip
    count, last_id, newest, gone = conn.execute(query).one()
    return int(count), last_id, newest, int(gone)


def _fingerprint_of(known: dict[str, Any]) -> tuple[Any, ...]:
    rows = known.values()
    return (
        len(known),
        max((row.id for row in rows), default=None),
        max((row.last_seen for row in rows), default=None),
        sum(row.vanished_at is not None for row in rows),
    )


def _refresh(plan: _Plan, row: Any, facts: DeviceFacts, at: float) -> None:
    values = [getattr(row, name) for name in TRACKED]
    if row.vanished_at is not None:
        plan.events.append((row.id, "reappeared", None, None, None))
        plan.appeared += 1
    for index, name in enumerate(TRACKED if facts.known else ()):
        new = getattr(facts, name)
        if new is not None and new != values[index]:
            plan.events.append((row.id, "changed", name, values[index], new))
            values[index] = new
            plan.changed += 1
    plan.updates.append((at, None, *values, row.id))


def _plan(known: dict[str, Any], seen: dict[str, DeviceFacts], at: float) -> _Plan:
    rows = known.values()
    plan = _Plan(
        newest=max((row.last_seen for row in rows), default=None),
        last_id=max((row.id for row in rows), default=0),
    )
    for key, facts in seen.items():
        row = known.get(key)
        if row is None:
            plan.new.append(facts)
            plan.events.append((key, "appeared", None, None, None))
            plan.appeared += 1
        else:
            _refresh(plan, row, facts, at)
    for key, row in known.items():
        if key not in seen and row.vanished_at is None:
            plan.vanished.append(row.id)
            plan.events.append((row.id, "vanished", None, None, None))
    return plan


def _many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """executemany straight to the driver: no per-row statement compilation."""
    if rows:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(sql.replace("?", mark), rows)


# Fixed text (the columns of _NEW, _EVENT and TRACKED, in order), with `?` for each value.
_INSERT_DEVICES = (
    "INSERT INTO devices (site_code, agent, device_key, kind, first_seen, last_seen, vendor,"
    " model, serial, firmware) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE devices SET last_seen = ?, vanished_at = ?, vendor = ?, model = ?, serial = ?,"
    " firmware = ? WHERE id = ?"
)
_VANISH = "UPDATE devices SET vanished_at = ? WHERE id = ?"
_INSERT_EVENTS = (
    "INSERT INTO device_events (device_id, snapshot_id, at, event, field, old_value, new_value)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _insert_new(conn: Connection, plan: _Plan, where: _Where) -> dict[str, int]:
    """Insert the snapshot's new devices; their ids by key."""
    head = (where.site_code, where.agent)
    _many(
        conn,
        _INSERT_DEVICES,
        [(*head, f.key, f.kind, where.at, where.at, *(getattr(f, n) for n in TRACKED))
         for f in plan.new],
    )  # fmt: skip
    if not plan.new:
        return {}
    query = select(devices.c.id, devices.c.device_key).where(
        devices.c.site_code == where.site_code, devices.c.agent == where.agent,
        devices.c.id > plan.last_id,
    )  # fmt: skip
    return {key: device_id for device_id, key in conn.execute(query)}


def _write(conn: Connection, plan: _Plan, where: _Where) -> None:
    new_ids = _insert_new(conn, plan, where)
    _many(conn, _UPDATE, plan.updates)
    _many(conn, _VANISH,
          [(where.at, device_id) for device_id in plan.vanished])  # fmt: skip
    _many(
        conn,
        _INSERT_EVENTS,
        [(new_ids[device] if isinstance(device, str) else device, where.snapshot_id, where.at,
          event, name, old, new) for device, event, name, old, new in plan.events],
    )  # fmt: skip

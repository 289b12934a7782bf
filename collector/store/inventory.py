"""Inventory snapshots and device history: when a device appeared, changed or vanished.

History is kept per (site, agent): a site may run several agents, each seeing its own devices.
A snapshot older than the newest one already seen from that agent (a replayed backlog) is stored
but does not rewrite history.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from agent.wire.inventory import DeviceInventory, EntityInfo, HostInventory, Inventory, LanHost
from collector.store.schema import device_events, devices, inventory_snapshots

TRACKED = ("vendor", "model", "serial", "firmware")
TOUCH_CHUNK = 500  # device ids per UPDATE of last_seen


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

    def record(self, site_code: str, inventory: Inventory) -> HistorySummary:
        """Store the snapshot and update its agent's device history, in one transaction."""
        agent = inventory.agent.hostname
        at = inventory.collected_at
        with self.engine.begin() as conn:
            snapshot_id = conn.execute(
                inventory_snapshots.insert().values(
                    site_code=site_code,
                    agent=agent,
                    collected_at=at,
                    received_at=time.time(),
                    schema_version=inventory.schema_version,
                    body=json.dumps(inventory.model_dump(mode="json"), ensure_ascii=False),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            newest = conn.scalar(
                select(func.max(devices.c.last_seen)).where(
                    devices.c.site_code == site_code, devices.c.agent == agent
                )
            )
            if newest is not None and at < newest:
                return HistorySummary(snapshot_id, history_applied=False)
            history = _History(conn, site_code, agent, snapshot_id, at)
            return _apply(history, facts_of(inventory))

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


@dataclass
class _History:
    """Writes one snapshot's effect on its agent's device history."""

    conn: Connection
    site_code: str
    agent: str
    snapshot_id: int
    at: float
    unchanged: list[int] = dataclasses.field(default_factory=list)  # ids only seen again

    def event(self, device_id: int, event: str, **change: Any) -> None:
        self.conn.execute(
            device_events.insert().values(
                device_id=device_id, snapshot_id=self.snapshot_id, at=self.at, event=event, **change
            )
        )

    def known(self) -> dict[str, Any]:
        query = select(devices).where(
            devices.c.site_code == self.site_code, devices.c.agent == self.agent
        )
        return {row.device_key: row for row in self.conn.execute(query)}

    def add(self, facts: DeviceFacts) -> None:
        values = {field: getattr(facts, field) for field in TRACKED}
        inserted = self.conn.execute(
            devices.insert().values(
                site_code=self.site_code,
                agent=self.agent,
                device_key=facts.key,
                kind=facts.kind,
                first_seen=self.at,
                last_seen=self.at,
                **values,
            )
        )
        self.event(int(inserted.inserted_primary_key[0]), "appeared")  # type: ignore[index]

    def refresh(self, row: Any, facts: DeviceFacts) -> tuple[int, int]:
        """Update a known device; (reappeared 0/1, fields changed). A device with no news is
        only seen again: its id is kept for one UPDATE of every such device (`touch_all`)."""
        updates: dict[str, Any] = {"last_seen": self.at}
        reappeared = int(row.vanished_at is not None)
        if reappeared:
            updates["vanished_at"] = None
            self.event(row.id, "reappeared")
        for field in TRACKED if facts.known else ():
            old, new = getattr(row, field), getattr(facts, field)
            if new is not None and new != old:
                updates[field] = new
                self.event(row.id, "changed", field=field, old_value=old, new_value=new)
        if len(updates) == 1:
            self.unchanged.append(row.id)
        else:
            self.conn.execute(update(devices).where(devices.c.id == row.id).values(updates))
        return reappeared, len(updates) - 1 - reappeared

    def touch_all(self) -> None:
        for i in range(0, len(self.unchanged), TOUCH_CHUNK):
            ids = self.unchanged[i : i + TOUCH_CHUNK]
            self.conn.execute(
                update(devices).where(devices.c.id.in_(ids)).values(last_seen=self.at)
            )

    def vanish(self, row: Any) -> None:
        self.conn.execute(update(devices).where(devices.c.id == row.id).values(vanished_at=self.at))
        self.event(row.id, "vanished")


def _apply(history: _History, seen: dict[str, DeviceFacts]) -> HistorySummary:
    known = history.known()
    appeared = changed = vanished = 0
    for key, facts in seen.items():
        if key not in known:
            history.add(facts)
            appeared += 1
        else:
            back, fields = history.refresh(known[key], facts)
            appeared, changed = appeared + back, changed + fields
    for key, row in known.items():
        if key not in seen and row.vanished_at is None:
            history.vanish(row)
            vanished += 1
    history.touch_all()
    return HistorySummary(history.snapshot_id, appeared, changed, vanished)

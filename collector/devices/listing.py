"""`devices` (CLI) and GET /api/v1/devices: every device seen, as JSON records or CSV rows."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select

from collector.devices.model import SeenDevice
from collector.devices.view import seen_devices
from collector.store import Store
from collector.store.schema import device_events, devices

EventKey = tuple[str, str, str]  # site, agent, device_key

CSV_COLUMNS = (
    "site", "source", "device", "agent", "class", "class_evidence", "seen", "first_seen",
    "last_seen", "vendor", "model", "serial", "mac", "macs", "address", "register_match",
    "register_line", "ages", "software", "memory_bytes", "cpu_cores", "disk_bytes",
    "max_port_speed_bits_per_second", "port_count", "events",
)  # fmt: skip


def _iso(seconds: float) -> str | None:
    if not seconds:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def history(store: Store, sites: Collection[str] | None) -> dict[EventKey, list[dict[str, Any]]]:
    """Every event of the sites' devices, oldest first, by (site, agent, device key)."""
    query = (
        select(
            devices.c.site_code, devices.c.agent, devices.c.device_key, device_events.c.at,
            device_events.c.event, device_events.c.field, device_events.c.old_value,
            device_events.c.new_value,
        )
        .join(devices, devices.c.id == device_events.c.device_id)
        .order_by(device_events.c.at, device_events.c.id)
    )  # fmt: skip
    if sites is not None:
        query = query.where(devices.c.site_code.in_(list(sites)))
    found: dict[EventKey, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            event = {"at": _iso(row.at), "event": row.event, "device_key": row.device_key}
            if row.field:
                event.update(field=row.field, old=row.old_value, new=row.new_value)
            found.setdefault((row.site_code, row.agent, row.device_key), []).append(event)
    return found


def keys_of(device: SeenDevice) -> list[EventKey]:
    """The history keys of a device: its own, and the LAN hosts merged into it."""
    if not device.seen:
        return []
    own = (device.site, device.agent, f"{device.source}:{device.device}")
    return [own, *((device.site, device.agent, f"lan:{mac}") for mac in device.also_seen_as)]


def _plain(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """dataclasses.asdict's dict_factory: dates as ISO 8601 strings."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in pairs}


def _asdict(item: Any) -> dict[str, Any]:
    return dataclasses.asdict(item, dict_factory=_plain)


def record(device: SeenDevice, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    register = _asdict(device.register) if device.register else None
    return {
        "site": device.site,
        "source": device.source,
        "device": device.device,
        "agent": device.agent or None,
        "class": device.device_class,
        "is_computer": device.is_computer,
        "counted": device.counted,
        "class_evidence": [_asdict(e) for e in device.class_evidence],
        "seen": device.seen,
        "first_seen": _iso(device.first_seen),
        "last_seen": _iso(device.last_seen),
        "vendor": device.vendor,
        "vendor_reported": device.vendor_reported,
        "model": device.model,
        "serial": device.serial,
        "mac": device.mac,
        "macs": list(device.macs),
        "address": device.address,
        "also_seen_as": list(device.also_seen_as),
        "ages": [_asdict(a) for a in device.ages],
        "software": [_asdict(s) for s in device.software],
        "specs": _asdict(device.specs),
        "register": register,
        "register_match": device.register_match,
        "history": sorted(events, key=lambda e: str(e["at"])),
    }


def list_devices(store: Store, sites: Collection[str] | None = None) -> list[dict[str, Any]]:
    found = seen_devices(store, sites=sites)
    events = history(store, sites)
    return [record(d, [e for k in keys_of(d) for e in events.get(k, [])]) for d in found]


def _joined(items: Iterable[str]) -> str:
    return "; ".join(items)


def csv_row(item: dict[str, Any]) -> list[Any]:
    specs, register = item["specs"], item["register"] or {}
    return [
        item["site"], item["source"], item["device"], item["agent"] or "", item["class"],
        _joined(f"{e['source']}: {e['detail']}" for e in item["class_evidence"]),
        item["seen"], item["first_seen"] or "", item["last_seen"] or "", item["vendor"] or "",
        item["model"] or "", item["serial"] or "", item["mac"] or "", " ".join(item["macs"]),
        item["address"] or "", item["register_match"] or "", register.get("line") or "",
        _joined(f"{a['source']} {a['date']}: {a['detail']}" for a in item["ages"]),
        _joined(s["text"].splitlines()[0] if s["text"] else "" for s in item["software"]),
        specs["memory_bytes"] or "", specs["cpu_cores"] or "", specs["disk_bytes"] or "",
        specs["max_port_speed_bits_per_second"] or "", specs["port_count"] or "",
        _joined(f"{e['at']} {e['event']}" + (f" {e['field']}" if "field" in e else "")
                for e in item["history"]),
    ]  # fmt: skip


def format_csv(items: Iterable[dict[str, Any]]) -> str:
    """UTF-8 CSV with a byte-order mark, so Excel opens the Vietnamese text correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(item) for item in items)
    return out.getvalue()

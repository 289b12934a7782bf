"""What the pages show, read from the store for a set of units (the account's scope)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select

from collector.devices.listing import CSV_COLUMNS as DEVICE_COLUMNS
from collector.devices.listing import csv_row
from collector.devices.model import SeenDevice
from collector.devices.view import seen_devices
from collector.obsolete.report import format_csv as obsolete_csv
from collector.readers import SITE_SCOPE
from collector.store import Store
from collector.store.schema import devices, inventory_snapshots, tokens
from collector.web.exports import parse_csv, table_csv

SITE_COLUMNS = ("code", "name", "level", "parent_code", "last_inventory", "last_write", "devices")


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _per_site(store: Store, query: Any) -> dict[str, Any]:
    with store.engine.connect() as conn:
        return {site: value for site, value in conn.execute(query)}


def sites(store: Store, units: Collection[str]) -> list[dict[str, Any]]:
    """Each unit in scope with its last inventory and last write (as the collector knows them)."""
    codes = list(units)
    last_inventory = _per_site(
        store,
        select(inventory_snapshots.c.site_code, func.max(inventory_snapshots.c.received_at))
        .where(inventory_snapshots.c.site_code.in_(codes))
        .group_by(inventory_snapshots.c.site_code),
    )
    counts = _per_site(
        store,
        select(devices.c.site_code, func.count())
        .where(devices.c.site_code.in_(codes), devices.c.vanished_at.is_(None))
        .group_by(devices.c.site_code),
    )
    last_write = _per_site(
        store,
        select(tokens.c.site_code, func.max(tokens.c.last_used_at))
        .where(tokens.c.site_code.in_(codes), tokens.c.scope == SITE_SCOPE)
        .group_by(tokens.c.site_code),
    )  # a site's own pushes: a reader token's reads are no report
    rows = [u for u in store.registry.export_units() if u.code in units]
    return [
        {
            "code": u.code, "name": u.name, "level": u.level, "parent_code": u.parent_code,
            "last_inventory": _iso(last_inventory.get(u.code)),
            "last_write": _iso(last_write.get(u.code)), "devices": counts.get(u.code, 0),
        }
        for u in rows
    ]  # fmt: skip


def sites_rows(found: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The sites export of `sites`."""
    return list(SITE_COLUMNS), [[s[c] or "" for c in SITE_COLUMNS] for s in found]


def device_list(store: Store, units: Collection[str]) -> list[SeenDevice]:
    return seen_devices(store, sites=units)


def devices_rows(items: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The devices export of `list_devices` records, in the CLI's CSV columns."""
    return list(DEVICE_COLUMNS), [csv_row(item) for item in items]


def obsolete_rows(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The obsolete export of an `obsolete_report`, in the CLI's CSV columns."""
    header, rows = parse_csv(obsolete_csv(report))
    return header, list(rows)


__all__ = ["device_list", "devices_rows", "obsolete_rows", "sites", "sites_rows", "table_csv"]

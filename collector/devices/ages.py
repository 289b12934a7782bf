"""Age evidence of a device, best first: pure functions over the register and the inventory.

Sources (collector.devices.model.AGE_SOURCES): the register's purchase date; ENTITY-MIB
entPhysicalMfgDate; a date encoded in the serial where the vendor published the encoding (Cisco
only, see docs/devices.md); the DMI BIOS date (a lower bound); the model's release year from
data/models.yaml (an upper bound); first seen by ictinfra (a lower bound). Every source that
says something is kept, even when they disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from agent.wire.inventory import EntityInfo
from collector.devices.model import AGE_SOURCES, AgeEvidence, RegisterEntry
from collector.devices.tables import load

CISCO_SERIAL = re.compile(r"^[A-Z]{3}(\d{2})(\d{2})[A-Z0-9]{4}$")
CISCO_YEAR_BASE = 1996  # year code 01 = 1997 (Cisco Document ID 18280)


def _parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def from_register(entry: RegisterEntry | None) -> list[AgeEvidence]:
    if entry is None or entry.purchase_date is None:
        return []
    shown = {"year": "%Y", "month": "%Y-%m"}.get(entry.purchase_precision or "day", "%Y-%m-%d")
    where = f" (line {entry.line})" if entry.line else ""
    detail = f"purchased {entry.purchase_date.strftime(shown)} per the asset register{where}"
    return [AgeEvidence("register", entry.purchase_date, detail)]


def from_entities(entities: Iterable[EntityInfo]) -> list[AgeEvidence]:
    """entPhysicalMfgDate of the chassis (of any entity when no chassis has one)."""
    dated = [(e, d) for e in entities if (d := _parse_date(e.mfg_date)) is not None]
    chassis = [(e, d) for e, d in dated if e.entity_class == "chassis"]
    return [
        AgeEvidence(
            "entity_mfg_date",
            date,
            f"entPhysicalMfgDate {date.isoformat()} on {entity.entity_class or 'entity'}"
            f" {entity.index}" + (f" ({entity.model})" if entity.model else ""),
        )
        for entity, date in (chassis or dated[:1])
    ]


def cisco_serial_date(serial: str) -> dt.date | None:
    """The build week of a Cisco serial `LLLYYWWSSSS` (YY years after 1996, WW the week)."""
    match = CISCO_SERIAL.match(serial.strip().upper())
    if match is None:
        return None
    year_code, week = int(match.group(1)), int(match.group(2))
    if year_code == 0 or not 1 <= week <= 53:
        return None
    return dt.date(CISCO_YEAR_BASE + year_code, 1, 1) + dt.timedelta(weeks=week - 1)


def from_serial(vendor: str | None, serial: str | None, today: dt.date) -> list[AgeEvidence]:
    if not serial or "cisco" not in (vendor or "").lower():
        return []
    date = cisco_serial_date(serial)
    if date is None or date > today:
        return []
    code, week = serial.strip()[3:5], int(serial.strip()[5:7])
    year = CISCO_YEAR_BASE + int(code)
    detail = f"Cisco serial {serial.strip()}: year code {code} = {year}, week {week}"
    return [AgeEvidence("serial_date", date, detail)]


def from_bios(bios_date: str | None) -> list[AgeEvidence]:
    date = _parse_date(bios_date)
    if date is None:
        return []
    detail = f"BIOS dated {date.isoformat()}: the machine is at least this old"
    return [AgeEvidence("bios_date", date, detail, lower_bound=True)]


@dataclass(frozen=True, slots=True)
class CatalogueModel:
    vendor: str
    pattern: re.Pattern[str]
    released: int
    source: str
    checked: bool


@functools.cache
def catalogue() -> tuple[CatalogueModel, ...]:
    return tuple(
        CatalogueModel(
            str(m["vendor"]).lower(),
            re.compile(str(m["model"])),
            int(m["released"]),
            str(m["source"]),
            bool(m.get("checked", False)),
        )
        for m in load("models.yaml")["models"]
    )


def from_catalogue(vendor: str | None, models: Iterable[str | None]) -> list[AgeEvidence]:
    texts = [m for m in models if m]
    for entry in catalogue():
        if entry.vendor not in (vendor or "").lower():
            continue
        hit = next((t for t in texts if entry.pattern.search(t)), None)
        if hit is not None:
            note = "" if entry.checked else ", unchecked"
            detail = (
                f"model {hit[:60]!r} released {entry.released} ({entry.source}{note}):"
                " the device is at most this old"
            )
            return [
                AgeEvidence(
                    "model_catalogue", dt.date(entry.released, 1, 1), detail, upper_bound=True
                )
            ]
    return []


def from_first_seen(first_seen: float) -> list[AgeEvidence]:
    date = dt.datetime.fromtimestamp(first_seen, dt.UTC).date()
    detail = f"first seen by ictinfra {date.isoformat()}: the device is at least this old"
    return [AgeEvidence("first_seen", date, detail, lower_bound=True)]


def best_first(evidence: Iterable[AgeEvidence]) -> tuple[AgeEvidence, ...]:
    return tuple(sorted(evidence, key=lambda e: AGE_SOURCES.index(e.source)))

"""SMBIOS facts from /sys/class/dmi/id: node_dmi_info, and the BIOS date as an age estimate.

Serial files (product_serial, board_serial, chassis_serial, product_uuid) are root-only: when
unreadable they are left out of node_dmi_info's labels, exactly as node_exporter does; what is
readable also goes to the inventory, where serials belong.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from agent.collectors.host.files import read_value
from agent.model import Collection
from agent.wire.inventory import DmiInfo

log = logging.getLogger(__name__)

# node_dmi_info's label names, which are also the file names (node_exporter 1.5).
DMI_INFO_LABELS = (
    "bios_date", "bios_release", "bios_vendor", "bios_version", "board_asset_tag",
    "board_name", "board_serial", "board_vendor", "board_version", "chassis_asset_tag",
    "chassis_serial", "chassis_vendor", "chassis_version", "product_family", "product_name",
    "product_serial", "product_sku", "product_uuid", "product_version", "sys_vendor",
)  # fmt: skip
# node_exporter calls the sys_vendor file's label system_vendor.
_LABEL_OF_FILE = {"sys_vendor": "system_vendor"}
# SMBIOS 3.x system enclosure types (DSP0134 table 17).
CHASSIS_TYPES = {
    1: "Other", 2: "Unknown", 3: "Desktop", 4: "Low Profile Desktop", 5: "Pizza Box",
    6: "Mini Tower", 7: "Tower", 8: "Portable", 9: "Laptop", 10: "Notebook", 11: "Hand Held",
    12: "Docking Station", 13: "All in One", 14: "Sub Notebook", 15: "Space-saving",
    16: "Lunch Box", 17: "Main Server Chassis", 18: "Expansion Chassis", 19: "SubChassis",
    20: "Bus Expansion Chassis", 21: "Peripheral Chassis", 22: "RAID Chassis",
    23: "Rack Mount Chassis", 24: "Sealed-case PC", 25: "Multi-system chassis",
    26: "Compact PCI", 27: "Advanced TCA", 28: "Blade", 29: "Blade Enclosure", 30: "Tablet",
    31: "Convertible", 32: "Detachable", 33: "IoT Gateway", 34: "Embedded PC", 35: "Mini PC",
    36: "Stick PC",
}  # fmt: skip

ReadFn = Callable[[Path], str | None]
_BIOS_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


def parse_bios_date(text: str | None) -> date | None:
    """SMBIOS's `MM/DD/YYYY` (or `MM/DD/YY` from before SMBIOS 2.3) -> a date; None if not one."""
    if not text:
        return None
    match = _BIOS_DATE.match(text.strip())
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year >= 80 else 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_dmi(sys_root: Path, read: ReadFn = read_value) -> dict[str, str]:
    """file name -> value for every DMI file that exists and is readable."""
    base = sys_root / "class/dmi/id"
    values: dict[str, str] = {}
    for name in (*DMI_INFO_LABELS, "chassis_type"):
        try:
            value = read(base / name)
        except PermissionError:
            value = None
        if value is not None:
            values[name] = value
    return values


def dmi_inventory(values: dict[str, str]) -> DmiInfo:
    bios_date = parse_bios_date(values.get("bios_date"))
    if values.get("bios_date") and bios_date is None:
        log.warning("BIOS date %r is not MM/DD/YYYY; age unknown", values["bios_date"])
    chassis = values.get("chassis_type")
    return DmiInfo(
        sys_vendor=values.get("sys_vendor"),
        product_name=values.get("product_name"),
        product_version=values.get("product_version"),
        product_serial=values.get("product_serial"),
        product_uuid=values.get("product_uuid"),
        product_family=values.get("product_family"),
        product_sku=values.get("product_sku"),
        board_vendor=values.get("board_vendor"),
        board_name=values.get("board_name"),
        board_serial=values.get("board_serial"),
        chassis_type=CHASSIS_TYPES.get(int(chassis), chassis)
        if chassis and chassis.isascii() and chassis.isdigit()
        else chassis,
        chassis_vendor=values.get("chassis_vendor"),
        chassis_serial=values.get("chassis_serial"),
        bios_vendor=values.get("bios_vendor"),
        bios_version=values.get("bios_version"),
        bios_release=values.get("bios_release"),
        bios_date=bios_date.isoformat() if bios_date else None,
    )


def add_dmi(out: Collection, values: dict[str, str]) -> None:
    present = [name for name in DMI_INFO_LABELS if name in values]
    if present:
        labels = tuple(sorted(_LABEL_OF_FILE.get(n, n) for n in present))
        by_label = {_LABEL_OF_FILE.get(n, n): values[n] for n in present}
        out.family(
            "node_dmi_info",
            "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, "
            "bios_version, board_asset_tag, board_name, board_serial, board_vendor, "
            "board_version, chassis_asset_tag, chassis_serial, chassis_vendor, chassis_version, "
            "product_family, product_name, product_serial, product_sku, product_uuid, "
            "product_version, system_vendor if provided by DMI.",
            labels=labels,
        ).add((by_label[label] for label in labels), 1)
    bios_date = parse_bios_date(values.get("bios_date"))
    if bios_date is not None:
        out.family(
            "ictinfra_host_bios_date_timestamp_seconds",
            "The BIOS release date (Unix time, midnight UTC): a first estimate of the "
            "machine's age.",
        ).add((), calendar.timegm(bios_date.timetuple()))

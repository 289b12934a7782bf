"""ENTITY-MIB entPhysicalTable -> the inventory's physical entities (chassis, modules, PSUs...)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.collectors.snmp.decode import Value, optional_text, parse_date_and_time
from agent.collectors.snmp.mib import Mib
from agent.wire.inventory import EntityInfo

ENT_PHYSICAL = "1.3.6.1.2.1.47.1.1.1.1"
COLUMNS = {
    "descr": f"{ENT_PHYSICAL}.2",
    "class": f"{ENT_PHYSICAL}.5",
    "name": f"{ENT_PHYSICAL}.7",
    "hardware_rev": f"{ENT_PHYSICAL}.8",
    "firmware_rev": f"{ENT_PHYSICAL}.9",
    "software_rev": f"{ENT_PHYSICAL}.10",
    "serial": f"{ENT_PHYSICAL}.11",
    "mfg_name": f"{ENT_PHYSICAL}.12",
    "model": f"{ENT_PHYSICAL}.13",
    "is_fru": f"{ENT_PHYSICAL}.16",
    "mfg_date": f"{ENT_PHYSICAL}.17",
}
WALK_COLUMNS = tuple(COLUMNS.values())
CLASSES = {
    1: "other", 2: "unknown", 3: "chassis", 4: "backplane", 5: "container", 6: "powerSupply",
    7: "fan", 8: "sensor", 9: "module", 10: "port", 11: "stack", 12: "cpu", 13: "energyObject",
    14: "battery", 15: "storageDrive",
}  # fmt: skip
"""PhysicalClass from ENTITY-MIB (RFC 6933)."""

Table = dict[str, dict[str, Value]]


@dataclass(frozen=True, slots=True)
class BadDate:
    """An entPhysicalMfgDate that gave no date, and why (for the one log line per device)."""

    index: int
    reason: str


def parse_entities(table: Table) -> tuple[list[EntityInfo], list[BadDate]]:
    """Rows of entPhysicalTable -> EntityInfo (sorted by index), plus the unusable dates."""
    columns = {key: table.get(oid, {}) for key, oid in COLUMNS.items()}
    indexes = sorted({int(i) for rows in columns.values() for i in rows if i.isdigit()})
    entities: list[EntityInfo] = []
    bad: list[BadDate] = []
    for index in indexes:
        key = str(index)
        date = parse_date_and_time(columns["mfg_date"].get(key))
        if date.status == "unknown":
            bad.append(BadDate(index, date.reason or "unknown"))
        entity_class = columns["class"].get(key)
        is_fru = columns["is_fru"].get(key)
        entities.append(
            EntityInfo(
                index=index,
                entity_class=CLASSES.get(entity_class) if isinstance(entity_class, int) else None,
                is_fru=(is_fru == 1) if isinstance(is_fru, int) else None,
                mfg_date=date.iso,
                mfg_date_status=date.status,
                **{k: optional_text(columns[k].get(key)) for k in _TEXT_FIELDS},
            )
        )
    return entities, bad


_TEXT_FIELDS = (
    "descr", "name", "hardware_rev", "firmware_rev", "software_rev", "serial", "mfg_name", "model",
)  # fmt: skip


def describe_bad_dates(device: str, bad: list[BadDate]) -> str:
    """The one log line for a device whose entities have unusable manufacturing dates."""
    first = bad[0]
    return (
        f"SNMP device {device}: {len(bad)} entPhysicalMfgDate value(s) are not valid "
        f"DateAndTime and are reported as unknown (first: entity {first.index}, {first.reason})"
    )


MIB = Mib("entity", order=20, columns=WALK_COLUMNS, inventory_only=True)

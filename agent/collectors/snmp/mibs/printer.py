"""Printer-MIB basics: page counters (prtMarkerLifeCount) and supply levels."""

from __future__ import annotations

from agent.collectors.snmp.decode import Value, display_string
from agent.collectors.snmp.mib import Mib, Scalars
from agent.model import MetricFamily

MARKER_COUNTER_UNIT = "1.3.6.1.2.1.43.10.2.1.3"
MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"
SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
SUPPLY_TYPE, SUPPLY_DESCR, SUPPLY_MAX, SUPPLY_LEVEL = (f"{SUPPLIES}.{n}" for n in (5, 6, 8, 9))
WALK_COLUMNS = (
    MARKER_COUNTER_UNIT,
    MARKER_LIFE_COUNT,
    SUPPLY_TYPE,
    SUPPLY_DESCR,
    SUPPLY_MAX,
    SUPPLY_LEVEL,
)
COUNTER_UNITS = {
    3: "tenThousandthsOfInches", 4: "micrometers", 5: "characters", 6: "lines", 7: "impressions",
    8: "sheets", 9: "dotRow", 11: "hours", 16: "feet", 17: "meters",
}  # fmt: skip
SUPPLY_TYPES = {
    1: "other", 2: "unknown", 3: "toner", 4: "wasteToner", 5: "ink", 6: "inkCartridge",
    7: "inkRibbon", 8: "wasteInk", 9: "opc", 10: "developer", 11: "fuserOil", 15: "fuser",
    20: "transferUnit", 21: "tonerCartridge",
}  # fmt: skip
"""PrtMarkerSuppliesTypeTC (RFC 3805), the usual ones; others print as their number."""

Table = dict[str, dict[str, Value]]


def has_printer(table: Table) -> bool:
    return bool(table.get(MARKER_LIFE_COUNT) or table.get(SUPPLY_LEVEL))


def parse_printer(device: str, table: Table) -> list[MetricFamily]:
    families: list[MetricFamily] = []
    counts = table.get(MARKER_LIFE_COUNT, {})
    if counts:
        pages = MetricFamily(
            "ictinfra_snmp_printer_marker_marks_total",
            "prtMarkerLifeCount: marks made over the printer's life, in prtMarkerCounterUnit.",
            "counter",
            ("device", "marker", "unit"),
        )
        units = table.get(MARKER_COUNTER_UNIT, {})
        for index, value in sorted(counts.items()):
            unit = units.get(index)
            unit_name = COUNTER_UNITS.get(unit, str(unit)) if isinstance(unit, int) else ""
            if isinstance(value, int):
                pages.add((device, index, unit_name), value)
        families.append(pages)
    families.extend(_supplies(device, table))
    return families


def _supplies(device: str, table: Table) -> list[MetricFamily]:
    levels = table.get(SUPPLY_LEVEL, {})
    if not levels:
        return []
    labels = ("device", "supply", "description", "type")
    level = MetricFamily(
        "ictinfra_snmp_printer_supply_level",
        "prtMarkerSuppliesLevel (-1 other, -2 unknown, -3 some remains).",
        "gauge",
        labels,
    )
    capacity = MetricFamily(
        "ictinfra_snmp_printer_supply_max_capacity",
        "prtMarkerSuppliesMaxCapacity.",
        "gauge",
        labels,
    )
    for index, value in sorted(levels.items()):
        kind = table.get(SUPPLY_TYPE, {}).get(index)
        values = (
            device,
            index,
            display_string(table.get(SUPPLY_DESCR, {}).get(index)),
            SUPPLY_TYPES.get(kind, str(kind)) if isinstance(kind, int) else "",
        )
        if isinstance(value, int):
            level.add(values, value)
        maximum = table.get(SUPPLY_MAX, {}).get(index)
        if isinstance(maximum, int):
            capacity.add(values, maximum)
    return [level, capacity]


def _parse(device: str, scalars: Scalars, table: Table) -> list[MetricFamily]:
    return parse_printer(device, table)


def _present(scalars: Scalars, table: Table) -> bool:
    return has_printer(table)


MIB = Mib(
    "printer", order=40, columns=WALK_COLUMNS, parse=_parse, present=_present,
)  # fmt: skip

"""HOST-RESOURCES-MIB: hrSystem, hrStorage and hrProcessorLoad as ictinfra_snmp_hr_* metrics."""

from __future__ import annotations

from agent.collectors.snmp.decode import Value, display_string
from agent.collectors.snmp.mib import Mib
from agent.model import MetricFamily

HR_SYSTEM_UPTIME = "1.3.6.1.2.1.25.1.1.0"
HR_SYSTEM_USERS = "1.3.6.1.2.1.25.1.5.0"
HR_SYSTEM_PROCESSES = "1.3.6.1.2.1.25.1.6.0"
HR_MEMORY_SIZE = "1.3.6.1.2.1.25.2.2.0"
SCALARS = (HR_SYSTEM_UPTIME, HR_SYSTEM_USERS, HR_SYSTEM_PROCESSES, HR_MEMORY_SIZE)
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
STORAGE_TYPE, STORAGE_DESCR, STORAGE_UNITS, STORAGE_SIZE, STORAGE_USED = (
    f"{HR_STORAGE}.{n}" for n in (2, 3, 4, 5, 6)
)
PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"
WALK_COLUMNS = (
    STORAGE_TYPE,
    STORAGE_DESCR,
    STORAGE_UNITS,
    STORAGE_SIZE,
    STORAGE_USED,
    PROCESSOR_LOAD,
)
STORAGE_TYPES = {
    "1": "other", "2": "ram", "3": "virtualMemory", "4": "fixedDisk", "5": "removableDisk",
    "6": "floppyDisk", "7": "compactDisc", "8": "ramDisk", "9": "flashMemory", "10": "networkDisk",
}  # fmt: skip
"""hrStorageTypes (1.3.6.1.2.1.25.2.1.N) from HOST-RESOURCES-TYPES."""

Table = dict[str, dict[str, Value]]


def has_host_resources(scalars: dict[str, Value], table: Table) -> bool:
    return any(oid in scalars for oid in SCALARS) or any(table.get(c) for c in WALK_COLUMNS)


def parse_host_resources(
    device: str, scalars: dict[str, Value], table: Table
) -> list[MetricFamily]:
    families = _system(device, scalars)
    families.extend(_storage(device, table))
    load = table.get(PROCESSOR_LOAD, {})
    if load:
        family = MetricFamily(
            "ictinfra_snmp_hr_processor_load_ratio",
            "hrProcessorLoad: average share of the last minute the processor was busy (0-1).",
            "gauge",
            ("device", "index"),
        )
        for index, value in load.items():
            if isinstance(value, int):
                family.add((device, index), value / 100)
        families.append(family)
    return families


_SCALAR_METRICS = (
    (HR_SYSTEM_UPTIME, "ictinfra_snmp_hr_system_uptime_seconds", "hrSystemUptime.", 0.01),
    (HR_SYSTEM_USERS, "ictinfra_snmp_hr_system_users", "hrSystemNumUsers.", 1),
    (HR_SYSTEM_PROCESSES, "ictinfra_snmp_hr_system_processes", "hrSystemProcesses.", 1),
    (HR_MEMORY_SIZE, "ictinfra_snmp_hr_memory_size_bytes", "hrMemorySize.", 1024),
)


def _system(device: str, scalars: dict[str, Value]) -> list[MetricFamily]:
    families = []
    for oid, name, help_text, scale in _SCALAR_METRICS:
        value = scalars.get(oid)
        if isinstance(value, int):
            family = MetricFamily(name, help_text, "gauge", ("device",))
            family.add((device,), value / 100 if scale == 0.01 else value * scale)
            families.append(family)
    return families


def _storage(device: str, table: Table) -> list[MetricFamily]:
    units = table.get(STORAGE_UNITS, {})
    if not units:
        return []
    labels = ("device", "index", "descr", "type")
    size = MetricFamily(
        "ictinfra_snmp_hr_storage_size_bytes",
        "hrStorageSize x hrStorageAllocationUnits.",
        "gauge",
        labels,
    )
    used = MetricFamily(
        "ictinfra_snmp_hr_storage_used_bytes",
        "hrStorageUsed x hrStorageAllocationUnits.",
        "gauge",
        labels,
    )
    for index, unit in sorted(
        units.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0
    ):
        if not isinstance(unit, int):
            continue
        type_oid = table.get(STORAGE_TYPE, {}).get(index)
        kind = type_oid.rsplit(".", 1)[-1] if isinstance(type_oid, str) else ""
        values = (
            device,
            index,
            display_string(table.get(STORAGE_DESCR, {}).get(index)),
            STORAGE_TYPES.get(kind, kind),
        )
        for family, column in ((size, STORAGE_SIZE), (used, STORAGE_USED)):
            amount = table.get(column, {}).get(index)
            if isinstance(amount, int):
                family.add(values, amount * unit)
    return [size, used]


MIB = Mib(
    "host_resources", order=30, scalars=SCALARS, columns=WALK_COLUMNS,
    parse=parse_host_resources, present=has_host_resources,
)  # fmt: skip

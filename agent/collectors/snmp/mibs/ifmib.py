"""IF-MIB ifTable + ifXTable -> snmp_exporter's `if_mib` metric names and labels, plus `device`.

The column list mirrors snmp_exporter v0.21's generated if_mib module (see
../shared/bench/snmp_exporter_if_mib.yml): same names, same types, same ifIndex/ifAlias/ifDescr/
ifName labels (empty when the device has no ifXTable). `ifSpecific` (deprecated, always 0.0) is
not polled. Values stay ints, so 64-bit counters are exact in the exposition.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from agent.collectors.snmp.decode import Value, display_string, mac_address
from agent.collectors.snmp.mib import Mib, Scalars
from agent.collectors.snmp.mibs.system import SYS_UPTIME
from agent.collectors.snmp.rows import Row, integer, split, text
from agent.collectors.snmp.walk import Table
from agent.model import MetricFamily, MetricType

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IFX_TABLE = "1.3.6.1.2.1.31.1.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_DESCR = f"{IF_TABLE}.2"
IF_NAME = f"{IFX_TABLE}.1"
IF_ALIAS = f"{IFX_TABLE}.18"

Kind = Literal["gauge", "counter", "enum_info", "mac"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    oid: str
    kind: Kind


def _columns(table: str, spec: Iterable[tuple[int, str, Kind]]) -> tuple[Column, ...]:
    return tuple(Column(name, f"{table}.{number}", kind) for number, name, kind in spec)


METRIC_COLUMNS: tuple[Column, ...] = _columns(
    IF_TABLE,
    [
        (3, "ifType", "enum_info"), (4, "ifMtu", "gauge"), (5, "ifSpeed", "gauge"),
        (6, "ifPhysAddress", "mac"), (7, "ifAdminStatus", "gauge"), (8, "ifOperStatus", "gauge"),
        (9, "ifLastChange", "gauge"), (10, "ifInOctets", "counter"),
        (11, "ifInUcastPkts", "counter"), (12, "ifInNUcastPkts", "counter"),
        (13, "ifInDiscards", "counter"), (14, "ifInErrors", "counter"),
        (15, "ifInUnknownProtos", "counter"), (16, "ifOutOctets", "counter"),
        (17, "ifOutUcastPkts", "counter"), (18, "ifOutNUcastPkts", "counter"),
        (19, "ifOutDiscards", "counter"), (20, "ifOutErrors", "counter"),
        (21, "ifOutQLen", "gauge"),
    ],
) + _columns(
    IFX_TABLE,
    [
        (2, "ifInMulticastPkts", "counter"), (3, "ifInBroadcastPkts", "counter"),
        (4, "ifOutMulticastPkts", "counter"), (5, "ifOutBroadcastPkts", "counter"),
        (6, "ifHCInOctets", "counter"), (7, "ifHCInUcastPkts", "counter"),
        (8, "ifHCInMulticastPkts", "counter"), (9, "ifHCInBroadcastPkts", "counter"),
        (10, "ifHCOutOctets", "counter"), (11, "ifHCOutUcastPkts", "counter"),
        (12, "ifHCOutMulticastPkts", "counter"), (13, "ifHCOutBroadcastPkts", "counter"),
        (14, "ifLinkUpDownTrapEnable", "gauge"), (15, "ifHighSpeed", "gauge"),
        (16, "ifPromiscuousMode", "gauge"), (17, "ifConnectorPresent", "gauge"),
        (19, "ifCounterDiscontinuityTime", "gauge"),
    ],
)  # fmt: skip

LABEL_COLUMNS = (IF_DESCR, IF_NAME, IF_ALIAS)
WALK_COLUMNS: tuple[str, ...] = (*LABEL_COLUMNS, *(c.oid for c in METRIC_COLUMNS))
LABELS = ("device", "ifAlias", "ifDescr", "ifIndex", "ifName")


@functools.cache
def if_type_names() -> dict[int, str]:
    """IANAifType names, as snmp_exporter's if_mib module has them (package data)."""
    text = resources.files("agent.collectors.snmp").joinpath("data/iftype.json").read_text()
    return {int(k): v for k, v in json.loads(text)["values"].items()}


def _sort_key(index: str) -> tuple[int, ...]:
    return tuple(int(part) for part in index.split(".") if part.isdigit())


def interface_labels(device: str, table: Table) -> dict[str, tuple[str, ...]]:
    """ifIndex -> the label values (device, ifAlias, ifDescr, ifIndex, ifName)."""
    indexes: set[str] = set()
    for column in (IF_DESCR, *(c.oid for c in METRIC_COLUMNS)):
        indexes.update(table.get(column, ()))
    descr, name, alias = (table.get(c, {}) for c in (IF_DESCR, IF_NAME, IF_ALIAS))
    return {
        index: (
            device,
            display_string(alias.get(index)),
            display_string(descr.get(index)),
            index,
            display_string(name.get(index)),
        )
        for index in sorted(indexes, key=_sort_key)
    }


def parse_if_mib(
    device: str, table: Table, sys_uptime: Value, if_number: Value
) -> list[MetricFamily]:
    """Walked IF-MIB columns -> metric families (only the columns the device has)."""
    families: list[MetricFamily] = []
    if isinstance(sys_uptime, int):
        uptime = MetricFamily(
            "sysUpTime", _help("sysUpTime", "1.3.6.1.2.1.1.3"), "gauge", ("device",)
        )
        uptime.add((device,), sys_uptime)
        families.append(uptime)
    if isinstance(if_number, int):
        number = MetricFamily(
            "ifNumber", _help("ifNumber", "1.3.6.1.2.1.2.1"), "gauge", ("device",)
        )
        number.add((device,), if_number)
        families.append(number)
    labels = interface_labels(device, table)
    if labels:
        families.append(_if_index(labels))
    for column in METRIC_COLUMNS:
        rows = table.get(column.oid)
        if rows:
            families.append(_family(column, rows, labels))
    return families


def _help(name: str, oid: str) -> str:
    return f"IF-MIB {name} - {oid}"


def _if_index(labels: dict[str, tuple[str, ...]]) -> MetricFamily:
    family = MetricFamily("ifIndex", _help("ifIndex", f"{IF_TABLE}.1"), "gauge", LABELS)
    for index, values in labels.items():
        family.add(values, int(index) if index.isdigit() else 0)
    return family


def _family(
    column: Column, rows: dict[str, Value], labels: dict[str, tuple[str, ...]]
) -> MetricFamily:
    if column.kind in ("enum_info", "mac"):
        return _label_family(column, rows, labels)
    kind: MetricType = "counter" if column.kind == "counter" else "gauge"
    family = MetricFamily(column.name, _help(column.name, column.oid), kind, LABELS)
    for index, values in labels.items():
        value = rows.get(index)
        if isinstance(value, int):
            family.add(values, value)
    return family


def _label_family(
    column: Column, rows: dict[str, Value], labels: dict[str, tuple[str, ...]]
) -> MetricFamily:
    """snmp_exporter's EnumAsInfo (ifType_info) and PhysAddress48 (value in a label, sample 1)."""
    if column.kind == "enum_info":
        name, label = "ifType_info", "ifType"
    else:
        name, label = column.name, column.name
    family = MetricFamily(name, _help(column.name, column.oid), "gauge", (*LABELS, label))
    for index, values in labels.items():
        if index not in rows:
            continue
        value = rows[index]
        if column.kind == "mac":
            text = mac_address(value)
        else:
            text = if_type_names().get(value, str(value)) if isinstance(value, int) else ""
        family.add((*values, text), 1)
    return family


IF_TYPE = f"{IF_TABLE}.3"
IF_SPEED = f"{IF_TABLE}.5"
IF_HIGH_SPEED = f"{IFX_TABLE}.15"
# IANAifType: ethernetCsmacd, fastEther, fastEtherFX, gigabitEthernet - a device's Ethernet ports
ETHERNET_TYPES = frozenset({6, 62, 69, 117})


def port_facts(table: dict[str, dict[str, Value]]) -> tuple[int | None, int | None]:
    """(fastest port speed in bit/s, Ethernet port count) of a walked IF-MIB.

    Over the Ethernet interfaces when the device has any (a VLAN or loopback interface's nominal
    speed says nothing of its ports), else over every interface. Per RFC 2863, ifSpeed (bit/s)
    where it is below its ceiling 4,294,967,295, else ifHighSpeed (Mbit/s): some switches put
    bit/s in ifHighSpeed too (D-Link DES-3028), which the exact ifSpeed corrects."""
    types = table.get(IF_TYPE, {})
    ports = [i for i, t in types.items() if t in ETHERNET_TYPES]
    indexes = ports or sorted(set(types) | set(table.get(IF_SPEED, {})))
    high, low = table.get(IF_HIGH_SPEED, {}), table.get(IF_SPEED, {})
    speeds = [speed for i in indexes if (speed := _speed(low.get(i), high.get(i)))]
    return (max(speeds) if speeds else None), (len(ports) if types else None)


IF_SPEED_CEILING = 4_294_967_295


def _speed(bits: Value | None, mbits: Value | None) -> int | None:
    if isinstance(bits, int) and 0 < bits < IF_SPEED_CEILING:
        return bits
    if isinstance(mbits, int) and mbits > 0:
        return mbits * 1_000_000
    return None


# --- interfaces as objects, for other collectors (bandwidth, LAN facts), from walked rows ---

# IANAifType of an Ethernet port for the LAN facts: the inventory's ETHERNET_TYPES plus
# iso88023Csmacd (7), which the bandwidth collector has always counted
ETHERNET_LIKE_TYPES = ETHERNET_TYPES | {7}
_INTERFACE_COLUMNS = {
    (IF_TABLE, 2): "descr", (IF_TABLE, 3): "type", (IF_TABLE, 5): "speed",
    (IF_TABLE, 8): "oper_status", (IF_TABLE, 10): "in_octets", (IF_TABLE, 16): "out_octets",
    (IFX_TABLE, 1): "name", (IFX_TABLE, 6): "hc_in_octets", (IFX_TABLE, 10): "hc_out_octets",
    (IFX_TABLE, 15): "high_speed", (IFX_TABLE, 19): "discontinuity",
}  # fmt: skip
# the columns `Interface` needs (not whole tables: cheaper on old gear)
INTERFACE_COLUMNS: tuple[str, ...] = tuple(f"{t}.{c}" for t, c in _INTERFACE_COLUMNS)


@dataclass(slots=True)
class Interface:
    index: int
    descr: str | None = None
    name: str | None = None
    type: int | None = None
    oper_status: int | None = None
    speed: int | None = None  # ifSpeed, bits/s (saturates at 4.29 Gbit/s)
    high_speed: int | None = None  # ifHighSpeed, Mbit/s
    in_octets: int | None = None
    out_octets: int | None = None
    hc_in_octets: int | None = None
    hc_out_octets: int | None = None
    discontinuity: int | None = None

    @property
    def label(self) -> str:
        return self.name or self.descr or str(self.index)

    @property
    def is_up(self) -> bool:
        return self.oper_status == 1

    @property
    def is_ethernet(self) -> bool:
        return self.type in ETHERNET_LIKE_TYPES

    @property
    def speed_bps(self) -> float | None:
        """Capacity from ifHighSpeed, else ifSpeed; None when unknown or zero."""
        if self.high_speed:
            return self.high_speed * 1e6
        return float(self.speed) if self.speed else None


def parse_interfaces(rows: Iterable[Row]) -> dict[int, Interface]:
    """ifTable + ifXTable rows -> ifIndex -> Interface. Unknown columns are ignored."""
    found: dict[int, Interface] = {}
    for raw_oid, value in rows:
        oid = raw_oid.lstrip(".")
        for table in (IF_TABLE, IFX_TABLE):
            part = split(oid, table)
            if part is None or not part[1].isdigit():
                continue
            attribute = _INTERFACE_COLUMNS.get((table, part[0]))
            if attribute is None:
                continue
            interface = found.setdefault(int(part[1]), Interface(int(part[1])))
            text_column = attribute in ("descr", "name")
            setattr(interface, attribute, text(value) if text_column else integer(value))
    return found


def _parse(device: str, scalars: Scalars, table: Table) -> list[MetricFamily]:
    """sysUpTime and ifNumber for every target; the interface families when walked."""
    return parse_if_mib(device, table, scalars.get(SYS_UPTIME), scalars.get(IF_NUMBER))


MIB = Mib(
    "if_mib", order=10, scalars=(IF_NUMBER,), columns=WALK_COLUMNS, parse=_parse,
    row_count=IF_NUMBER, always=True,
)  # fmt: skip

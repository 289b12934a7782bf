"""Pure parsers of walked IF-MIB / BRIDGE-MIB / Q-BRIDGE-MIB rows, and the uplink chooser.

Rows are (numeric OID without the leading dot, value) as any SNMP walker returns them, so the
functions work on recordings and on whichever poller feeds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from agent.collectors.snmp.ifmib import IF_TABLE, IFX_TABLE
from agent.collectors.snmp.system import SYS_UPTIME  # TimeTicks, 1/100 s

Value = int | str | bytes
Row = tuple[str, Value]

DOT1D_BASE_PORT_IFINDEX = "1.3.6.1.2.1.17.1.4.1.2"
DOT1D_TP_FDB = "1.3.6.1.2.1.17.4.3.1"
DOT1Q_TP_FDB = "1.3.6.1.2.1.17.7.1.2.2.1"

# ifType values of Ethernet ports (IANAifType): ethernetCsmacd, iso88023, fastEther,
# fastEtherFX, gigabitEthernet
ETHERNET_TYPES = frozenset({6, 7, 62, 69, 117})
_IF_COLUMNS = {
    (IF_TABLE, 2): "descr", (IF_TABLE, 3): "type", (IF_TABLE, 5): "speed",
    (IF_TABLE, 8): "oper_status", (IF_TABLE, 10): "in_octets", (IF_TABLE, 16): "out_octets",
    (IFX_TABLE, 1): "name", (IFX_TABLE, 6): "hc_in_octets", (IFX_TABLE, 10): "hc_out_octets",
    (IFX_TABLE, 15): "high_speed", (IFX_TABLE, 19): "discontinuity",
}  # fmt: skip
_FDB_LEARNED = 3


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
        return self.type in ETHERNET_TYPES

    @property
    def speed_bps(self) -> float | None:
        """Capacity from ifHighSpeed, else ifSpeed; None when unknown or zero."""
        if self.high_speed:
            return self.high_speed * 1e6
        return float(self.speed) if self.speed else None


@dataclass(frozen=True, slots=True)
class FdbEntry:
    mac: str
    bridge_port: int
    learned: bool
    vlan: int | None = None


def _text(value: Value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int(value: Value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _split(oid: str, table: str) -> tuple[int, str] | None:
    """`<table>.<column>.<index...>` -> (column, index), or None when not in `table`."""
    if not oid.startswith(table + "."):
        return None
    column, _, index = oid[len(table) + 1 :].partition(".")
    return (int(column), index) if column.isdigit() and index else None


def parse_interfaces(rows: Iterable[Row]) -> dict[int, Interface]:
    """ifTable + ifXTable rows -> ifIndex -> Interface. Unknown columns are ignored."""
    found: dict[int, Interface] = {}
    for raw_oid, value in rows:
        oid = raw_oid.lstrip(".")
        for table in (IF_TABLE, IFX_TABLE):
            split = _split(oid, table)
            if split is None or not split[1].isdigit():
                continue
            attribute = _IF_COLUMNS.get((table, split[0]))
            if attribute is None:
                continue
            interface = found.setdefault(int(split[1]), Interface(int(split[1])))
            text_column = attribute in ("descr", "name")
            setattr(interface, attribute, _text(value) if text_column else _int(value))
    return found


def sys_uptime_seconds(rows: Iterable[Row]) -> float | None:
    for oid, value in rows:
        if oid.lstrip(".") == SYS_UPTIME and (ticks := _int(value)) is not None:
            return ticks / 100
    return None


def _mac(parts: list[str]) -> str | None:
    if len(parts) != 6 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    return ":".join(f"{int(p):02x}" for p in parts)


def _fdb_rows(rows: Iterable[Row], table: str, has_vlan: bool) -> list[FdbEntry]:
    ports: dict[tuple[int | None, str], int] = {}
    status: dict[tuple[int | None, str], int] = {}
    for oid, value in rows:
        split = _split(oid.lstrip("."), table)
        if split is None or split[0] not in (2, 3):
            continue
        parts = split[1].split(".")
        vlan = int(parts[0]) if has_vlan and parts[0].isdigit() else None
        mac = _mac(parts[1:] if has_vlan else parts)
        number = _int(value)
        if mac is None or number is None:
            continue
        (ports if split[0] == 2 else status)[(vlan, mac)] = number
    return [
        FdbEntry(mac, port, status.get((vlan, mac), _FDB_LEARNED) == _FDB_LEARNED, vlan)
        for (vlan, mac), port in ports.items()
    ]


def parse_fdb(rows: Iterable[Row]) -> list[FdbEntry]:
    """BRIDGE-MIB dot1dTpFdbTable and Q-BRIDGE-MIB dot1qTpFdbTable rows -> entries."""
    rows = list(rows)
    return _fdb_rows(rows, DOT1D_TP_FDB, False) + _fdb_rows(rows, DOT1Q_TP_FDB, True)


def parse_base_ports(rows: Iterable[Row]) -> dict[int, int]:
    """dot1dBasePortIfIndex rows -> bridge port -> ifIndex."""
    mapping: dict[int, int] = {}
    for raw_oid, value in rows:
        oid = raw_oid.lstrip(".")
        if oid.startswith(DOT1D_BASE_PORT_IFINDEX + "."):
            port = oid[len(DOT1D_BASE_PORT_IFINDEX) + 1 :]
            if port.isdigit() and (index := _int(value)) is not None:
                mapping[int(port)] = index
    return mapping


@dataclass(frozen=True, slots=True)
class UplinkChoice:
    if_index: int | None
    source: Literal["configured", "fdb", "none"]
    reason: str
    candidates: tuple[int, ...] = field(default=())


def find_interface(interfaces: dict[int, Interface], port: str | int) -> int | None:
    """A configured port: ifIndex (number), else ifName, else ifDescr (exact)."""
    if isinstance(port, int) or port.isdigit():
        return int(port) if int(port) in interfaces else None
    for attribute in ("name", "descr"):
        for index, interface in sorted(interfaces.items()):
            if getattr(interface, attribute) == port:
                return index
    return None


def choose_uplink(
    interfaces: dict[int, Interface],
    configured: str | int | None,
    fdb: list[FdbEntry],
    base_ports: dict[int, int],
    gateway_mac: str | None,
) -> UplinkChoice:
    """The configured port, or the port where the switch learned the gateway's MAC."""
    if configured is not None:
        index = find_interface(interfaces, configured)
        if index is None:
            return UplinkChoice(None, "none", f"configured port {configured!r} not on the device")
        return UplinkChoice(index, "configured", "configured")
    if not gateway_mac:
        return UplinkChoice(None, "none", "the gateway's MAC is unknown (no ARP entry)")
    mac = gateway_mac.lower()
    entries = [e for e in fdb if e.mac == mac and e.learned]
    if not entries:
        return UplinkChoice(None, "none", f"gateway MAC {mac} not in the forwarding table")
    # a bridge port is an ifIndex on devices without dot1dBasePortIfIndex (RFC 4188 allows it)
    candidates = tuple(sorted({base_ports.get(e.bridge_port, e.bridge_port) for e in entries}))
    if len(candidates) > 1:
        return UplinkChoice(None, "none", "gateway MAC learned on several ports", candidates)
    return UplinkChoice(candidates[0], "fdb", f"gateway MAC {mac} learned there", candidates)

"""BRIDGE-MIB (RFC 4188) and Q-BRIDGE-MIB (RFC 4363) forwarding tables, as walked rows.

Pure parsers over `Row`s: which MAC a switch learned on which bridge port (per VLAN with
Q-BRIDGE), and bridge port -> ifIndex.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.collectors.snmp.rows import Row, integer, split

DOT1D_BASE_PORT_IFINDEX = "1.3.6.1.2.1.17.1.4.1.2"
DOT1D_TP_FDB = "1.3.6.1.2.1.17.4.3.1"
DOT1Q_TP_FDB = "1.3.6.1.2.1.17.7.1.2.2.1"
# what to walk for parse_fdb + parse_base_ports: the port map, FDB port and status columns
FDB_SUBTREES = (DOT1D_BASE_PORT_IFINDEX, f"{DOT1D_TP_FDB}.2", f"{DOT1D_TP_FDB}.3",
                f"{DOT1Q_TP_FDB}.2", f"{DOT1Q_TP_FDB}.3")  # fmt: skip
_FDB_LEARNED = 3


@dataclass(frozen=True, slots=True)
class FdbEntry:
    mac: str
    bridge_port: int
    learned: bool
    vlan: int | None = None


def _mac(parts: list[str]) -> str | None:
    if len(parts) != 6 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    return ":".join(f"{int(p):02x}" for p in parts)


def _fdb_rows(rows: Iterable[Row], table: str, has_vlan: bool) -> list[FdbEntry]:
    ports: dict[tuple[int | None, str], int] = {}
    status: dict[tuple[int | None, str], int] = {}
    for oid, value in rows:
        found = split(oid.lstrip("."), table)
        if found is None or found[0] not in (2, 3):
            continue
        parts = found[1].split(".")
        vlan = int(parts[0]) if has_vlan and parts[0].isdigit() else None
        mac = _mac(parts[1:] if has_vlan else parts)
        number = integer(value)
        if mac is None or number is None:
            continue
        (ports if found[0] == 2 else status)[(vlan, mac)] = number
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
            if port.isdigit() and (index := integer(value)) is not None:
                mapping[int(port)] = index
    return mapping

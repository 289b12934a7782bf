"""The SNMPv2-MIB `system` group (and ifNumber), fetched with one GET each poll."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.collectors.snmp.decode import Value, optional_text, timeticks_seconds
from agent.collectors.snmp.mib import Mib
from agent.collectors.snmp.rows import Row, integer

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
SCALARS = (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_CONTACT, SYS_NAME, SYS_LOCATION)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    descr: str | None
    object_id: str | None
    uptime_ticks: int | None
    contact: str | None
    name: str | None
    location: str | None

    @property
    def uptime_seconds(self) -> float | None:
        return timeticks_seconds(self.uptime_ticks)


def parse_system(values: dict[str, Value]) -> SystemInfo:
    object_id = values.get(SYS_OBJECT_ID)
    uptime = values.get(SYS_UPTIME)
    return SystemInfo(
        descr=optional_text(values.get(SYS_DESCR)),
        object_id=object_id if isinstance(object_id, str) else None,
        uptime_ticks=uptime if isinstance(uptime, int) else None,
        contact=optional_text(values.get(SYS_CONTACT)),
        name=optional_text(values.get(SYS_NAME)),
        location=optional_text(values.get(SYS_LOCATION)),
    )


# the sysUpTime column, for walkers of subtrees (`Walker.walk`)
UPTIME_SUBTREE: tuple[str, ...] = (SYS_UPTIME.removesuffix(".0"),)


def sys_uptime_seconds(rows: Iterable[Row]) -> float | None:
    """sysUpTime (TimeTicks, 1/100 s) in seconds, from walked or fetched rows."""
    for oid, value in rows:
        if oid.lstrip(".") == SYS_UPTIME and (ticks := integer(value)) is not None:
            return ticks / 100
    return None


# always fetched: the poll's first GET (the liveness check) is the system group + ifNumber
MIB = Mib("system", order=0, scalars=SCALARS, always=True)

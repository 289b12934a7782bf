"""The MIB registry: what the poller walks and parses, one `Mib` per file in `mibs/`.

Each module of `agent/collectors/snmp/mibs/` declares `MIB = Mib(...)`: its config name (the
target's `modules:` value), scalars, columns and parse function. `registry()` finds them all
(adding a MIB is adding a file) and refuses two with one name, as agent/registry.py does for
collectors. `order` fixes where a MIB's scalars, columns and families go in a poll (columns are
packed 4 per GETBULK in this order).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.walk import Table
from agent.model import MetricFamily

Scalars = dict[str, Value]
Parse = Callable[[str, Scalars, Table], list[MetricFamily]]  # (device, scalars, table)
Presence = Callable[[Scalars, Table], bool]


@dataclass(frozen=True, slots=True)
class Mib:
    name: str  # the target's `modules:` value
    order: int
    scalars: tuple[str, ...] = ()  # fetched with the poll's first GET
    columns: tuple[str, ...] = ()  # walked
    parse: Parse | None = None  # -> metric families; None: inventory only
    inventory_only: bool = False  # walked on inventory polls only
    # scalars fetched and parse run for every target whatever its `modules:` (the columns are
    # walked only when chosen): the system group and ifNumber are each poll's liveness GET
    always: bool = False
    # walked on interface polls only when the last inventory poll found the MIB on the device
    present: Presence | None = None
    row_count: str | None = None  # a scalar saying how many rows each column has (sizes GETBULK)


class DuplicateMibError(ValueError):
    pass


def ordered(mibs: Iterable[Mib]) -> tuple[Mib, ...]:
    """The MIBs in poll order; two with one name are refused."""
    seen: dict[str, Mib] = {}
    for mib in mibs:
        if mib.name in seen:
            raise DuplicateMibError(f"a MIB named {mib.name!r} is registered")
        seen[mib.name] = mib
    return tuple(sorted(seen.values(), key=lambda m: (m.order, m.name)))


@functools.cache
def registry(package: str = "agent.collectors.snmp.mibs") -> tuple[Mib, ...]:
    """Every `MIB` declared by a module of `package`, in poll order; once per process."""
    modules = pkgutil.iter_modules(importlib.import_module(package).__path__)
    declared = (
        getattr(importlib.import_module(f"{package}.{m.name}"), "MIB", None) for m in modules
    )
    return ordered(mib for mib in declared if isinstance(mib, Mib))

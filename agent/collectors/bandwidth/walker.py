"""The narrow interface to an SNMP poller: walk some subtrees of one target, get rows back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agent.collectors.bandwidth.ifmib import Row
from agent.collectors.snmp.ifmib import IF_TABLE, IFX_TABLE
from agent.collectors.snmp.system import SYS_UPTIME
from agent.config.snmp import SnmpTarget

# the IF-MIB columns the rates and the LAN facts need (not whole tables: cheaper on old gear)
IF_COLUMNS: tuple[str, ...] = (
    *(f"{IF_TABLE}.{c}" for c in (2, 3, 5, 8, 10, 16)),
    *(f"{IFX_TABLE}.{c}" for c in (1, 6, 10, 15, 19)),
)
UPTIME: tuple[str, ...] = (SYS_UPTIME.removesuffix(".0"),)


class Walker(Protocol):
    async def walk(self, target: SnmpTarget, subtrees: Sequence[str]) -> list[Row]:
        """Every row under each subtree; raises PeerError when the target does not answer."""
        ...

    async def get(self, target: SnmpTarget, oids: Sequence[str]) -> list[Row]:
        """The instances that exist of `oids`; raises PeerError when the target does not answer."""
        ...

"""The uplink port of a switch: which port (configured or inferred), its rates and capacity."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from agent.collectors.bandwidth.choice import UplinkChoice, choose_uplink
from agent.collectors.bandwidth.rates import CounterReading, RateTracker
from agent.collectors.probes import default_route, parse_neighbour_mac
from agent.collectors.snmp import (
    FDB_SUBTREES,
    INTERFACE_COLUMNS,
    SYS_UPTIME,
    UPTIME_SUBTREE,
    Interface,
    Row,
    Walker,
    parse_base_ports,
    parse_fdb,
    parse_interfaces,
    sys_uptime_seconds,
)
from agent.config.snmp import SnmpTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UplinkSample:
    device: str
    choice: UplinkChoice
    interface: Interface | None
    receive: float | None  # bytes/s
    transmit: float | None


def gateway_mac(proc_root: str) -> str | None:
    route = default_route(proc_root)
    if route is None:
        return None
    try:
        return parse_neighbour_mac(Path(proc_root, "net/arp").read_text(), route.gateway)
    except OSError:
        return None


def reading(
    interface: Interface, direction: str, now: float, uptime: float | None
) -> CounterReading | None:
    hc = interface.hc_in_octets if direction == "rx" else interface.hc_out_octets
    low = interface.in_octets if direction == "rx" else interface.out_octets
    value, bits = (hc, 64) if hc is not None else (low, 32)
    if value is None:
        return None
    epoch = (interface.index, interface.discontinuity)
    return CounterReading(value, now, bits, uptime, epoch, interface.speed_bps)


class UplinkMonitor:
    def __init__(
        self, target: SnmpTarget, port: str | int | None, walker: Walker, proc_root: str,
        refresh: float,
    ) -> None:  # fmt: skip
        self.target, self.port, self.walker = target, port, walker
        self.proc_root, self.refresh = proc_root, refresh
        self._choice: UplinkChoice | None = None
        self._chosen_at = 0.0
        self._tracker: RateTracker[str] = RateTracker()

    async def _choose(self, interfaces: dict[int, Interface]) -> UplinkChoice:
        stale = time.monotonic() - self._chosen_at > self.refresh
        if self._choice is not None and self._choice.if_index is not None and not stale:
            return self._choice
        fdb, ports = [], {}
        if self.port is None:
            rows = await self.walker.walk(self.target, FDB_SUBTREES)
            fdb, ports = parse_fdb(rows), parse_base_ports(rows)
        choice = choose_uplink(interfaces, self.port, fdb, ports, gateway_mac(self.proc_root))
        if choice != self._choice:
            log.info("uplink of %s: %s (%s)", self.target.name, choice.if_index, choice.reason)
        self._choice, self._chosen_at = choice, time.monotonic()
        return choice

    def _known(self) -> int | None:
        """The uplink's ifIndex while the choice holds (then one GET of its row suffices)."""
        choice = self._choice
        fresh = time.monotonic() - self._chosen_at <= self.refresh or self.port is not None
        return choice.if_index if choice is not None and fresh else None

    async def _rows(self) -> list[Row]:
        index = self._known()
        if index is None:
            return await self.walker.walk(self.target, UPTIME_SUBTREE + INTERFACE_COLUMNS)
        # one small GET: cheap on old switches, and the counters' timestamp is sharp
        return await self.walker.get(
            self.target, [SYS_UPTIME, *(f"{c}.{index}" for c in INTERFACE_COLUMNS)]
        )

    async def sample(self) -> UplinkSample:
        rows = await self._rows()
        now = time.monotonic()
        interfaces, uptime = parse_interfaces(rows), sys_uptime_seconds(rows)
        choice = await self._choose(interfaces)
        interface = interfaces.get(choice.if_index) if choice.if_index is not None else None
        if interface is None:
            self._choice = None  # renumbered or gone: walk and choose again next time
            return UplinkSample(self.target.name, choice, None, None, None)
        rates: dict[str, float | None] = {}
        for direction in ("rx", "tx"):
            current = reading(interface, direction, now, uptime)
            rates[direction] = self._tracker.update(direction, current) if current else None
        return UplinkSample(self.target.name, choice, interface, rates["rx"], rates["tx"])
